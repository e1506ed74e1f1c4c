"""The GCM Knowledge Graph ontology: the OWL file, SHACL shapes and checks, and the one module that mints IRIs."""
from pathlib import Path

HERE = Path(__file__).resolve().parent
ONTOLOGY_TTL = HERE / "gcmkg.ttl"
SHAPES_TTL = HERE / "shapes.ttl"
CHECKS_DIR = HERE / "checks"
