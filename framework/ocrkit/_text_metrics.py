"""Text accuracy metrics: CER, WER and bag-of-words F1 over a whole dataset.

A leaf module (it imports only the errors): plugins score text through
``ocrkit.backend`` without loading ``ocrkit.eval``.

Scores are kept as raw counts (:class:`TextScore`) and added up sample by sample,
so the dataset figures are *micro* averages (total edits / total reference
characters), the convention of OCR evaluation tools: a long page weighs more
than a one-word line. Edit distances come from ``rapidfuzz`` (C++, the
``[eval]`` extra), imported when the first distance is computed, so
``import ocrkit.eval`` works without it and scoring says what to install.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from .errors import OcrkitError

__all__ = [
    "TextScore",
    "normalize_text",
    "tokenize",
    "levenshtein",
    "score_text",
    "cer",
    "wer",
    "bow_f1",
]


def normalize_text(text: str, ignore_case: bool = False) -> str:
    """NFC-normalise, collapse every run of whitespace (newlines too) to one space,
    strip; ``casefold()`` when *ignore_case*.

    Line breaks are not errors: a page's reading order already differs between
    engines, and CER should not count a newline against a space.
    """
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text.casefold() if ignore_case else text


def tokenize(text: str, ignore_case: bool = False) -> list[str]:
    """Whitespace-separated words of the normalised text."""
    return normalize_text(text, ignore_case).split()


@lru_cache(maxsize=1)
def _rapidfuzz_levenshtein() -> Any:
    try:
        from rapidfuzz.distance import Levenshtein
    except ImportError:
        raise OcrkitError(
            "scoring needs rapidfuzz, which is not installed: pip install 'ocrkit[eval]'"
        ) from None
    return Levenshtein


def levenshtein(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Edit distance (insert, delete, substitute: cost 1) between two strings or
    two sequences of words."""
    return int(_rapidfuzz_levenshtein().distance(a, b))


@dataclass(frozen=True)
class TextScore:
    """Error counts of one or more samples; add scores to aggregate a dataset."""

    char_edits: int = 0
    ref_chars: int = 0
    word_edits: int = 0
    ref_words: int = 0
    bow_matched: int = 0
    bow_hyp_words: int = 0
    bow_ref_words: int = 0

    def __add__(self, other: TextScore) -> TextScore:
        return TextScore(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def cer(self) -> float:
        """Character error rate: edits / reference characters (may exceed 1)."""
        return _ratio(self.char_edits, self.ref_chars)

    @property
    def wer(self) -> float:
        """Word error rate: word-level edits / reference words."""
        return _ratio(self.word_edits, self.ref_words)

    @property
    def bow_precision(self) -> float:
        return _ratio(self.bow_matched, self.bow_hyp_words, empty=1.0)

    @property
    def bow_recall(self) -> float:
        return _ratio(self.bow_matched, self.bow_ref_words, empty=1.0)

    @property
    def bow_f1(self) -> float:
        """F1 of the word multisets: order-free, so a different reading order of
        the same words costs nothing (the robust page metric)."""
        p, r = self.bow_precision, self.bow_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        counts: dict[str, float | int] = {f.name: getattr(self, f.name) for f in fields(self)}
        counts.update(
            cer=self.cer,
            wer=self.wer,
            bow_precision=self.bow_precision,
            bow_recall=self.bow_recall,
            bow_f1=self.bow_f1,
        )
        return counts


def _ratio(num: int, den: int, empty: float = 0.0) -> float:
    """num/den; for an empty reference: *empty* if nothing was produced either, else 1
    (an OCR that invents text where there is none is wrong)."""
    if den:
        return num / den
    return empty if num == 0 else 1.0


def score_text(reference: str, hypothesis: str, ignore_case: bool = False) -> TextScore:
    """Counts for one sample: character and word edits and the bag-of-words match."""
    ref = normalize_text(reference, ignore_case)
    hyp = normalize_text(hypothesis, ignore_case)
    ref_words, hyp_words = ref.split(), hyp.split()
    matched = sum((Counter(ref_words) & Counter(hyp_words)).values())
    return TextScore(
        char_edits=levenshtein(ref, hyp),
        ref_chars=len(ref),
        word_edits=levenshtein(ref_words, hyp_words),
        ref_words=len(ref_words),
        bow_matched=matched,
        bow_hyp_words=len(hyp_words),
        bow_ref_words=len(ref_words),
    )


def cer(reference: str, hypothesis: str, ignore_case: bool = False) -> float:
    """Character error rate of one pair of texts (whitespace-normalised)."""
    return score_text(reference, hypothesis, ignore_case).cer


def wer(reference: str, hypothesis: str, ignore_case: bool = False) -> float:
    """Word error rate of one pair of texts."""
    return score_text(reference, hypothesis, ignore_case).wer


def bow_f1(reference: str, hypothesis: str, ignore_case: bool = False) -> float:
    """Bag-of-words F1 of one pair of texts."""
    return score_text(reference, hypothesis, ignore_case).bow_f1
