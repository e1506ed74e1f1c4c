"""PDF documents go through the same reader as text extractions."""
from __future__ import annotations

import re

import pytest

from ingest.pdf import PdfError, pdf_text
from ingest.structure import parse_structure


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF with one text line per string (Helvetica), enough for a text layer."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", None,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % content)
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_text_layer_is_read_and_structured():
    pdf = make_pdf([
        ["ECE/GCM/2022/3", "", "I. Introduction", "", "1. The regional review was held on 12 May 2022 in",
         "Geneva and addressed objectives 2, 5 and 6.", "2. About 80 participants from 30 countries attended",
         "the meeting.", "3. Participants identified the following challenges:",
         "(a) Migrant workers lacked access to social protection;", "(b) Recruitment fees remained high."],
        ["4. Participants recommended the ratification of the International",
         "Convention on the Protection of the Rights of All Migrant Workers.",
         "5. The review concluded that cooperation had improved.", "GE.22-01234 (E)"],
    ])
    text = pdf_text(pdf)
    assert "held on 12 May 2022" in text
    structure = parse_structure(text)
    assert [p.number for p in structure.paragraphs if p.number] == [1, 2, 3, 4, 5]
    first = structure.paragraph("1")
    assert "in Geneva" in first.text  # the line break inside the paragraph is gone
    assert [i.key for i in structure.paragraph("3").items] == ["a", "b"]
    assert all("GE.22-01234" not in p.text for p in structure.paragraphs)
    assert all("ECE/GCM/2022/3" not in p.text for p in structure.paragraphs)


def test_a_file_that_is_not_a_pdf_is_refused_with_a_reason():
    with pytest.raises(PdfError):
        pdf_text(b"%PDF-1.4\nthis is not really a pdf")


def test_a_pdf_without_text_says_so():
    with pytest.raises(PdfError, match="no text layer"):
        pdf_text(make_pdf([[]]))


def test_a_chairs_summary_read_from_a_pdf_gives_the_meeting_and_findings_of_its_markdown_twin():
    """The markdown chair's summary of tests/fixtures/docs, as a PDF's text layer gives it: the title runs into
    'Chair's summary' and the date line (no blank lines between), headings lose their '#'. Its meeting is still one
    event named as the meeting is, and its 'Key findings' paragraphs are still findings."""
    from pathlib import Path

    from ingest.corpus import DocumentEntry
    from ingest.documents import extract_document, reference_vocabulary
    from ingest.sources import BuildContext
    from ontology.iris import Minter
    from ontology.settings import PROJECT_ROOT

    source = (PROJECT_ROOT / "tests" / "fixtures" / "docs" / "eca_regional_review_chair_summary.md").read_text()
    lines = []
    for block in source.split("\n\n"):
        words, line = block.lstrip("# ").split(), ""
        for w in words:  # wrapped at 80 characters, as a page is
            if len(line) + len(w) > 80:
                lines.append(line)
                line = ""
            line = f"{line} {w}".strip()
        lines.append(line)
    text = pdf_text(make_pdf([lines]))
    assert re.search(r"Regular Migration Chair.s summary Marrakech", " ".join(text.split()))
    minter = Minter("https://w3id.org/gcmkg/")
    entry = DocumentEntry(id="eca-pdf", file="eca.pdf", title="", type="summary", date="2021-08", language="en",
                          sha256="0" * 64, format="application/pdf")
    records = extract_document(entry, text, reference_vocabulary(BuildContext(minter=minter, data_dir=PROJECT_ROOT / "data")),
                               minter)
    (event,) = records.events.values()
    assert event.title.startswith("Africa Regional Review of the Global Compact") and "Chair" not in event.title
    assert str(event.start) == "2021-08-25" and len(event.roles) == 3
    findings = [s for s in records.statements if s.cls.value.endswith("#Finding")]
    assert {s.text.split()[0] for s in findings} == {"Remittances", "Participants"}


def test_ligatures_of_a_pdf_font_become_letters():
    from ingest.pdf import _LIGATURES

    assert "Key \ufb01ndings, e\ufb00ective \ufb02ows".translate(_LIGATURES) == "Key findings, effective flows"
