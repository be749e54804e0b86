"""Which way the text lines run (across or up the page) and their small skew, from
projection profiles: projected along the lines' true direction, ink piles up in sharp
rows with empty gaps between them, so the profile's roughness peaks there."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._settings import MAX_SKEW

__all__ = ["TextAxis", "text_axis"]

#: Enough ink pixels to measure; more are subsampled (the profile keeps its shape).
_MAX_POINTS = 30_000
_MIN_POINTS = 200
_COARSE_STEP = 2.0
#: Share of each side left out of the measure.
_MARGIN = 0.08
_FINE_STEP = 0.25
_FINEST_STEP = 0.05


@dataclass(frozen=True)
class TextAxis:
    """``vertical``: lines run up or down the image (a page turned by 90 or 270);
    ``skew``: degrees the lines run downhill, measured after turning vertical lines
    across; ``clarity``: how much sharper the winning axis' profile is than the other
    one's (1 = no difference, a guess)."""

    vertical: bool
    skew: float
    clarity: float


def _roughness(xs: np.ndarray, ys: np.ndarray, degrees: float) -> float:
    theta = np.radians(degrees)
    proj = ys * np.cos(theta) - xs * np.sin(theta)
    hist = np.bincount((proj - proj.min()).astype(np.int64)).astype(np.float64)
    # a few towering bins (a page edge, a stamp) must not outvote the many text lines
    np.minimum(hist, np.percentile(hist, 98), out=hist)
    step = np.diff(hist)
    return float(step @ step)


def _best(xs: np.ndarray, ys: np.ndarray, low: float, high: float, step: float) -> tuple[float, float]:
    angles = np.arange(low, high + step / 2, step)
    scores = [_roughness(xs, ys, a) for a in angles]
    best = int(np.argmax(scores))
    return float(angles[best]), scores[best]


def text_axis(ink: np.ndarray, span: float = MAX_SKEW) -> TextAxis | None:
    """The lines' axis and skew on an ink mask, or ``None`` when there is too little ink."""
    # scan edges and the shadows along them live at the borders: leave the borders out
    h, w = ink.shape
    my, mx = int(h * _MARGIN), int(w * _MARGIN)
    ys, xs = np.nonzero(ink[my : h - my, mx : w - mx])
    if xs.size < _MIN_POINTS:
        return None
    if xs.size > _MAX_POINTS:
        keep = np.random.default_rng(0).choice(xs.size, _MAX_POINTS, replace=False)
        xs, ys = xs[keep], ys[keep]
    xs, ys = xs.astype(np.float64), ys.astype(np.float64)
    across, across_score = _best(xs, ys, -span, span, _COARSE_STEP)
    # lines running up the page: the same search with the axes swapped, y -> x, x -> -y
    # (the page turned so that they run across; see text_axis' callers for the sign)
    up, up_score = _best(ys, -xs, -span, span, _COARSE_STEP)
    vertical = up_score > across_score
    px, py, coarse = (ys, -xs, up) if vertical else (xs, ys, across)
    fine, _ = _best(px, py, coarse - _COARSE_STEP, coarse + _COARSE_STEP, _FINE_STEP)
    skew, _ = _best(px, py, fine - _FINE_STEP, fine + _FINE_STEP, _FINEST_STEP)
    low, high = sorted((across_score, up_score))
    return TextAxis(vertical, round(skew, 2), high / low if low > 0 else float("inf"))
