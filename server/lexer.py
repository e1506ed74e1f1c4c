"""A SPARQL 1.1 tokenizer, for the checks the endpoint makes before a query reaches the engine.

pyoxigraph has no AST API, so what the guard needs (SERVICE targets, PREFIX and BASE declarations, the query form,
top-level WHERE/USING/WITH of an update) is read from tokens. Three points make this harder than a regex:

- ``<`` starts an IRI in a triple pattern but is the less-than operator after an operand inside an expression
  (``FILTER(?x<?y)SERVICE:e#>`` is a comparison, a SERVICE call and a comment for pyoxigraph, while a context-free
  lexer reads one long IRI ``<?y)SERVICE:e#>``). :func:`tokenize` tracks whether it is inside an expression.
- pyoxigraph matches keywords without a word boundary: ``SERVICE:x{}``, ``SERVICESILENT<x>{}`` and
  ``?s ?p trueSERVICE<x>{}`` all call a service. The guard therefore looks for "service" inside every bare word and
  prefixed name, not only for a ``SERVICE`` token.
- ``\\uXXXX`` escapes are decoded inside IRIs and strings (not in keywords: pyoxigraph rejects ``SERVIC\\u0045``).

Tokens carry their offsets so that callers can splice text (the update dataset rewrite).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

IRIREF = re.compile(r"""<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>""")
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_CHARS = r"[\w\-\u00B7\u0300-\u036F\u203F-\u2040]"
_PN_PREFIX = r"(?:[^\W\d_](?:(?:" + _PN_CHARS + r"|\.)*" + _PN_CHARS + r")?)?"
_PN_LOCAL = (r"(?:(?:[\w:]|" + _PLX + r")(?:(?:" + _PN_CHARS + r"|[.:]|" + _PLX + r")*(?:" + _PN_CHARS
             + r"|:|" + _PLX + r"))?)?")

_RULES = [
    ("ws", r"\s+"),
    ("comment", r"#[^\r\n]*"),
    ("string", r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''"
               r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""'
               r"|'(?:[^'\\\r\n]|\\.)*'"
               r'|"(?:[^"\\\r\n]|\\.)*"'),
    ("var", r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+"),
    ("bnode", r"_:[\w](?:[\w.\-\u00B7]*[\w\-\u00B7])?"),
    ("pname", _PN_PREFIX + ":" + _PN_LOCAL),
    ("number", r"\d*\.\d+(?:[eE][+-]?\d+)?|\d+\.\d*[eE][+-]?\d+|\d+(?:[eE][+-]?\d+)?"),
    ("lang", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("punct", r"\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*/|^!=<>+\-?]"),
]
_MASTER = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _RULES))

# After one of these an expression has a complete operand, so '<' is an operator, not the start of an IRI.
_OPERAND_END = {"var", "string", "number", "iri", "pname", "lang", "bnode"}
_OPERAND_WORDS = {"TRUE", "FALSE"}
# A '(' after one of these bare words does not open an expression.
_TERM_PAREN_WORDS = {"VALUES", "A"}


class LexError(ValueError):
    """The text cannot be tokenized (an unterminated string, a stray character)."""


@dataclass(frozen=True)
class Token:
    kind: str  # iri, string, var, bnode, pname, number, lang, word, punct
    text: str
    start: int
    depth: int  # number of '{' open before this token (0 = outside every group)

    @property
    def upper(self) -> str:
        return self.text.upper()


def tokenize(text: str, mode: str = "context") -> list[Token]:
    """Tokens of *text* (whitespace and comments dropped).

    mode "context" decides each ``<`` as pyoxigraph's parser does (IRI in patterns, operator after an operand inside
    an expression). "greedy" always reads an IRI when one matches, "operator" reads an operator after any operand:
    the guard also checks these two readings, so that a mistake in the context tracking fails closed.
    """
    tokens: list[Token] = []
    stack: list[str] = []  # '{', '(e' (expression) or '(t' (terms: collections, paths, VALUES rows)
    braces = 0  # how many '{' the stack holds (kept as a count: scanning the stack made deep nesting quadratic)
    pos, n = 0, len(text)
    prev: Token | None = None
    prev2: Token | None = None
    while pos < n:
        ch = text[pos]
        if ch == "<":
            in_expr = bool(stack) and stack[-1] == "(e"
            after_operand = prev is not None and (
                prev.kind in _OPERAND_END or (prev.kind == "punct" and prev.text in (")", "]"))
                or (prev.kind == "word" and prev.upper in _OPERAND_WORDS))
            declaring = prev is not None and (
                (prev.kind == "word" and prev.upper == "BASE")
                or (prev.kind == "pname" and prev2 is not None and prev2.kind == "word" and prev2.upper == "PREFIX"))
            operator = not declaring and (
                (mode == "operator" and after_operand) or (mode == "context" and in_expr and after_operand))
            m = None if operator else IRIREF.match(text, pos)
            if m:
                tok = Token("iri", m.group(), pos, braces)
                pos = m.end()
            else:
                op = "<=" if text.startswith("<=", pos) else "<"
                tok = Token("punct", op, pos, braces)
                pos += len(op)
        else:
            m = _MASTER.match(text, pos)
            if not m or m.end() == pos:
                raise LexError(f"unexpected character {ch!r} at offset {pos}")
            kind = m.lastgroup
            pos = m.end()
            if kind in ("ws", "comment"):
                continue
            tok = Token(kind, m.group(), m.start(), braces)
            if kind == "punct":
                if tok.text == "{":
                    stack.append("{")
                    braces += 1
                elif tok.text == "(":
                    stack.append(_paren_kind(stack, braces, prev, prev2))
                elif tok.text in ("}", ")") and stack:
                    if stack.pop() == "{":
                        braces -= 1
        tokens.append(tok)
        prev2, prev = prev, tok
    return tokens


def _paren_kind(stack: list[str], braces: int, prev: Token | None, prev2: Token | None) -> str:
    if stack and stack[-1] == "(e":
        return "(e"
    if not braces:  # outside every group: select expressions, GROUP BY, ORDER BY, HAVING
        return "(t" if prev is not None and prev.kind == "word" and prev.upper == "VALUES" else "(e"
    if prev is None:
        return "(t"
    if prev.kind == "word":
        return "(t" if prev.upper in _TERM_PAREN_WORDS else "(e"
    if prev.kind in ("iri", "pname") and prev2 is not None and prev2.kind == "word" \
            and prev2.upper in ("FILTER", "HAVING"):
        return "(e"  # FILTER <fn>(...) : a function call
    return "(t"


_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


def iri_value(token: Token) -> str:
    """The IRI inside ``<...>``, its \\u escapes decoded (as the SPARQL grammar requires)."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.text[1:-1])


def split_pname(text: str) -> tuple[str, str]:
    """('prefix', 'local') of a prefixed name, the local part's backslash escapes removed."""
    prefix, _, local = text.partition(":")
    return prefix, _PN_ESCAPE.sub(r"\1", local)
