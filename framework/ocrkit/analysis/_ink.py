"""Ink: which pixels of a page are text, on a reduced copy, cheaply and robustly.

Scans have uneven paper, grey borders and dark margins, so a pixel is ink when it is
clearly darker than the paper *around it* (the brightest pixel of its neighbourhood),
not darker than one global threshold. Long straight runs (ruling lines, page edges,
underlines) are dropped: they are not text and would dominate every profile.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

__all__ = ["ANALYSIS_MAX_SIDE", "reduced_grey", "ink_mask"]

#: Analysis works on a copy no longer than this (text stays a few pixels high).
ANALYSIS_MAX_SIDE = 1000
#: Neighbourhood for the paper's brightness, in pixels of the reduced copy.
_BLOCK = 16
#: Ink must be at least this much darker than the paper (0..255).
_MIN_CONTRAST = 30
#: A run of ink longer than this share of the page's longest side is a rule, not text.
_LONG_RUN = 0.04


def reduced_grey(pixels: np.ndarray, max_side: int = ANALYSIS_MAX_SIDE) -> tuple[Image.Image, int]:
    """A greyscale copy of a page's ``(H, W)`` or ``(H, W, 3)`` pixels reduced by a whole
    factor to at most *max_side*, and the factor. Colour pages use their green channel
    (the one closest to luminance): one copy instead of a full-size conversion."""
    grey = pixels if pixels.ndim == 2 else np.ascontiguousarray(pixels[:, :, 1])
    factor = max(1, -(-max(grey.shape) // max_side))
    image = Image.fromarray(grey, "L")
    return (image.reduce(factor) if factor > 1 else image), factor


def _otsu(values: np.ndarray) -> int:
    hist = np.bincount(values.ravel()[::4], minlength=256).astype(np.float64)  # every 4th pixel: the same histogram
    p = hist / max(hist.sum(), 1.0)
    weight = np.cumsum(p)
    mean = np.cumsum(p * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean[-1] * weight - mean) ** 2 / (weight * (1.0 - weight))
    return int(np.nanargmax(between)) if np.isfinite(between).any() else 0


def _paper(grey: np.ndarray) -> np.ndarray:
    """The paper's brightness around every pixel: the block maximum, widened by a block."""
    h, w = grey.shape
    bh, bw = -(-h // _BLOCK), -(-w // _BLOCK)
    padded = np.pad(grey, ((0, bh * _BLOCK - h), (0, bw * _BLOCK - w)), mode="edge")
    blocks = padded.reshape(bh, _BLOCK, bw, _BLOCK).max(axis=(1, 3))
    around = np.pad(blocks, 1, mode="edge")
    widened = np.max([around[i : i + bh, j : j + bw] for i in range(3) for j in range(3)], axis=0)
    return np.repeat(np.repeat(widened, _BLOCK, axis=0), _BLOCK, axis=1)[:h, :w]


def _drop_long_runs(ink: np.ndarray, length: int) -> np.ndarray:
    """*ink* without its horizontal runs of at least *length* pixels."""
    h, w = ink.shape
    flat = np.concatenate([ink, np.zeros((h, 1), bool)], axis=1).ravel()
    edges = np.diff(np.concatenate([[0], flat.view(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long = (ends - starts) >= length
    marks = np.zeros(flat.size + 1, np.int8)
    marks[starts[long]] = 1  # starts and ends of runs never share a position
    marks[ends[long]] = -1
    keep = np.cumsum(marks, dtype=np.int8)[:-1] == 0
    return (flat & keep).reshape(h, w + 1)[:, :w]


def ink_mask(grey: Image.Image) -> np.ndarray:
    """Boolean ``(H, W)`` mask of the text pixels of a greyscale image."""
    pixels = np.asarray(grey, dtype=np.int16)
    if pixels.size == 0:
        return np.zeros(pixels.shape, bool)
    contrast = np.clip(_paper(pixels) - pixels, 0, 255).astype(np.uint8)
    ink = contrast > max(_otsu(contrast), _MIN_CONTRAST)
    length = max(20, int(_LONG_RUN * max(ink.shape)))
    ink = _drop_long_runs(ink, length)
    return _drop_long_runs(ink.T, length).T
