"""DB text detection: resize under a side limit, normalise, probability map, and the
post-processing that turns the map into text-line quadrilaterals.

All pixel work is OpenCV/numpy; Python only loops over contours (a few hundred
at most), never over pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ._imageops import normalised_blob, resize
from ._sessions import run_model

if TYPE_CHECKING:
    import onnxruntime

__all__ = ["DetParams", "Detector", "detect_resize_shape", "glyph_height", "page_side_len", "order_quad"]

#: Minimum side (in probability-map pixels) of a kept box, before and after unclipping.
_MIN_SIDE = 3
#: Longest side of the copy of a page whose ink is measured by :func:`glyph_height`.
_GLYPH_SCAN_SIDE = 1600
#: A page enlarged for its small glyphs is shown with glyphs this many times ``glyph_px``.
GLYPH_ENLARGE = 1.4


@dataclass(frozen=True)
class DetParams:
    limit_side_len: int = 960
    limit_type: str = "max"
    max_side_len: int = 2000
    thresh: float = 0.3
    box_thresh: float = 0.5
    unclip_ratio: float = 1.6
    max_candidates: int = 1000
    use_dilation: bool = True
    #: A page whose glyphs would be smaller than this (pixels) at ``limit_side_len`` is
    #: given a larger input (see page_side_len); 0: a fixed size.
    glyph_px: float = 0.0


def detect_resize_shape(height: int, width: int, params: DetParams) -> tuple[int, int]:
    """Network input size: a multiple of 32 per side, scaled to respect the limits.

    ``limit_type="max"`` shrinks so the longest side is at most ``limit_side_len``;
    ``"min"`` enlarges so the shortest side is at least ``limit_side_len``. Either
    way the longest side never exceeds ``max_side_len`` (memory and time bound).
    """
    limit = float(params.limit_side_len)
    if params.limit_type == "min":
        ratio = limit / min(height, width) if min(height, width) < limit else 1.0
    else:
        ratio = limit / max(height, width) if max(height, width) > limit else 1.0
    if max(height, width) * ratio > params.max_side_len:
        ratio = params.max_side_len / max(height, width)
    rh = max(32, int(round(height * ratio / 32.0)) * 32)
    rw = max(32, int(round(width * ratio / 32.0)) * 32)
    return rh, rw


def glyph_height(image: np.ndarray) -> float | None:
    """Typical glyph height of the page in image pixels: the median height of the
    connected components of its ink (Otsu threshold), weighted by their ink so that
    specks of noise do not count, on a copy at most _GLYPH_SCAN_SIDE pixels long,
    keeping components shaped like characters. None when the page has none. About
    1-2% of a page's recognition time."""
    import cv2

    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = grey.shape[:2]
    scale = min(1.0, _GLYPH_SCAN_SIDE / max(h, w))
    if scale < 1.0:
        grey = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights, widths, areas = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_AREA]
    glyphs = (heights >= 2) & (heights <= 0.05 * grey.shape[0]) & (widths <= 3 * heights)
    if not glyphs.any():
        return None
    order = np.argsort(heights[glyphs], kind="stable")
    weight = np.cumsum(areas[glyphs][order])
    median = heights[glyphs][order][int(np.searchsorted(weight, weight[-1] / 2))]
    return float(median) / scale


def page_side_len(image: np.ndarray, params: DetParams) -> int:
    """The detector's side limit for *image*: ``limit_side_len``, or, when the page's
    glyphs would be smaller than ``glyph_px`` at that size (small text on a large scan),
    enough for glyphs of GLYPH_ENLARGE x ``glyph_px``, up to ``max_side_len`` and never
    past the page's own size.

    Measured on documents/typewritten-fr (docs/benchmarks.md): one larger size for every
    page cut CER from 8.50% to 7.14% (1440 px) or 6.69% (2000 px) at 1.40x / 1.95x the CPU,
    but read the typed tables worse (92 -> 173 errors on one: more, shorter lines); pages
    with glyphs under 7.5 px at 960 gain (917 -> 568 errors on one at 1440), the others
    barely or not at all.
    """
    limit = params.limit_side_len
    longest = max(image.shape[:2])
    if params.glyph_px <= 0 or params.limit_type != "max" or longest <= limit:
        return limit
    glyphs = glyph_height(image)
    if glyphs is None or glyphs * limit / longest >= params.glyph_px:
        return limit
    wanted = longest * GLYPH_ENLARGE * params.glyph_px / glyphs
    return int(max(limit, min(params.max_side_len, longest, wanted)))


def order_quad(points: np.ndarray) -> np.ndarray:
    """Order 4 points as top-left, top-right, bottom-right, bottom-left (float32)."""
    pts = points[np.argsort(points[:, 0], kind="stable")]
    left, right = pts[:2], pts[2:]
    tl, bl = left[np.argsort(left[:, 1], kind="stable")]
    tr, br = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def _box_score(prob: np.ndarray, quad: np.ndarray) -> float:
    """Mean probability inside the quadrilateral (on its bounding window only)."""
    import cv2

    h, w = prob.shape
    x0 = int(np.clip(np.floor(quad[:, 0].min()), 0, w - 1))
    x1 = int(np.clip(np.ceil(quad[:, 0].max()), 0, w - 1))
    y0 = int(np.clip(np.floor(quad[:, 1].min()), 0, h - 1))
    y1 = int(np.clip(np.ceil(quad[:, 1].max()), 0, h - 1))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    shifted = (quad - np.array([x0, y0], dtype=np.float32)).round().astype(np.int32)
    cv2.fillPoly(mask, [shifted.reshape(-1, 2)], 1)
    return float(cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


def _unclip(quad: np.ndarray, ratio: float) -> np.ndarray | None:
    """Grow the shrunk DB kernel back to the text extent (Vatti offset, round joins)."""
    import cv2
    import pyclipper

    area = abs(float(cv2.contourArea(quad)))
    length = float(cv2.arcLength(quad.reshape(-1, 1, 2), True))
    if length <= 0 or area <= 0:
        return None
    distance = area * ratio / length
    offset = pyclipper.PyclipperOffset()
    # pyclipper works on integers: scale up to keep sub-pixel precision.
    scale = 4.0
    offset.AddPath((quad * scale).round().astype(np.int64).tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    expanded = offset.Execute(distance * scale)
    if not expanded:
        return None
    biggest = max(expanded, key=len)
    return (np.asarray(biggest, dtype=np.float32) / scale).reshape(-1, 1, 2)


class Detector:
    """A DB detector session plus its preprocessing constants. Thread-safe: no
    per-call state lives on the object."""

    def __init__(
        self,
        session: onnxruntime.InferenceSession,
        mean: tuple[float, float, float],
        std: tuple[float, float, float],
        bgr: bool,
    ) -> None:
        self.session = session
        self.flush_denormals = True  # the pipeline may turn it off (option flush_denormals)
        self.input_name = session.get_inputs()[0].name
        self.output_name = session.get_outputs()[0].name
        self.mean = mean
        self.std = std
        self.bgr = bgr

    def tensor(self, image: np.ndarray, params: DetParams) -> np.ndarray:
        """The model input for *image*: resized under the limits (see page_side_len),
        normalised, 1 x 3 x rh x rw."""
        h, w = image.shape[:2]
        side = page_side_len(image, params)
        rh, rw = detect_resize_shape(h, w, params if side == params.limit_side_len else replace(params, limit_side_len=side))
        return normalised_blob(resize(image, rw, rh)[None], self.mean, self.std, self.bgr)

    def probability_map(self, image: np.ndarray, params: DetParams) -> np.ndarray:
        """The (rh, rw) text probability map for *image* (H, W) or (H, W, 3)."""
        blob = self.tensor(image, params)
        out = run_model(self.session, self.output_name, {self.input_name: blob}, "detection", self.flush_denormals)
        return out.reshape(out.shape[-2], out.shape[-1])

    def detect(self, image: np.ndarray, params: DetParams) -> tuple[list[np.ndarray], list[float]]:
        """Text-line quads (4x2 float32, image pixels, tl/tr/br/bl) and their scores."""
        prob = self.probability_map(image, params)
        return boxes_from_probability(prob, image.shape[0], image.shape[1], params)


def boxes_from_probability(
    prob: np.ndarray, height: int, width: int, params: DetParams
) -> tuple[list[np.ndarray], list[float]]:
    """DB post-processing: threshold, contours, box score, unclip, min-area rectangle."""
    import cv2

    ph, pw = prob.shape
    mask = np.greater(prob, params.thresh).view(np.uint8)
    if params.use_dilation:
        mask = cv2.dilate(mask, np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    sx, sy = width / pw, height / ph
    quads: list[np.ndarray] = []
    scores: list[float] = []
    for contour in contours[: params.max_candidates]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < _MIN_SIDE:
            continue
        quad = order_quad(cv2.boxPoints(rect))
        score = _box_score(prob, quad)
        if score < params.box_thresh:
            continue
        expanded = _unclip(quad, params.unclip_ratio)
        if expanded is None:
            continue
        rect = cv2.minAreaRect(expanded)
        if min(rect[1]) < _MIN_SIDE + 2:
            continue
        box = order_quad(cv2.boxPoints(rect))
        box[:, 0] = np.clip(box[:, 0] * sx, 0, width)
        box[:, 1] = np.clip(box[:, 1] * sy, 0, height)
        if np.linalg.norm(box[0] - box[1]) <= 3 or np.linalg.norm(box[0] - box[3]) <= 3:
            continue
        quads.append(box)
        scores.append(score)
    return quads, scores
