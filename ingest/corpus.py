"""The corpus manifest: which documents the build ingests, with their metadata and checksums."""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ingest.sources import BuildContext, Source

MANIFEST = "corpus/manifest.toml"


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class DocumentEntry:
    id: str
    file: str
    title: str
    type: str
    date: str
    language: str
    sha256: str
    format: str = "text/plain"
    issuer: tuple[str, ...] = ()
    symbol: str = ""
    url: str = ""
    license: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def path(self, data_dir: Path) -> Path:
        return data_dir / "corpus" / self.file


_KNOWN = {"id", "file", "title", "type", "date", "language", "sha256", "format", "issuer", "symbol", "url", "license"}
_REQUIRED = ("id", "file", "title", "type", "date", "language", "sha256")


def read_manifest(data_dir: Path) -> list[DocumentEntry]:
    path = Path(data_dir) / MANIFEST
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: {exc}") from exc
    entries = []
    ids: set[str] = set()
    for n, doc in enumerate(raw.get("document", []), start=1):
        missing = [k for k in _REQUIRED if not doc.get(k)]
        if missing:
            raise ManifestError(f"{path}: document #{n} lacks {', '.join(missing)}")
        if doc["id"] in ids:
            raise ManifestError(f"{path}: document id {doc['id']!r} appears twice")
        ids.add(doc["id"])
        issuer = doc.get("issuer", ())
        entries.append(
            DocumentEntry(
                **{k: v for k, v in doc.items() if k in _KNOWN and k != "issuer"},
                issuer=tuple([issuer] if isinstance(issuer, str) else issuer),
                extra={k: v for k, v in doc.items() if k not in _KNOWN},
            )
        )
    return entries


def verify_checksum(entry: DocumentEntry, data_dir: Path) -> bytes:
    path = entry.path(data_dir)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ManifestError(f"document {entry.id!r}: file {path} not found") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry.sha256:
        raise ManifestError(
            f"document {entry.id!r}: {path} has sha256 {actual}, manifest says {entry.sha256} "
            "(update the manifest if the new text is intended)"
        )
    return data


def document_sources(ctx: BuildContext) -> list[Source]:
    """One Source (named graph) per manifest entry. Extraction is added by ingest.documents."""
    try:
        from ingest.documents import document_source
    except ImportError:  # extraction not available yet: documents contribute nothing
        return []
    return [document_source(entry) for entry in read_manifest(ctx.data_dir)]
