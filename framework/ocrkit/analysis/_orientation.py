"""Which way up a page is, by reading it: a few of its text lines are recognised by the
page's own backend at each candidate angle, and the angle whose reading is the most
confident wins. It works for any backend (the line layout is part of every backend's
contract) and costs a handful of line recognitions, not a page's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image

from ..results import Page
from ._lines import LinePiece

__all__ = ["Reading", "line_crops", "read_candidates", "reading_score"]

ReadLines = Callable[[list[Image.Image]], Sequence[Page]]

#: Line crops are scaled up to at least this height for the recogniser.
_CROP_HEIGHT = 32
#: Characters read confidently for a full-confidence verdict.
_ENOUGH = 30.0
#: Crops of each view read per call: one, then more while the verdict is unsure.
_ROUNDS = ((0, 1), (1, 3), (3, 5))
#: A verdict this confident ends the reading early.
_SURE = 0.45


@dataclass(frozen=True)
class Reading:
    rotation: int
    confidence: float


def reading_score(page: Page) -> float:
    """Confidently read letters and digits: how plausible the reading is."""
    score = 0.0
    for item in page.words or page.lines:
        letters = sum(c.isalnum() for c in item.text)
        score += letters * max(0.0, min(1.0, float(item.confidence)))
    return score


def line_crops(image: Image.Image, pieces: Sequence[LinePiece]) -> list[Image.Image]:
    """The pieces cut out of *image* with a margin, scaled up to a readable height."""
    crops = []
    for piece in pieces:
        pad = max(2, piece.height // 4)
        crop = image.crop((max(0, piece.left - pad), max(0, piece.top - pad),
                           min(image.width, piece.right + pad), min(image.height, piece.bottom + pad)))
        if crop.height < _CROP_HEIGHT:
            scale = _CROP_HEIGHT / max(1, crop.height)
            crop = crop.resize((max(1, round(crop.width * scale)), _CROP_HEIGHT), Image.Resampling.BICUBIC)
        crops.append(crop)
    return crops


def _verdict(scores: dict[int, float]) -> Reading:
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    (best, top), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    if top <= 0:
        return Reading(0, 0.0)
    margin = (top - runner_up) / top
    return Reading(best, round(margin * min(1.0, top / _ENOUGH), 4))


def read_candidates(read: ReadLines, views: Sequence[tuple[int, Sequence[Image.Image]]]) -> Reading:
    """*views*: (rotation, line crops of the page turned upright for that rotation, best
    first). The first crops of every view are read in one call; the rest only when
    that verdict is not yet sure. The best-read rotation wins, its confidence being how
    clearly it beats the runner-up, scaled down when little text was read."""
    scores = dict.fromkeys((rotation for rotation, _ in views), 0.0)
    verdict = Reading(0, 0.0)
    for start, stop in _ROUNDS:
        batch = [(rotation, crop) for rotation, view in views for crop in view[start:stop]]
        if not batch:
            break
        for (rotation, _), page in zip(batch, read([crop for _, crop in batch])):
            scores[rotation] += reading_score(page)
        verdict = _verdict(scores)
        if verdict.confidence >= _SURE:
            break
    return verdict
