"""Make a corpus N times larger than the real one, for the scale benchmark (docs/scaling.md).

    .venv/bin/python bench/scale/generate.py --factor 10 --out /tmp/gcmkg-scale/data-10x

The output is a data folder like ``data/``: ``reference/`` copied as it is, ``corpus/`` with the real documents
plus ``(N-1) x 5`` variants and a new ``manifest.toml`` (ids, files, sha256). A variant of a real document keeps
its layout (headings, paragraph numbers, footnotes) and changes what it says, so that extraction finds new
mentions rather than the same ones again:

- **recombined paragraphs**: about a third of its paragraphs (as ``ingest.structure`` reads them) get the body of
  a paragraph of another document, on one line, its printed number kept;
- **renamed countries and organisations**: every country name of the reference table (UN M49) and every UN entity
  name or acronym (``reference/orgs/un_entities.csv``) found in the text is replaced consistently with another
  from the same table, so mentions land on other entities;
- **shifted dates**: years 1990-2029 (not inside document symbols such as ``ESCAP/GCM/2021/1``) move by the same
  random offset, as does the manifest date;
- **varied figures**: amounts written with ``million``, ``billion``, ``per cent`` or ``%`` are scaled by a random
  factor between 0.6 and 1.6, in the same notation.

Everything is seeded by (factor, variant, document), so the same command writes the same bytes.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ingest.structure import parse_structure  # noqa: E402  (the project's own reader: same paragraphs as the build)


def _toml_str(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_str(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def country_names(reference: Path) -> list[str]:
    with open(reference / "geo" / "unsd_m49_geoareas_lod4stats.csv", encoding="utf-8") as f:
        return sorted({r["name_en"] for r in csv.DictReader(f) if "co" in r["classes"].split("|") and r["name_en"]})


def organisations(reference: Path) -> list[tuple[str, str]]:
    """(full name, acronym or '') of each UN entity of the reference table."""
    out = []
    with open(reference / "orgs" / "un_entities.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            acronym = next((a.strip() for a in (r.get("acronyms") or "").split("|") if len(a.strip()) >= 3), "")
            if r["pref_label"].strip():
                out.append((r["pref_label"].strip(), acronym))
    return out


def _alternation(words) -> re.Pattern:
    ordered = sorted(words, key=len, reverse=True)  # longest first: "Republic of Korea" before "Korea"
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ordered) + r")(?![\w-])")


class Renamer:
    """Consistent replacements for one variant: each country becomes another country, each organisation another
    organisation (its name and its acronym alike)."""

    def __init__(self, rng: random.Random, countries: list[str], orgs: list[tuple[str, str]]):
        shuffled = countries[:]
        rng.shuffle(shuffled)
        country_map = dict(zip(countries, shuffled))
        targets = orgs[:]
        rng.shuffle(targets)
        name_map, acronym_map = {}, {}
        for (name, acronym), (new_name, new_acronym) in zip(orgs, targets):
            name_map[name] = new_name
            if acronym:
                acronym_map[acronym] = new_acronym or new_name
        # full names before acronyms, so that "... Programme (UNDP)" becomes "... (ILO)" of one and the same entity
        self.maps = [(_alternation(m), m) for m in (name_map, country_map, acronym_map) if m]
        self.year_shift = rng.choice([-4, -3, -2, -1, 1, 2, 3, 4])
        self.rng = rng

    def years(self, text: str) -> str:
        def shift(m: re.Match) -> str:
            return str(int(m.group(0)) + self.year_shift)
        return re.sub(r"(?<![/\d])(?:199\d|20[0-2]\d)(?![/\d])", shift, text)

    def figures(self, text: str) -> str:
        def scale(m: re.Match) -> str:
            number = m.group("n")
            value = float(number.replace(",", "")) * self.rng.uniform(0.6, 1.6)
            decimals = len(number.split(".")[1]) if "." in number else 0
            if m.group("unit").strip() in ("per cent", "%", "percent"):
                value = min(value, 99.0)
            out = f"{value:,.{decimals}f}" if "," in number else f"{value:.{decimals}f}"
            return out + m.group("unit")
        return re.sub(r"(?<![\d.,/])(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<unit> (?:million|billion|per cent|"
                      r"percent)|%)", scale, text)

    def __call__(self, text: str) -> str:
        for pattern, mapping in self.maps:
            text = pattern.sub(lambda m: mapping.get(m.group(1), m.group(1)), text)
        return self.figures(self.years(text))


def paragraph_bodies(text: str) -> list[tuple[int, int, str]]:
    """(start, end, body) in the original text for each prose paragraph, its printed number excluded."""
    structure = parse_structure(text)
    out = []
    for p in structure.paragraphs:
        if p.kind not in ("numbered", "text") or p.items or len(p.text) < 120:
            continue
        start, end = structure.normalized.to_original(p.clean_start, p.clean_end)
        if 0 <= start < end <= len(text):
            out.append((start, end, " ".join(p.text.split())))
    return out


def variant_text(text: str, own: list[tuple[int, int, str]], donors: list[str], rng: random.Random,
                 share: float = 0.35) -> str:
    """*text* with about *share* of its prose paragraphs replaced by donor paragraphs (from other documents)."""
    chosen = sorted(rng.sample(own, k=int(len(own) * share)) if own else [], key=lambda t: t[0])
    out, at = [], 0
    for start, end, _ in chosen:
        if start < at:
            continue
        out += [text[at:start], rng.choice(donors)]
        at = end
    out.append(text[at:])
    return "".join(out)


def generate(data_dir: Path, factor: int, out: Path, share: float = 0.35) -> dict:
    if factor < 1:
        raise ValueError("the factor is at least 1")
    manifest = tomllib.loads((data_dir / "corpus" / "manifest.toml").read_text(encoding="utf-8"))
    docs = manifest["document"]
    if out.exists():
        shutil.rmtree(out)
    (out / "corpus").mkdir(parents=True)
    shutil.copytree(data_dir / "reference", out / "reference")
    countries = country_names(data_dir / "reference")
    orgs = organisations(data_dir / "reference")
    texts = {d["id"]: (data_dir / "corpus" / d["file"]).read_text(encoding="utf-8") for d in docs}
    bodies = {d["id"]: paragraph_bodies(texts[d["id"]]) for d in docs}
    entries = []
    for d in docs:  # the real documents, unchanged
        shutil.copy2(data_dir / "corpus" / d["file"], out / "corpus" / d["file"])
        entries.append(dict(d))
    for k in range(1, factor):
        for n, d in enumerate(docs):
            rng = random.Random(f"{factor}/{k}/{d['id']}")
            renamer = Renamer(rng, countries, orgs)
            donors = [b for other, bs in bodies.items() if other != d["id"] for _, _, b in bs]
            text = renamer(variant_text(texts[d["id"]], bodies[d["id"]], donors, rng, share))
            entry = dict(d)
            entry["id"] = f"{d['id']}-x{k:03d}"
            entry["file"] = f"x{k:03d}-{n}-{d['file']}"
            entry["title"] = f"{d['title']} (scale benchmark variant {k})"
            entry["date"] = renamer.years(str(d["date"]))
            data = text.encode("utf-8")
            (out / "corpus" / entry["file"]).write_bytes(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entries.append(entry)
    lines = [f"# Scale benchmark corpus: {factor}x the real one (bench/scale/generate.py); not real documents.\n"]
    for e in entries:
        lines.append("[[document]]")
        lines += [f"{k} = {_toml_str(v)}" for k, v in e.items()]
        lines.append("")
    (out / "corpus" / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")
    size = sum(p.stat().st_size for p in (out / "corpus").iterdir())
    return {"factor": factor, "documents": len(entries), "corpus_bytes": size, "out": str(out)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--factor", "-n", type=int, required=True, help="how many times the real corpus (1, 10, 100)")
    p.add_argument("--out", required=True, type=Path, help="data folder to write (replaced if it exists)")
    p.add_argument("--data-dir", type=Path, default=ROOT / "data", help="the real data folder")
    p.add_argument("--share", type=float, default=0.35, help="share of paragraphs replaced in a variant")
    args = p.parse_args(argv)
    info = generate(args.data_dir, args.factor, args.out, args.share)
    print(f"{info['documents']} documents ({info['corpus_bytes'] / 1e6:.1f} MB) in {info['out']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
