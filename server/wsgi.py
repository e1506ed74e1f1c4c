"""WSGI entry point: `gunicorn server.wsgi:app`. Settings come from GCMKG_* environment variables."""
from server import create_app

app = create_app()
