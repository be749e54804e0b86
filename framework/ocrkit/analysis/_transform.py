"""The turn applied to a page before recognition, and the way back: every box and
polygon the backend found on the turned page is mapped to the input's pixel grid."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from ..images import PageImage
from ..results import BBox, Block, Line, Page, Polygon, Word

__all__ = ["PageTransform"]


@dataclass(frozen=True)
class PageTransform:
    """Turn a ``width`` x ``height`` page counter-clockwise by ``rotation`` (0/90/180/270:
    the content's clockwise turn, undone) plus ``skew`` degrees (straightening lines
    that ran downhill), about its centre, onto a canvas just large enough."""

    width: int
    height: int
    rotation: int = 0
    skew: float = 0.0
    rotation_confidence: float | None = None

    @property
    def identity(self) -> bool:
        return self.rotation == 0 and self.skew == 0.0

    def _matrix(self) -> tuple[np.ndarray, tuple[int, int]]:
        """Forward 3x3 affine (input pixel -> output pixel) and the output size."""
        angle = math.radians(self.rotation + self.skew)
        c, s = math.cos(angle), math.sin(angle)
        if self.skew == 0.0:  # exact quarter turns: no rounding noise in the boxes
            c, s = round(c), round(s)
        # a counter-clockwise turn on screen, where y runs down
        turn = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
        centre = np.array([[1.0, 0, -self.width / 2], [0, 1.0, -self.height / 2], [0, 0, 1.0]])
        corners = np.array([[0, 0, 1], [self.width, 0, 1], [self.width, self.height, 1], [0, self.height, 1]], float).T
        moved = turn @ centre @ corners
        out_w = math.ceil(round(moved[0].max() - moved[0].min(), 6))
        out_h = math.ceil(round(moved[1].max() - moved[1].min(), 6))
        back = np.array([[1.0, 0, out_w / 2], [0, 1.0, out_h / 2], [0, 0, 1.0]])
        return back @ turn @ centre, (out_w, out_h)

    @property
    def matrix(self) -> np.ndarray:
        """The forward 3x3 affine: input pixel -> turned page pixel."""
        return self._matrix()[0]

    @property
    def output_size(self) -> tuple[int, int]:
        return self._matrix()[1]

    def turn(self, pil: Image.Image, fill: int = 255) -> Image.Image:
        """*pil* (the input page, ``L`` or ``RGB``) turned; new pixels are *fill* (white paper)."""
        if self.identity:
            return pil
        if self.skew == 0.0:
            quarter = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
            return pil.transpose(quarter[self.rotation])
        forward, size = self._matrix()
        inverse = np.linalg.inv(forward)
        paper = fill if pil.mode == "L" else (fill, fill, fill)
        return pil.transform(size, Image.Transform.AFFINE, tuple(inverse[:2].ravel()),
                             resample=Image.Resampling.BICUBIC, fillcolor=paper)

    def apply(self, image: PageImage) -> PageImage:
        """The turned page (the same object when there is nothing to do)."""
        if self.identity:
            return image
        array = np.ascontiguousarray(np.asarray(self.turn(image.to_pil())))
        return PageImage(array=array, source=image.source, path=image.path, dpi=image.dpi)

    # -- the way back --------------------------------------------------------------

    def points_back(self, points: np.ndarray) -> np.ndarray:
        """``(N, 2)`` points of the turned page -> the input's grid."""
        inverse = np.linalg.inv(self._matrix()[0])
        homogeneous = np.column_stack([points, np.ones(len(points))])
        return (inverse @ homogeneous.T).T[:, :2]

    def _box_back(self, box: BBox) -> tuple[BBox, Polygon]:
        x0, y0, x1, y1 = box
        corners = self.points_back(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float))
        xs = np.clip(corners[:, 0], 0, self.width)
        ys = np.clip(corners[:, 1], 0, self.height)
        bbox = (math.floor(round(xs.min(), 6)), math.floor(round(ys.min(), 6)),
                math.ceil(round(xs.max(), 6)), math.ceil(round(ys.max(), 6)))
        return bbox, tuple((round(float(x), 2), round(float(y), 2)) for x, y in zip(xs, ys))

    def _polygon_back(self, polygon: Polygon | None, box_polygon: Polygon) -> Polygon | None:
        if polygon:
            mapped = self.points_back(np.array(polygon, float))
            return tuple((round(float(min(max(x, 0), self.width)), 2), round(float(min(max(y, 0), self.height)), 2))
                         for x, y in mapped)
        # a straightened box is a turned rectangle on the input: say so where quarter turns cannot
        return box_polygon if self.skew != 0.0 else None

    def _word_back(self, word: Word) -> Word:
        bbox, shape = self._box_back(word.bbox)
        return replace(word, bbox=bbox, polygon=self._polygon_back(word.polygon, shape))

    def _line_back(self, line: Line) -> Line:
        bbox, shape = self._box_back(line.bbox)
        return replace(line, bbox=bbox, polygon=self._polygon_back(line.polygon, shape),
                       words=[self._word_back(w) for w in line.words])

    def _block_back(self, block: Block) -> Block:
        lines = [self._line_back(line) for line in block.lines]
        bbox = self._box_back(block.bbox)[0] if block.bbox is not None else None
        return replace(block, lines=lines, bbox=bbox)

    def page_back(self, page: Page) -> Page:
        """*page* (recognised on the turned image) in the input's pixel grid, with the
        angles applied recorded on it."""
        if not self.identity:
            page.blocks = [self._block_back(b) for b in page.blocks]
            page.width, page.height = self.width, self.height
        page.rotation = self.rotation
        page.skew = self.skew
        page.rotation_confidence = self.rotation_confidence
        return page
