"""The vendored corpus as the text tests read it, and the comparisons they use to check a record against what a
document prints (letters and digits only, so markup, hyphenation and page furniture do not matter)."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
DOC_IDS = ["000", "001", "002", "003", "004"]


@lru_cache(maxsize=None)
def source(doc: str) -> str:
    """The text of corpus document *doc* ("000"...), as vendored."""
    (path,) = CORPUS.glob(f"{doc}_*.txt")
    return path.read_text(encoding="utf-8")


def squash(text: str) -> str:
    """Letters and digits only, lower-cased, NFKC (so ``²`` == ``2``)."""
    return "".join(c.lower() for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(c in it for c in needle)
