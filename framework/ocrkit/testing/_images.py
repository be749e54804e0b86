"""Inputs every backend must survive: broken ones (``BadImageError``) and valid but
degenerate ones (a page, possibly empty, or ``BadImageError`` — never a crash)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["bad_inputs", "degenerate_images"]


def _png_bytes(array: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def bad_inputs(tmp_dir: Path) -> dict[str, Callable[[], Any]]:
    """Name -> factory of an input that must raise ``BadImageError``."""
    png = _png_bytes(np.full((40, 60), 255, np.uint8))
    empty_file = tmp_dir / "empty.png"
    empty_file.write_bytes(b"")
    text_file = tmp_dir / "not-an-image.png"
    text_file.write_text("this is not an image\n")
    truncated_file = tmp_dir / "truncated.png"
    truncated_file.write_bytes(png[: len(png) // 2])
    return {
        "empty bytes": lambda: b"",
        "random bytes": lambda: b"\x00\x01garbage" * 100,
        "truncated PNG bytes": lambda: png[: len(png) // 2],
        "missing file": lambda: tmp_dir / "does-not-exist.png",
        "empty file": lambda: empty_file,
        "text file named .png": lambda: text_file,
        "truncated PNG file": lambda: truncated_file,
        "zero-size array": lambda: np.zeros((0, 10), np.uint8),
        "1-D array": lambda: np.zeros(100, np.uint8),
        "4-D array": lambda: np.zeros((2, 2, 2, 2), np.uint8),
        "2-channel array": lambda: np.zeros((10, 10, 2), np.uint8),
        "NaN float array": lambda: np.full((10, 10), np.nan, np.float32),
        "object array": lambda: np.array([[object()]], dtype=object),
        "unsupported type": lambda: 12345,
    }


def degenerate_images() -> dict[str, np.ndarray]:
    """Name -> a valid image with nothing sensible to read on it."""
    rng = np.random.default_rng(0)
    return {
        "1x1 white": np.full((1, 1), 255, np.uint8),
        "1x1 black RGB": np.zeros((1, 1, 3), np.uint8),
        # Thin strips stay short: line recognisers scale a line to a fixed height, so a
        # 1x2000 strip becomes ~36x72000 px (measured: 101 s in tesseract, 41 s in onnx).
        "1x64 strip": np.full((1, 64), 255, np.uint8),
        "2000x1 strip": np.zeros((2000, 1), np.uint8),
        # ... and a backend must cap such blow-ups (MAX_LINE_ASPECT): the kit times each image.
        "1x2000 strip": np.zeros((1, 2000), np.uint8),
        "blank page": np.full((800, 600), 255, np.uint8),
        "black page": np.zeros((300, 400, 3), np.uint8),
        "noise": rng.integers(0, 256, (200, 300, 3), dtype=np.uint8),
        "wide and low": np.full((12, 600), 255, np.uint8),
    }
