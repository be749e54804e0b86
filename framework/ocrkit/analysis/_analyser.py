"""The built-in page analyser: text axis and skew from projection profiles (numpy, a
few tens of milliseconds), which way up by reading a few lines with the page's own
backend (see ``_orientation``), the ascender/descender balance only to break a tie."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..images import PageImage
from ..results import PageAnalysis
from ._ink import ink_mask, reduced_grey
from ._lines import ascender_vote, body_lines, line_pieces
from ._orientation import ReadLines, line_crops, read_candidates
from ._skew import text_axis
from ._transform import PageTransform

__all__ = ["BUILTIN_ANALYSER", "analyse_builtin", "measure_skew"]

BUILTIN_ANALYSER = "ocrkit"
#: Below this, the two axes' profiles are too alike to trust: all four angles are read.
_CLEAR_AXIS = 1.3
#: Lines read per candidate angle (two candidates), or per angle when all four are read.
_LINES_PAIR, _LINES_FOUR = 5, 3


@dataclass(frozen=True)
class _Upright:
    """The reduced page's ink turned upright for one candidate rotation, and where to
    cut its lines from the full page."""

    rotation: int
    frame: PageTransform
    ink: np.ndarray
    page: Image.Image
    scale: float

    @classmethod
    def of(cls, page: Image.Image, ink: np.ndarray, scale: float, rotation: int, skew: float) -> _Upright:
        frame = PageTransform(ink.shape[1], ink.shape[0], rotation, skew)
        mask = frame.turn(Image.fromarray(ink.astype(np.uint8) * 255, "L"), fill=0)
        return cls(rotation, frame, np.asarray(mask) > 127, page, scale)

    def views(self, lines: int) -> list[tuple[int, list[Image.Image]]]:
        """Line crops for this rotation and, turned over, for the opposite one."""
        crops = line_crops(self.page, self.frame, self.scale, body_lines(line_pieces(self.ink), lines))
        flipped = [c.transpose(Image.Transpose.ROTATE_180) for c in crops]
        return [(self.rotation, crops), ((self.rotation + 180) % 360, flipped)]

    def tie_break(self, skew: float) -> PageAnalysis:
        vote = ascender_vote(line_pieces(self.ink))
        rotation = self.rotation if vote >= 0 else (self.rotation + 180) % 360
        return PageAnalysis(rotation, round(min(1.0, abs(vote)) / 2, 4), skew, BUILTIN_ANALYSER)


def measure_skew(image: PageImage) -> float:
    """The skew of the page's text lines in degrees (0 when there is too little text)."""
    small, _ = reduced_grey(image.array)
    axis = text_axis(ink_mask(small))
    return axis.skew if axis is not None else 0.0


def analyse_builtin(image: PageImage, read: ReadLines | None, find_rotation: bool = True) -> PageAnalysis:
    """Orientation (when *find_rotation*, by reading lines with *read*) and skew of a page."""
    small, factor = reduced_grey(image.array)
    ink = ink_mask(small)
    axis = text_axis(ink)
    if axis is None:
        return PageAnalysis(0, 0.0, 0.0, BUILTIN_ANALYSER)
    # a skew is only trusted on an axis the profiles clearly agree on
    skew = axis.skew if axis.clarity >= _CLEAR_AXIS else 0.0
    if not find_rotation:
        return PageAnalysis(0, 0.0, 0.0 if axis.vertical else skew, BUILTIN_ANALYSER)
    base = 90 if axis.vertical else 0
    page = image.to_pil()
    scale = image.width / small.width if factor > 1 else 1.0
    upright = _Upright.of(page, ink, scale, base, axis.skew)
    if read is None:
        return upright.tie_break(skew)
    if axis.clarity >= _CLEAR_AXIS and not axis.vertical:
        views = upright.views(_LINES_PAIR)
    else:  # the page as given is always a candidate before anything turns it a quarter
        across = _Upright.of(page, ink, scale, 0 if base else 90, 0.0)
        views = upright.views(_LINES_FOUR) + across.views(_LINES_FOUR)
    reading = read_candidates(read, views)
    if reading.confidence <= 0:
        return upright.tie_break(skew)
    on_axis = reading.rotation % 180 == base % 180
    return PageAnalysis(reading.rotation, reading.confidence, skew if on_axis else 0.0, BUILTIN_ANALYSER)
