from gcmkg.cli import main

raise SystemExit(main())
