"""HTTP content negotiation (RFC 9110 Accept with q-values), pure functions."""
from __future__ import annotations

import functools

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    specificity: int  # 0 for */*, 1 for type/*, 2 for type/subtype (+1 per parameter)
    order: int

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type in ("*", t)) and (self.subtype in ("*", s))


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; malformed ranges are ignored (as browsers and servers do)."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        if "/" not in mt:
            if mt == "*":
                mt = "*/*"
            else:
                continue
        t, _, s = mt.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        params = 0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
            elif name.strip():
                params += 1
        specificity = 0 if t == "*" else 1 if s == "*" else 2 + params
        ranges.append(MediaRange(t, s, q, specificity, order))
    return ranges


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers most: highest q of the most specific matching range; ties go to the order of
    *offers* (the server's preference). None when nothing acceptable is offered (answer 406). Memoized: clients
    send the same few Accept headers, and a request negotiates more than once."""
    if header is not None and len(header) > 1024:  # an unusual header is computed, not remembered
        return _negotiate(header, tuple(offers))
    return _negotiate_memo(header, tuple(offers))


def _negotiate(header: str | None, offers: tuple[str, ...]) -> str | None:
    ranges = parse_accept(header)
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, offer in enumerate(offers):
        matching = [r for r in ranges if r.matches(offer)]
        if not matching:
            continue
        most_specific = max(matching, key=lambda r: (r.specificity, -r.order))
        q = most_specific.q
        if q <= 0:
            continue
        key = (q, -index, 0)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


_negotiate_memo = functools.lru_cache(maxsize=1024)(_negotiate)
