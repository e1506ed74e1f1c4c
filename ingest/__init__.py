"""Documents -> records (pure parsing and extraction) -> triples with provenance -> the embedded store."""
