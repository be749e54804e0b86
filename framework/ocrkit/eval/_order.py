"""Reading-order score: of the words a reading and its truth have in common, the
share read in the truth's order.

Bag-of-words F1 cannot see order, and CER mixes order with recognition errors.
This score isolates order: keep, in both texts, only the words they share (as a
multiset: the first *k* occurrences of a word found *k* times in one and more in
the other), then count the longest run of those words in the same relative order
(longest common subsequence). Two columns read line by line across the gutter
score about 0.5-0.7; column by column, 1.0. Misread words do not count against
it (they are F1's and CER's business). Counts add up over a dataset, so the
dataset figure is a micro average, like CER.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from .._text_metrics import tokenize
from ..errors import OcrkitError

__all__ = ["OrderScore", "order_score"]


@dataclass(frozen=True)
class OrderScore:
    """Words in the truth's order (``in_order``) out of the words both texts share (``common``)."""

    in_order: int = 0
    common: int = 0

    def __add__(self, other: OrderScore) -> OrderScore:
        return OrderScore(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def score(self) -> float:
        """``in_order / common``; 1.0 when the texts share no word (nothing is out of order)."""
        return self.in_order / self.common if self.common else 1.0

    def to_dict(self) -> dict[str, float | int]:
        return {"order_in_order_words": self.in_order, "order_common_words": self.common, "order_score": self.score}


@lru_cache(maxsize=1)
def _lcs() -> Any:
    try:
        from rapidfuzz.distance import LCSseq
    except ImportError:
        raise OcrkitError("scoring needs rapidfuzz, which is not installed: pip install 'ocrkit[eval]'") from None
    return LCSseq


def _shared(words: list[str], budget: Counter[str]) -> list[str]:
    """*words* in order, each kept while *budget* still allows it."""
    left = Counter(budget)
    kept = []
    for word in words:
        if left[word] > 0:
            left[word] -= 1
            kept.append(word)
    return kept


def order_score(reference: str, hypothesis: str, ignore_case: bool = False) -> OrderScore:
    """Order counts of one sample (words as :func:`~ocrkit.eval.tokenize` splits them)."""
    reference_words, hypothesis_words = tokenize(reference, ignore_case), tokenize(hypothesis, ignore_case)
    common = Counter(reference_words) & Counter(hypothesis_words)
    ref, hyp = _shared(reference_words, common), _shared(hypothesis_words, common)
    if not ref:
        return OrderScore()
    return OrderScore(in_order=int(_lcs().similarity(ref, hyp)), common=len(ref))
