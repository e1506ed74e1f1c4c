"""`gcmkg ingest PATH`: add a document to the corpus (file + manifest entry) and report what it yields.

With --dry-run nothing changes: the document is extracted against the reference vocabularies and the report of
what was found is printed. Otherwise the file is copied into the corpus, a manifest entry is appended, and the
whole graph is rebuilt (atomically: a failed build leaves the previous graph serving and the manifest unchanged).
"""
from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path

from ingest.build import BuildError, build
from ingest.corpus import MANIFEST, DocumentEntry, read_manifest
from ingest.documents import decode_document, document_triples, extract_document, reference_vocabulary
from ingest.sources import BuildContext
from ontology.iris import Minter, slug
from ontology.settings import Config

_FORMATS = {".txt": "text/plain", ".md": "text/markdown", ".pdf": "application/pdf"}


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def manifest_entry_toml(entry: DocumentEntry) -> str:
    lines = ["", "[[document]]"]
    for key in ("id", "file", "title", "type", "date"):
        lines.append(f"{key} = {_toml_string(getattr(entry, key))}")
    lines.append("issuer = [" + ", ".join(_toml_string(i) for i in entry.issuer) + "]")
    for key in ("symbol", "language", "format", "sha256", "url", "license"):
        lines.append(f"{key} = {_toml_string(getattr(entry, key))}")
    return "\n".join(lines) + "\n"


def describe(extracted) -> list[str]:
    counts: dict[str, int] = {}
    for st in extracted.statements:
        name = st.cls.value.rsplit("#", 1)[-1]
        counts[name] = counts.get(name, 0) + 1
    lines = [
        f"document {extracted.entry.id}: {extracted.title!r}",
        f"  structure: {sum(s.kind == 'Section' for s in extracted.segments)} sections, "
        f"{sum(s.kind == 'Paragraph' for s in extracted.segments)} paragraphs, "
        f"{sum(s.kind == 'Item' for s in extracted.segments)} items, "
        f"{sum(s.kind == 'Footnote' for s in extracted.segments)} footnotes",
        "  statements: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"),
        f"  figures: {len(extracted.figures)}",
        f"  mentions: {len(extracted.mentions)} of "
        f"{len({m.entity.value for m in extracted.mentions})} entities",
    ]
    for ev in extracted.events.values():
        when = ev.start or ev.planned_start
        lines.append(f"  event: {ev.title} ({when.isoformat() if when else 'no date'}; "
                     f"{len(ev.roles)} organisations in roles; objectives "
                     f"{', '.join(sorted((o.rsplit('/', 1)[-1] for o in ev.objectives), key=int)) or 'none'})")
    if extracted.new_entities:
        lines.append(f"  found in the text, not in any vocabulary ({len(extracted.new_entities)}):")
        for ne in sorted(extracted.new_entities.values(), key=lambda e: e.label):
            lines.append(f"    {ne.label} [{ne.cls.value.rsplit('#', 1)[-1]}]")
    return lines


def add_document(config: Config, path: str, doc_id: str | None = None, title: str | None = None,
                 doc_type: str = "report", date: str | None = None, dry_run: bool = False, out=None) -> int:
    out = out or sys.stdout
    src = Path(path)
    if not src.is_file():
        print(f"gcmkg ingest: no such file: {src}", file=sys.stderr)
        return 2
    fmt = _FORMATS.get(src.suffix.lower())
    if fmt is None:
        print(f"gcmkg ingest: unsupported file type {src.suffix!r} (use .txt, .md or .pdf)", file=sys.stderr)
        return 2
    data = src.read_bytes()
    doc_id = doc_id or slug(src.stem)
    existing = read_manifest(config.data_dir)
    if any(e.id == doc_id for e in existing):
        print(f"gcmkg ingest: the manifest already has a document {doc_id!r}; choose another --id", file=sys.stderr)
        return 2
    entry = DocumentEntry(
        id=doc_id, file=src.name, title=title or "", type=doc_type, date=date or "", language="en",
        sha256=hashlib.sha256(data).hexdigest(), format=fmt)
    try:
        original = decode_document(data, entry)
        minter = Minter(config.base_iri)
        vocab = reference_vocabulary(BuildContext(minter=minter, data_dir=config.data_dir))
        extracted = extract_document(entry, original, vocab, minter)
        document_triples(extracted, minter)
    except Exception as exc:  # report where the document broke; nothing has been changed
        print(f"gcmkg ingest: {src}: {exc}", file=sys.stderr)
        return 1
    if not entry.title:
        entry = DocumentEntry(**{**entry.__dict__, "title": extracted.title or src.stem})
    if not entry.date:
        years = re.findall(r"\b(20\d\d)\b", original[:2000])
        entry = DocumentEntry(**{**entry.__dict__, "date": max(years) if years else "unknown"})
    for line in describe(extracted):
        print(line, file=out)
    if dry_run:
        print("(dry run: nothing changed)", file=out)
        return 0
    corpus = config.data_dir / "corpus"
    target = corpus / src.name
    if target.exists() and target.read_bytes() != data:
        print(f"gcmkg ingest: {target} exists with other content; rename the file", file=sys.stderr)
        return 2
    manifest = config.data_dir / MANIFEST
    before = manifest.read_text(encoding="utf-8") if manifest.exists() else ""
    copied = not target.exists()
    if copied:
        shutil.copyfile(src, target)
    manifest.write_text(before + manifest_entry_toml(entry), encoding="utf-8")
    try:
        build(config, log=lambda line: print(line, file=out))
    except BuildError as exc:
        manifest.write_text(before, encoding="utf-8")  # lose nothing: the corpus is as it was
        if copied:
            target.unlink()
        print(f"gcmkg ingest: the build failed, the document was not added: {exc}", file=sys.stderr)
        return 1
    return 0
