"""Which way up a page is, by reading it: a few of its text lines are recognised by the
page's own backend at each candidate angle, and the angle whose reading is the most
confident wins. It works for any backend (the line layout is part of every backend's
contract) and costs a handful of line recognitions, not a page's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..results import Page
from ._lines import LinePiece
from ._transform import PageTransform

__all__ = ["Reading", "line_crops", "read_candidates", "reading_score"]

ReadLines = Callable[[list[Image.Image]], Sequence[Page]]

#: Line crops are scaled to this height range for the recogniser.
_CROP_HEIGHT, _MAX_CROP_HEIGHT = 32, 36
#: Characters read confidently for a full-confidence verdict.
_ENOUGH = 20.0
#: Crops of each view read per call: one, then more while the verdict is unsure.
_ROUNDS = ((0, 1), (1, 3), (3, 5))
#: A verdict this confident ends the reading early.
_SURE = 0.35


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


def line_crops(page: Image.Image, frame: PageTransform, scale: float, pieces: Sequence[LinePiece]) -> list[Image.Image]:
    """The *pieces* (found on a reduced copy of *page* turned by *frame*) cut out of the
    full-resolution *page* with a margin, upright, at a readable height: one affine
    sample per crop, so the whole page is never turned at full size. *scale* is the
    full page's size over the reduced copy's."""
    crops = []
    for piece in pieces:
        pad = max(2, piece.height // 4)
        left, top = piece.left - pad, piece.top - pad
        width, height = piece.right - piece.left + 2 * pad, piece.bottom - piece.top + 2 * pad
        zoom = min(_MAX_CROP_HEIGHT, max(_CROP_HEIGHT, height * scale)) / height  # crop px per reduced px
        size = (max(1, round(width * zoom)), max(1, round(height * zoom)))
        # crop pixel -> reduced turned page -> reduced input page -> full page
        to_turned = np.array([[1 / zoom, 0, left], [0, 1 / zoom, top], [0, 0, 1.0]])
        to_input = np.linalg.inv(frame.matrix) @ to_turned
        to_full = np.diag([scale, scale, 1.0]) @ to_input
        paper = 255 if page.mode == "L" else (255, 255, 255)
        crops.append(page.transform(size, Image.Transform.AFFINE, tuple(to_full[:2].ravel()),
                                    resample=Image.Resampling.BILINEAR, fillcolor=paper))
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
