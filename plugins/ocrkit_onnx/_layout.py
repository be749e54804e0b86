"""From recognised crops to lines: word boxes mapped back into the image through
each crop's homography. Reading order, paragraphs and areas are the core's
(:mod:`ocrkit.analysis`), the same for every backend that returns bare lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ocrkit.backend import Line, Word

from ._words import LineText

__all__ = ["RecognisedLine", "build_line"]

BBox = tuple[int, int, int, int]


@dataclass
class RecognisedLine:
    """One detected line after recognition: where it is and how its crop was made."""

    quad: np.ndarray  # 4x2 float32 image points, tl/tr/br/bl
    matrix: np.ndarray  # 3x3 homography image -> crop (before any 180-degree flip)
    crop_size: tuple[int, int]  # (width, height) of the crop fed to the recogniser
    flipped: bool
    text: LineText


def _bbox_of(points: np.ndarray, limit: BBox) -> BBox:
    x0 = int(np.floor(points[:, 0].min()))
    y0 = int(np.floor(points[:, 1].min()))
    x1 = int(np.ceil(points[:, 0].max()))
    y1 = int(np.ceil(points[:, 1].max()))
    lx0, ly0, lx1, ly1 = limit
    x0, x1 = min(max(x0, lx0), lx1), min(max(x1, lx0), lx1)
    y0, y1 = min(max(y0, ly0), ly1), min(max(y1, ly0), ly1)
    return (x0, y0, max(x1, x0), max(y1, y0))


def build_line(item: RecognisedLine, image_size: tuple[int, int]) -> Line:
    """A :class:`Line` with its polygon and words; every word box lies inside the line box."""
    width, height = image_size
    line_box = _bbox_of(item.quad, (0, 0, width, height))
    inverse = np.linalg.inv(item.matrix.astype(np.float64))
    crop_w, crop_h = item.crop_size
    words: list[Word] = []
    spans = item.text.words
    if spans:
        corners = np.empty((len(spans), 4, 3), dtype=np.float64)
        for k, span in enumerate(spans):
            x0, x1 = (crop_w - span.x1, crop_w - span.x0) if item.flipped else (span.x0, span.x1)
            corners[k] = ((x0, 0, 1), (x1, 0, 1), (x1, crop_h, 1), (x0, crop_h, 1))
        mapped = corners @ inverse.T
        mapped = mapped[:, :, :2] / mapped[:, :, 2:3]
        for span, quad in zip(spans, mapped):
            if item.flipped:  # reading order of the flipped crop runs right to left in the image
                quad = quad[[2, 3, 0, 1]]
            words.append(
                Word(
                    text=span.text,
                    confidence=span.confidence,
                    bbox=_bbox_of(quad, line_box),
                    polygon=tuple((float(x), float(y)) for x, y in quad),
                )
            )
    return Line(
        text=item.text.text,
        confidence=item.text.confidence,
        bbox=line_box,
        words=words,
        polygon=tuple((float(x), float(y)) for x, y in item.quad),
    )
