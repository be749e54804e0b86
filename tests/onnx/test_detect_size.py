"""The detector's input size follows the page: small glyphs on a large scan are shown
to the detector larger (up to det_max_side_len); pages whose glyphs are big enough, and
an explicit det_limit_side_len, keep the fixed size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocrkit
from ocrkit_onnx._detect import DetParams, glyph_height, page_side_len
from ocrkit_onnx._options import parse_options

DATA = Path(__file__).resolve().parent.parent / "data"


def _page(scale_canvas: int = 1) -> np.ndarray:
    """page_simple.png (20 px glyphs) on a canvas *scale_canvas* times a 1500 x 2000 page."""
    text = np.asarray(Image.open(DATA / "page_simple.png").convert("L"))
    canvas = np.full((2000 * scale_canvas, 1500 * scale_canvas), 255, dtype=np.uint8)
    canvas[200 : 200 + text.shape[0], 50 : 50 + text.shape[1]] = text
    return canvas


def test_glyph_height_is_measured_from_the_ink() -> None:
    assert glyph_height(_page()) == pytest.approx(20, abs=3)
    assert glyph_height(np.full((500, 500), 255, dtype=np.uint8)) is None  # no ink


def test_small_glyphs_on_a_large_page_get_a_larger_detector_input() -> None:
    params = DetParams(glyph_px=7.5)
    assert page_side_len(_page(1), params) == 960  # 20 px glyphs * 960/2000 = 9.6 px: enough
    assert page_side_len(_page(2), DetParams(glyph_px=7.5, max_side_len=4000)) == pytest.approx(4000 * 10.5 / 21, rel=0.15)
    assert page_side_len(_page(3), params) == 2000  # 3.2 px at 960: as large as allowed
    assert page_side_len(_page(3), DetParams(glyph_px=7.5, max_side_len=1500)) == 1500
    assert page_side_len(_page(3), DetParams(glyph_px=0)) == 960  # sizing off


def test_an_explicit_side_limit_is_a_fixed_size() -> None:
    assert parse_options({}).det_glyph_px == 7.5
    assert parse_options({"det_glyph_px": 0}).det_glyph_px == 0.0
    with pytest.raises(ocrkit.OcrkitError):
        parse_options({"det_glyph_px": -1})


def test_the_engine_feeds_the_detector_the_larger_input(ocrkit_home: Path) -> None:
    # accuracy on real scans is a benchmark (benchmarks/reading_order.py); here: the size chosen
    page = _page(2)  # 4.8 px glyphs at 960
    with ocrkit.open("onnx", lazy=True) as sized, ocrkit.open("onnx", lazy=True, det_limit_side_len=960) as fixed:
        shapes = [engine.handle.state.detector.tensor(page, engine.handle.state.det_params).shape
                  for engine in (sized, fixed)]
    assert shapes[1][2:] == (960, 704)
    assert 1700 <= shapes[0][2] <= 2000  # about 4000 * 10.5 / 21 (glyphs measured at 20-23 px)
