"""The catalog of named queries: one ``queries/*.rq`` file per question, with a grlc-style header.

The header format is documented in docs/queries.md. In short::

    #+ summary: One line saying what the query answers.
    #+ description: Several lines of prose; continuation lines are indented
    #+   by two spaces or more, and a bare `#+` line starts a new paragraph.
    #+ tags: objectives, statements
    #+ params:
    #+   - objective (objective-number, default 6): The GCM objective, 1 to 23.
    #+   - country (country-code, optional): ISO 3166 alpha-3 code; every country when omitted.
    #+ page: 100

``page`` marks a listing query whose answer grows with the corpus: it is answered one page at a time, ``page``
rows by default (the documented page size), and takes two more parameters, ``limit`` (rows per page, at most
MAX_PAGE) and ``offset`` (rows skipped), which ``NamedQuery.prepare`` turns into ``LIMIT``/``OFFSET`` after the
query's own ``ORDER BY`` (which must order the rows totally, so that pages never overlap). ``NamedQuery.text`` and
``NamedQuery.bind`` stay the whole, unpaged query; ``prepare`` is the paged one, and says which page it is.

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
    page_size: int | None = None  # '#+ page: N': answered N rows at a time unless asked otherwise

    @property
    def paginated(self) -> bool:
        return self.page_size is not None

    @property
    def page_params(self) -> tuple[Param, ...]:
        """The two paging parameters of a paginated query (none otherwise); not SPARQL variables."""
        if not self.paginated:
            return ()
        return (Param("limit", "integer", str(self.page_size),
                      help=f"Rows per page, 1 to {MAX_PAGE} (default {self.page_size}); the rows are in a fixed order."),
                Param("offset", "integer", "0", help="Rows to skip: 0 for the first page, then the previous offset "
                                                     "plus the page size."))

    @property
    def all_params(self) -> tuple[Param, ...]:
        """What a form or a command line offers: the query's parameters, then the paging ones."""
        return self.params + self.page_params

    def prepare(self, params: dict[str, str] | None = None, base: str | None = None) -> "Prepared":
        """The text to run, its substitutions and the page: paging parameters become LIMIT/OFFSET; the others are
        bound as by ``bind``. A query without '#+ page:' is run whole."""
        given = dict(params or {})
        if not self.paginated:
            return Prepared(self, self.text, self.bind(given, base), None, 0)
        paging = {p.name: given.pop(p.name, None) for p in self.page_params}
        limit = self.page_size if paging["limit"] in (None, "") else _page_number(paging["limit"], "limit", 1,
                                                                                    MAX_PAGE)
        offset = 0 if paging["offset"] in (None, "") else _page_number(paging["offset"], "offset", 0, None)
        text = f"{self.text.rstrip()}\nLIMIT {limit} OFFSET {offset}\n"
        return Prepared(self, text, self.bind(given, base), limit, offset)

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


def _page_number(value, name: str, lo: int, hi: int | None) -> int:
    try:
        return int(_integer(str(value), lo, hi, f"an integer from {lo}" + (f" to {hi}" if hi else "")).value)
    except ValueError as exc:
        raise ParamError(f"parameter {name!r}: {exc}") from None


@dataclass(frozen=True)
class Prepared:
    """A named query ready to run: text (with LIMIT/OFFSET for a page), substitutions, and the page asked for."""
    query: NamedQuery
    text: str
    substitutions: dict
    limit: int | None  # None: the whole answer
    offset: int = 0

    def full(self, shown: int) -> bool:
        """Whether a page of *shown* rows may have a next one (it is full)."""
        return self.limit is not None and shown >= self.limit

    def describe(self, shown: int) -> str:
        """How a client announces the page: never a silent truncation."""
        if self.limit is None:
            return ""
        first, last = self.offset + 1, self.offset + shown
        where = f"rows {first}-{last}" if shown else f"no rows after row {self.offset}"
        more = self.full(shown)
        nxt = (f"the page is full, more may follow: next page -p offset={self.offset + self.limit}" + (f" -p limit={self.limit}"
               if self.limit != self.query.page_size else "")) if more else "last page"
        return f"page of {self.limit} ({where}); {nxt}"


# --- parsing ---------------------------------------------------------------------------------------------------
_HEADER_LINE = re.compile(r"^#\+(?: (?P<rest>.*))?$")
_KEY = re.compile(r"^(?P<key>[a-z]+):\s*(?P<value>.*)$")
_PARAM = re.compile(
    r"^-\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(?P<type>[a-z][a-z0-9-]*)\s*"
    r"(?:,\s*(?:(?P<status>optional|required)|default\s+(?:\"(?P<qdefault>[^\"]*)\"|(?P<default>[^)\"]*?))))?\s*\)"
    r"\s*:\s*(?P<help>.*)$"
)
_KEYS = ("summary", "description", "tags", "params", "page")
MAX_PAGE = 1000  # the largest page a client may ask for


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
    page_size = _parse_page(fields.get("page"), name)
    if page_size is not None and any(p.name in ("limit", "offset") for p in params):
        raise CatalogError(f"{name}.rq: 'limit' and 'offset' are the paging parameters of '#+ page:'; rename the "
                           "query's own")
    query = NamedQuery(name=name, title=summary, description=description, tags=tags, params=params, text=text,
                       path=path, page_size=page_size)
    _check_projection(query)
    if page_size is not None:
        _check_pageable(query)
    return query


def _parse_page(lines: list[str] | None, name: str) -> int | None:
    if lines is None:
        return None
    value = " ".join(lines).strip()
    if not re.fullmatch(r"\d+", value) or not 1 <= int(value) <= MAX_PAGE:
        raise CatalogError(f"{name}.rq: '#+ page:' is the default page size, 1 to {MAX_PAGE}; got {value!r}")
    return int(value)


def _check_pageable(query: NamedQuery) -> None:
    """Pages need a fixed order and the last word on LIMIT/OFFSET: an outer ORDER BY, and no LIMIT/OFFSET after it."""
    body = _strip_comments_and_strings(query.text)
    depth, last_close = 0, -1
    for i, c in enumerate(body):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                last_close = i
    tail = body[last_close + 1:]
    if not re.search(r"\bORDER\s+BY\b", tail, re.I):
        raise CatalogError(f"{query.name}.rq: a paginated query ends with an ORDER BY that orders its rows totally")
    if re.search(r"\b(LIMIT|OFFSET)\b", tail, re.I):
        raise CatalogError(f"{query.name}.rq: a paginated query has no LIMIT/OFFSET of its own ('#+ page:' adds them)")


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
