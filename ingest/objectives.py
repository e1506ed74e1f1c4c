"""Which GCM objectives a statement speaks of, when its heading names several.

A review document often groups its statements under a heading that names a cluster of objectives ('Protecting
migrants ... (addressing objectives 4, 8, 9, 10, 11, 13 and 21)'); each statement under it is about one or two of
them ('The detention of migrants, including children ...' is objective 13, 'birth registration' objective 4). The
heading alone would link every statement to the whole cluster.

``ObjectiveMatcher`` compares the statement's words with each candidate objective's own text in the Global Compact
(its title, commitment and actions, from the reference graph gcm) by TF-IDF cosine similarity over the 23 objectives,
and keeps the candidates that score at least ``FLOOR`` and at least ``SHARE`` of the best. When none does, it keeps
nothing and the caller falls back to the heading's objectives. Pure and deterministic: no model, no training data;
the only inputs are the two texts.
"""
from __future__ import annotations

import math
import re
from collections import Counter

FLOOR = 0.08  # minimum cosine similarity for an objective to be chosen
SHARE = 0.6  # ... and at least this share of the best candidate's similarity
TITLE_WEIGHT = 3  # an objective's title words count three times

_STOP = frozenset("""the of and to in a an for on with by that as is are be at or from their its this which all
including such other into ensure promote migrants migrant migration international national regional relevant
appropriate through well develop establish strengthen support also we will commit our including between within
should could would there was were been have has had not more most any each these those them they it""".split())
_SUFFIX = re.compile(r"(?:ies|es|s|ing|ed|al|ation|ations|ment|ments)$")


def words(text: str) -> list[str]:
    """Content words, lower-cased, with a light suffix cut ('recruitment' and 'recruiting' meet at 'recruit')."""
    out = []
    for w in re.findall(r"[a-z][a-z\-]+", text.lower()):
        if w in _STOP or len(w) < 3:
            continue
        out.append(_SUFFIX.sub("", w) if len(w) > 5 else w)
    return out


class ObjectiveMatcher:
    def __init__(self, texts: dict[str, tuple[str, str]]):
        """*texts*: objective IRI -> (title, the rest of its text: commitment and actions)."""
        counts = {iri: Counter(words(title) * TITLE_WEIGHT + words(body)) for iri, (title, body) in texts.items()}
        self._df = Counter(w for c in counts.values() for w in c)
        self._n = len(counts)
        self._vectors = {iri: self._vector(c) for iri, c in counts.items()}

    def _vector(self, counts: Counter) -> dict[str, float]:
        v = {w: (1 + math.log(n)) * math.log(self._n / self._df[w]) for w, n in counts.items() if w in self._df}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    def scores(self, text: str, candidates) -> list[tuple[float, str]]:
        """(similarity, objective IRI) for each candidate the matcher knows, best first (ties by IRI)."""
        sv = self._vector(Counter(words(text)))
        out = []
        for iri in candidates:
            ov = self._vectors.get(iri)
            if ov is not None:
                out.append((round(sum(x * ov.get(w, 0.0) for w, x in sv.items()), 6), iri))
        return sorted(out, key=lambda s: (-s[0], s[1]))

    def choose(self, text: str, candidates) -> set[str]:
        """The candidates *text* speaks of; empty when none is clearly addressed."""
        ranked = self.scores(text, candidates)
        if not ranked or ranked[0][0] < FLOOR:
            return set()
        best = ranked[0][0]
        return {iri for s, iri in ranked if s >= FLOOR and s >= SHARE * best}
