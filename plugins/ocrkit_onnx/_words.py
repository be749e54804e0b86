"""Words from CTC time steps: where each word starts and ends in its line crop.

The recogniser emits one class per time step (a column band of the resized crop,
``width / steps`` pixels wide); decoding keeps, for every character, the step at
which it fired. Words are split at emitted spaces and at spaces the recogniser
nearly emitted (the space class reaching ``space_threshold`` between two
characters although blank won: PP-OCRv4 drops most spaces between Latin words this
way), optionally at gaps of ``word_gap`` character pitches. The time steps give
each word a rough extent; :func:`fit_to_ink` then snaps it to the ink of the crop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["WordSpan", "LineText", "split_words", "fit_to_ink", "is_spaceless_script"]


@dataclass
class WordSpan:
    """A word and its horizontal extent in crop pixels."""

    text: str
    confidence: float
    x0: float
    x1: float


@dataclass
class LineText:
    text: str
    confidence: float
    words: list[WordSpan] = field(default_factory=list)
    pitch: float = 0.0  # typical character advance, crop pixels


def is_spaceless_script(char: str) -> bool:
    """CJK, kana, hangul...: scripts written without spaces between words."""
    code = ord(char[0]) if char else 0
    return 0x2E80 <= code <= 0xA4CF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def split_words(
    chars: Sequence[str],
    steps: np.ndarray,
    probs: np.ndarray,
    step_px: float,
    crop_width: float,
    gap_factor: float,
    space_probs: np.ndarray | None = None,
    space_threshold: float = 0.0,
) -> LineText:
    """Group decoded characters into words using spaces and time-step gaps.

    *steps* are the time steps at which each character fired, *step_px* the crop
    pixels per time step. Returns the line text (with recovered spaces), its mean
    confidence and the words with their extents.
    """
    if not len(chars):
        return LineText("", 0.0, [])
    confidence = float(np.mean(probs))
    steps = np.asarray(steps, dtype=np.float64)
    is_space = np.fromiter((c.isspace() for c in chars), dtype=bool, count=len(chars))
    solid = np.flatnonzero(~is_space)
    if not len(solid):
        return LineText("", confidence, [])
    solid_steps = steps[solid]
    diffs = np.diff(solid_steps)
    # a space token between two neighbours (cumulative count of spaces before each token)
    spaces_before = np.cumsum(is_space)
    spaced = spaces_before[solid[1:]] > spaces_before[solid[:-1]]
    inner = diffs[~spaced]
    # character pitch: the typical step distance between neighbours inside words
    pitch = max(1.0, float(np.median(inner if len(inner) else diffs)) if len(diffs) else 2.0)
    threshold = gap_factor * pitch
    if spaced.any():  # the line shows what a real space looks like: a missed one is as wide
        threshold = max(threshold, 0.9 * float(diffs[spaced].min()))

    groups: list[list[int]] = [[int(solid[0])]]
    for k in range(1, len(solid)):
        prev, cur = int(solid[k - 1]), int(solid[k])
        gapped = False
        if not spaced[k - 1] and (gap_factor > 0 or space_threshold > 0):
            latin = not is_spaceless_script(chars[prev]) and not is_spaceless_script(chars[cur])
            gapped = latin and gap_factor > 0 and diffs[k - 1] > threshold
            if not gapped and latin and space_threshold > 0 and space_probs is not None:
                between = space_probs[int(steps[prev]) + 1 : int(steps[cur])]
                gapped = bool(len(between)) and float(between.max()) >= space_threshold
        if spaced[k - 1] or gapped:
            groups.append([cur])
        else:
            groups[-1].append(cur)

    half = 0.5 * pitch
    words: list[WordSpan] = []
    for group in groups:
        first, last = steps[group[0]], steps[group[-1]]
        x0 = max(0.0, (first + 0.5 - half) * step_px)
        x1 = min(crop_width, (last + 0.5 + half) * step_px)
        words.append(
            WordSpan("".join(chars[i] for i in group), float(np.mean(probs[group])), x0, max(x1, x0 + 1.0))
        )
    # neighbours never overlap: split contested pixels at the midpoint
    for left, right in zip(words, words[1:]):
        if left.x1 > right.x0:
            mid = 0.5 * (left.x1 + right.x0)
            left.x1 = right.x0 = mid
    return LineText(" ".join(w.text for w in words), confidence, words, pitch * step_px)


def _widest_blank(ink: np.ndarray, lo: int, hi: int) -> tuple[int, int] | None:
    """The widest run of blank columns in ``ink[lo:hi]`` as absolute [start, end)."""
    if hi <= lo:
        return None
    blank = np.concatenate(([False], ~ink[lo:hi], [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(blank))
    if not len(edges):
        return None
    starts, ends = edges[0::2], edges[1::2]
    best = int(np.argmax(ends - starts))
    return lo + int(starts[best]), lo + int(ends[best])


def fit_to_ink(line: LineText, crop: np.ndarray) -> None:
    """Snap each word's extent to the ink of its crop, in place.

    CTC fires a character somewhere inside its glyph, so extents from time steps
    are off by up to half a character. The crop is binarised (Otsu; ink is the
    minority tone, so light-on-dark text works too); the border between two words
    is the widest blank run near their junction (the space), and each word takes
    the first and last ink column between its borders, reaching at most one
    character pitch beyond its time-step extent at the line's ends.
    """
    import cv2

    words = line.words
    if not words:
        return
    grey = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    if int(grey.max()) - int(grey.min()) < 40:  # no contrast to speak of
        return
    _, light = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    height, width = grey.shape[:2]
    counts = light.sum(axis=0, dtype=np.int32)
    ink_counts = counts if counts.sum() < 0.5 * light.size else height - counts  # ink is the minority
    ink = ink_counts >= max(1, round(0.04 * height))
    reach = max(1.0, line.pitch)
    lefts = [max(0, int(words[0].x0 - reach))]
    rights: list[int] = []
    for a, b in zip(words, words[1:]):
        lo = max(0, int(min(a.x1, b.x0) - reach))
        hi = min(width, int(np.ceil(max(a.x1, b.x0) + reach)))
        gap = _widest_blank(ink, lo, hi)
        if gap is None:
            mid = int(round((a.x1 + b.x0) / 2))
            gap = (mid, mid)
        rights.append(gap[0])
        lefts.append(gap[1])
    rights.append(min(width, int(np.ceil(words[-1].x1 + reach))))
    for word, lo, hi in zip(words, lefts, rights):
        columns = np.flatnonzero(ink[lo:hi])
        if len(columns):
            word.x0 = float(lo + columns[0])
            word.x1 = float(lo + columns[-1] + 1)
