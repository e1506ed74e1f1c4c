"""PDF in: the text layer of a PDF, page by page, in reading order (pypdf: pure Python, maintained by py-pdf).

The text is what a PDF-to-text extraction gives (broken lines, page headers, footnotes at page feet): the reader
(ingest.reader) normalises it like any other extraction, and offsets refer to this extracted text.
"""
from __future__ import annotations

import io

# Typographic ligatures a PDF's fonts draw as one glyph ('Key ﬁndings'): the text layer keeps the glyph, words keep
# their letters ('Key findings'), so that rules and searches match.
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})


class PdfError(ValueError):
    pass


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = []
        for n, page in enumerate(reader.pages, start=1):
            try:
                pages.append(page.extract_text() or "")
            except Exception as exc:  # a damaged page: say which
                raise PdfError(f"page {n}: cannot extract text: {exc}") from exc
    except PdfReadError as exc:
        raise PdfError(f"not a readable PDF: {exc}") from exc
    text = "\n\n".join(p.rstrip() for p in pages).translate(_LIGATURES)
    if not text.strip():
        raise PdfError("the PDF has no text layer (a scan?): run OCR first")
    return text + "\n"
