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
