"""The `gcmkg` command: the composition root that drives ingest (build) and server (serve) without either
importing the other."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gcmkg")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0+unknown"
