"""The catalog of named queries: one ``queries/*.rq`` file per question, with a grlc-style header.

The header format is documented in docs/queries.md. In short::

    #+ summary: One line saying what the query answers.
    #+ description: Several lines of prose; continuation lines are indented
    #+   by two spaces or more, and a bare `#+` line starts a new paragraph.
    #+ tags: objectives, statements
    #+ params:
    #+   - objective (objective-number, default 6): The GCM objective, 1 to 23.
    #+   - country (country-code, optional): ISO 3166 alpha-3 code; every country when omitted.

A parameter is a SPARQL variable of the same name. It is bound with pyoxigraph ``substitutions`` (never by
editing the query text); pyoxigraph 0.5 accepts a substitution only for a variable of the SELECT projection, so
every parameter variable is projected (``load`` refuses a query that does not). An optional parameter left out
stays a free variable: the query then answers for every value, exactly as it does when the same text is pasted
into the SPARQL editor.
"""
from __future__ import annotations

import functools
import re
from urllib.parse import urljoin
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Variable

from ontology.iris import Minter
from ontology.vocab import GCM, PREFIXES, XSD

QUERIES_DIR = Path(__file__).resolve().parent


class CatalogError(ValueError):
    """A .rq file of the catalog is malformed (bad header, parameter not projected...)."""


class UnknownQuery(KeyError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"no named query {self.name!r}; known queries: {', '.join(self.known)}"


class ParamError(ValueError):
    """A parameter value is missing, unknown or invalid; the message says which and why."""


# --- parameter types -------------------------------------------------------------------------------------------
_STATEMENT_TYPES = {
    "challenge": "Challenge", "goodpractice": "GoodPractice", "good-practice": "GoodPractice",
    "good practice": "GoodPractice", "recommendation": "Recommendation", "finding": "Finding",
    "conclusion": "Conclusion",
}


def _integer(value: str, lo: int | None = None, hi: int | None = None, what: str = "an integer") -> Literal:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(f"expected {what}, got {value!r}")
    n = int(text)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise ValueError(f"expected {what}, got {n}")
    return Literal(str(n), datatype=XSD.integer)


_SCHEMES = {"http", "https", "urn", "tag", "mailto", "file", "ftp", "info", "did", "doi"}


def _iri(value: str, base: str | None = None) -> NamedNode:
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    m = re.fullmatch(r"([A-Za-z][\w-]*):([^/\s][^\s]*)?", text)
    if m and m.group(1) in PREFIXES and not text.startswith(("http:", "https:", "urn:")):
        text = PREFIXES[m.group(1)] + (m.group(2) or "")
    elif base and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", text):
        # a relative reference, as tables print data IRIs (<id/doc/...>): resolved against the build's base
        text = urljoin(base, text)
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9+.-]*):[^\s<>\"{}|\\^`]+", text)
    if not m:
        raise ValueError(f"expected an absolute IRI or a prefixed name ({', '.join(sorted(PREFIXES))}), "
                         f"got {value!r}")
    if m.group(1).lower() not in _SCHEMES:
        raise ValueError(f"unknown prefix or IRI scheme {m.group(1)!r} in {value!r}; prefixes: "
                         f"{', '.join(sorted(PREFIXES))}")
    return NamedNode(text)


def _literal(value: str) -> Literal:
    if not value.strip():
        raise ValueError("expected a non-empty text")
    return Literal(value.strip())


def _country(value: str) -> Literal:
    text = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValueError(f"expected an ISO 3166-1 alpha-3 country code such as THA, got {value!r}")
    return Literal(text)


def _year(value: str) -> Literal:
    text = value.strip()
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"expected a four-digit year, got {value!r}")
    return Literal(text, datatype=XSD.gYear)


def _letter(value: str) -> Literal:
    text = value.strip().strip("()").lower()
    if not re.fullmatch(r"[a-j]", text):
        raise ValueError(f"expected the letter of a guiding principle, a to j, got {value!r}")
    return Literal(text)


def _sdg_target(value: str) -> NamedNode:
    try:
        return Minter.sdg_target(value.strip())
    except ValueError:
        raise ValueError(f"expected an SDG target code such as 10.7 or 10.c, got {value!r}") from None


def _statement_type(value: str) -> NamedNode:
    key = value.strip().lower().replace("_", "-")
    if key not in _STATEMENT_TYPES:
        raise ValueError("expected one of challenge, good-practice, recommendation, finding, conclusion; "
                         f"got {value!r}")
    return GCM[_STATEMENT_TYPES[key]]


@dataclass(frozen=True)
class ParamType:
    name: str
    convert: object  # str -> pyoxigraph term; raises ValueError with a readable message
    hint: str
    choices: tuple[str, ...] = ()


PARAM_TYPES: dict[str, ParamType] = {t.name: t for t in (
    ParamType("iri", _iri, "an IRI, absolute or prefixed (gcm:Objective, sdg:10.7)"),
    ParamType("literal", _literal, "a text"),
    ParamType("integer", _integer, "an integer"),
    ParamType("objective-number", lambda v: _integer(v, 1, 23, "a GCM objective number, 1 to 23"),
              "a GCM objective number, 1 to 23", tuple(str(n) for n in range(1, 24))),
    ParamType("cluster-number", lambda v: _integer(v, 1, 4, "an objective cluster number, 1 to 4"),
              "an objective cluster number, 1 to 4", ("1", "2", "3", "4")),
    ParamType("country-code", _country, "an ISO 3166-1 alpha-3 code (THA)"),
    ParamType("year", _year, "a year (2019)"),
    ParamType("principle-letter", _letter, "a guiding principle letter, a to j", tuple("abcdefghij")),
    ParamType("sdg-target", _sdg_target, "an SDG target code (10.7)"),
    ParamType("statement-type", _statement_type, "challenge, good-practice, recommendation, finding or conclusion",
              ("challenge", "good-practice", "recommendation", "finding", "conclusion")),
)}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    required: bool = False
    help: str = ""

    @property
    def optional(self) -> bool:
        return not self.required and self.default is None

    @property
    def kind(self) -> ParamType:
        return PARAM_TYPES[self.type]

    def convert(self, value: str, base: str | None = None):
        try:
            if self.type == "iri":
                return _iri(value, base)
            return self.kind.convert(value)
        except ValueError as exc:
            raise ParamError(f"parameter {self.name!r}: {exc}") from None

    def describe(self) -> str:
        status = "required" if self.required else f"default {self.default}" if self.default is not None \
            else "optional"
        return f"{self.name} ({self.type}, {status})"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str  # the one-line summary
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    text: str  # the whole file, header included (the header is SPARQL comments)
    path: Path = field(compare=False, default=None)

    @property
    def summary(self) -> str:
        return self.title

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ParamError(f"query {self.name!r} has no parameter {name!r}; "
                         + (f"its parameters: {', '.join(p.name for p in self.params)}" if self.params
                            else "it takes no parameters"))

    def bind(self, params: dict[str, str] | None = None, base: str | None = None) -> dict[Variable, object]:
        """Parameter values (text, as typed on a command line or in a form) -> pyoxigraph substitutions.

        Unknown names, missing required values and values of the wrong type raise ParamError. A parameter left
        out takes its default; an optional one without a default stays unbound (the query answers for all).
        An empty value counts as left out. *base* resolves relative IRI references given for `iri` parameters."""
        given = {k: v for k, v in (params or {}).items() if v is not None and str(v).strip() != ""}
        for name in given:
            self.param(name)  # raises on unknown names
        subs: dict[Variable, object] = {}
        missing = []
        for p in self.params:
            if p.name in given:
                subs[Variable(p.name)] = p.convert(str(given[p.name]), base)
            elif p.default is not None:
                subs[Variable(p.name)] = p.convert(p.default)
            elif p.required:
                missing.append(p)
        if missing:
            raise ParamError("missing required parameter" + ("s " if len(missing) > 1 else " ")
                             + ", ".join(f"{p.name} ({p.kind.hint})" for p in missing))
        return subs


# --- parsing ---------------------------------------------------------------------------------------------------
_HEADER_LINE = re.compile(r"^#\+(?: (?P<rest>.*))?$")
_KEY = re.compile(r"^(?P<key>[a-z]+):\s*(?P<value>.*)$")
_PARAM = re.compile(
    r"^-\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(?P<type>[a-z][a-z0-9-]*)\s*"
    r"(?:,\s*(?:(?P<status>optional|required)|default\s+(?:\"(?P<qdefault>[^\"]*)\"|(?P<default>[^)\"]*?))))?\s*\)"
    r"\s*:\s*(?P<help>.*)$"
)
_KEYS = ("summary", "description", "tags", "params")


def parse(text: str, name: str = "<query>", path: Path | None = None) -> NamedQuery:
    """Parse one .rq file (its header and text) into a NamedQuery; CatalogError says what is wrong and where."""
    fields: dict[str, list[str]] = {}
    current = None
    for n, line in enumerate(text.splitlines(), 1):
        m = _HEADER_LINE.match(line.rstrip())
        if not m:
            if line.strip() and not line.lstrip().startswith("#"):
                break  # the query proper begins
            current = None if not line.strip() else current
            continue
        rest = m.group("rest") or ""
        km = _KEY.match(rest)
        if km and not rest.startswith(" "):
            key = km.group("key")
            if key not in _KEYS:
                raise CatalogError(f"{name}.rq line {n}: unknown header key {key!r} (known: {', '.join(_KEYS)})")
            if key in fields:
                raise CatalogError(f"{name}.rq line {n}: header key {key!r} given twice")
            current = key
            fields[key] = [km.group("value").strip()] if km.group("value").strip() else []
        elif current is None:
            if rest.strip():
                raise CatalogError(f"{name}.rq line {n}: header text outside a key: {rest.strip()!r}")
        elif not rest.strip():
            fields[current].append("")  # paragraph break
        elif rest.startswith("  ") or current == "params":
            fields[current].append(rest.strip())
        else:
            raise CatalogError(f"{name}.rq line {n}: continuation lines are indented by two spaces or more")
    summary = " ".join(fields.get("summary", [])).strip()
    if not summary:
        raise CatalogError(f"{name}.rq: the header has no '#+ summary:'")
    description = "\n\n".join(
        " ".join(p.split("\n")).strip()
        for p in "\n".join(fields.get("description", [])).split("\n\n") if p.strip()
    )
    tags = tuple(t.strip() for t in " ".join(fields.get("tags", [])).replace(",", " ").split() if t.strip())
    params = _parse_params(fields.get("params", []), name)
    query = NamedQuery(name=name, title=summary, description=description, tags=tags, params=params, text=text,
                       path=path)
    _check_projection(query)
    return query


def _parse_params(lines: list[str], name: str) -> tuple[Param, ...]:
    entries: list[str] = []
    for line in lines:
        if not line:
            continue
        if line.startswith("-"):
            entries.append(line)
        elif entries:
            entries[-1] += " " + line
        else:
            raise CatalogError(f"{name}.rq: a parameter line must start with '- NAME (TYPE, ...)': {line!r}")
    params = []
    for entry in entries:
        m = _PARAM.match(entry)
        if not m:
            raise CatalogError(f"{name}.rq: cannot read the parameter {entry!r}; write "
                               "'- NAME (TYPE, default VALUE|optional|required): help'")
        ptype = m.group("type")
        if ptype not in PARAM_TYPES:
            raise CatalogError(f"{name}.rq: parameter {m.group('name')!r} has unknown type {ptype!r} "
                               f"(known: {', '.join(PARAM_TYPES)})")
        default = m.group("qdefault") if m.group("qdefault") is not None else m.group("default")
        p = Param(name=m.group("name"), type=ptype, default=default, required=m.group("status") == "required",
                  help=" ".join(m.group("help").split()))
        if default is not None:
            try:
                PARAM_TYPES[ptype].convert(default)
            except ValueError as exc:
                raise CatalogError(f"{name}.rq: the default of parameter {p.name!r} is invalid: {exc}") from None
        if any(q.name == p.name for q in params):
            raise CatalogError(f"{name}.rq: parameter {p.name!r} declared twice")
        params.append(p)
    return tuple(params)


def _strip_comments_and_strings(text: str) -> str:
    """The query text with comments removed and string contents blanked, for lexical checks."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + len(quote)
            continue
        out.append(c)
        i += 1
    return "".join(out)


def projection(text: str) -> set[str] | None:
    """Names of the variables of the outermost SELECT clause (None for SELECT * or a non-SELECT query)."""
    body = _strip_comments_and_strings(text)
    m = re.search(r"\bSELECT\b(?P<clause>.*?)(?:\bWHERE\b|\{)", body, re.I | re.S)
    if not m:
        return None
    clause = m.group("clause")
    if re.match(r"\s*(?:DISTINCT|REDUCED)?\s*\*", clause, re.I):
        return None
    # '(expr AS ?v)' projects ?v; a bare '?v' projects ?v
    names = set(re.findall(r"\bAS\s+[?$]([A-Za-z_][A-Za-z0-9_]*)", clause, re.I))
    depth, bare = 0, []
    for token in re.findall(r"\(|\)|[?$][A-Za-z_][A-Za-z0-9_]*", clause):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            bare.append(token[1:])
    return names | set(bare)


def _check_projection(query: NamedQuery) -> None:
    if not query.params:
        return
    projected = projection(query.text)
    if projected is None:
        return  # SELECT * projects every variable; ASK/CONSTRUCT accept substitutions as they are
    missing = [p.name for p in query.params if p.name not in projected]
    if missing:
        raise CatalogError(f"{query.name}.rq: parameter variable(s) {', '.join('?' + m for m in missing)} must be "
                           "in the SELECT clause (pyoxigraph substitutes only projected variables)")


# --- the catalog ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Catalog:
    queries: tuple[NamedQuery, ...]
    directory: Path

    @classmethod
    def load(cls, directory: Path | str | None = None) -> "Catalog":
        """Every .rq file of *directory* (default: this package's folder), parsed once and cached until a file
        is added, removed or changed."""
        directory = Path(directory or QUERIES_DIR).resolve()
        signature = tuple(sorted(((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in directory.glob("*.rq")),
                                 key=lambda entry: entry[0][: -len(".rq")]))
        return _load(directory, signature)

    def __iter__(self):
        return iter(self.queries)

    def __len__(self) -> int:
        return len(self.queries)

    def __contains__(self, name: str) -> bool:
        return any(q.name == name for q in self.queries)

    @property
    def names(self) -> list[str]:
        return [q.name for q in self.queries]

    def get(self, name: str) -> NamedQuery:
        for q in self.queries:
            if q.name == name:
                return q
        raise UnknownQuery(name, self.names)

    def tags(self) -> list[str]:
        return sorted({t for q in self.queries for t in q.tags})


@functools.lru_cache(maxsize=8)
def _load(directory: Path, signature: tuple) -> Catalog:
    queries = []
    for name, _mtime, _size in signature:
        path = directory / name
        stem = name[: -len(".rq")]
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", stem):
            raise CatalogError(f"{name}: a query file name is lower-case words joined by '-'")
        queries.append(parse(path.read_text(encoding="utf-8"), stem, path))
    return Catalog(tuple(queries), directory)


def parse_param_args(pairs: list[str]) -> dict[str, str]:
    """['objective=6', 'country=THA'] -> {'objective': '6', 'country': 'THA'}; ParamError on a malformed pair."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParamError(f"a parameter is written NAME=VALUE, got {pair!r}")
        if name.strip() in out:
            raise ParamError(f"parameter {name.strip()!r} given twice")
        out[name.strip()] = value
    return out
