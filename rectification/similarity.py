"""Near-duplicate citizen opinions, for the triage queue (rapidfuzz on Chinese text).

Chinese has no spaces between words, so each text is compared as its set of character bigrams
("排队时间" → "排队 队时 时间"): token_set_ratio on the bigrams finds the same complaint in another
word order; averaging it with token_sort_ratio keeps a two-character fragment that happens to be
contained in a long text from scoring 100.
"""
from __future__ import annotations

from collections.abc import Mapping

from rapidfuzz import fuzz, process

SIMILAR_CUTOFF = 60.0
SIMILAR_LIMIT = 5


def bigrams(text: str) -> str:
    chars = "".join(ch for ch in text.lower() if ch.isalnum())
    return " ".join(chars[i:i + 2] for i in range(len(chars) - 1)) or chars


def similarity(a: str, b: str, **_kwargs) -> float:
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def similar(text: str, candidates: Mapping[int, str], *, cutoff: float = SIMILAR_CUTOFF,
            limit: int = SIMILAR_LIMIT) -> list[tuple[int, float]]:
    """The ids of `candidates` (id → text) most like `text`, best first, with scores 0–100."""
    if not candidates:
        return []
    choices = {key: bigrams(value) for key, value in candidates.items()}
    found = process.extract(bigrams(text), choices, scorer=similarity, score_cutoff=cutoff, limit=limit)
    return [(key, round(score, 1)) for _choice, score, key in found]


CLUSTER_CUTOFF = 70.0


def clusters(candidates: Mapping[int, str], *, cutoff: float = CLUSTER_CUTOFF) -> list[list[int]]:
    """Group the ids of `candidates` (id → text) whose texts are alike: each group is the connected set of
    pairs scoring at least `cutoff` (the same score as `similar`), largest group first, each group in id order.
    Texts like no other are left out.

    One matrix of every pair, computed by rapidfuzz in C (a few hundred texts take milliseconds), then
    union–find over the pairs above the cutoff.
    """
    ids = list(candidates)
    if len(ids) < 2:
        return []
    grams = [bigrams(candidates[pk]) for pk in ids]
    scores = (process.cdist(grams, grams, scorer=fuzz.token_set_ratio, dtype="float32")
              + process.cdist(grams, grams, scorer=fuzz.token_sort_ratio, dtype="float32")) / 2
    parent = list(range(len(ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows, cols = (scores >= cutoff).nonzero()
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if i < j:
            parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i, pk in enumerate(ids):
        groups.setdefault(find(i), []).append(pk)
    found = [sorted(group) for group in groups.values() if len(group) > 1]
    return sorted(found, key=lambda group: (-len(group), group[0]))
