"""The read side: named queries (one .rq file each) and access to the built store."""
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent
