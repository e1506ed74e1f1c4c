"""Coverage-guided fuzzing of the document reader and extractors with atheris (libFuzzer), run by
tests/test_hardening_atheris.py as `python tests/fuzz/atheris_extract.py CORPUS_DIR -runs=N ...`.

Every input, decoded as UTF-8 (invalid bytes replaced), goes through normalisation, sentence splitting and the
structure parser (thousands of inputs a second); one input in 50 also goes through the whole extraction and the
triples of a document (the slow part: vocabulary matching). Any exception is a crash (libFuzzer writes the input to
crash-*), as is a span outside the text."""
from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from ingest import reader, structure
    from ingest.documents import document_triples, extract_document, reference_vocabulary

from ingest.corpus import DocumentEntry
from ingest.sources import BuildContext
from ontology.iris import Minter
from ontology.settings import PROJECT_ROOT

MINTER = Minter()
VOCAB = reference_vocabulary(BuildContext(minter=MINTER, data_dir=PROJECT_ROOT / "data"))
ENTRY = DocumentEntry(id="fuzz", file="fuzz.txt", title="Fuzz", type="summary", date="2021", language="en",
                      sha256="0" * 64)


COUNT = [0]


def one(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    reader.normalize(text)
    for a, b in structure.split_sentences(text):
        assert 0 <= a <= b <= len(text)
    structure.parse_structure(text)
    COUNT[0] += 1
    if COUNT[0] % 50:
        return
    doc = extract_document(ENTRY, text, VOCAB, MINTER)
    for seg in doc.segments:
        assert 0 <= seg.span.start <= seg.span.end <= len(text)
    document_triples(doc, MINTER)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one)
    atheris.Fuzz()
