"""The built-in analyser on real pages: which way up (read by either built-in backend),
the skew, and no change at all to an upright, straight page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

import ocrkit
from ocrkit.analysis import AnalysisSettings, analyse, find_angles, measure_skew
from ocrkit.images import load_image

from .conftest import PAGES, document_page, turned


@pytest.mark.slow
@pytest.mark.parametrize(("folder", "index"), PAGES)
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_orientation_of_real_pages(engine: ocrkit.Engine, folder: str, index: int, rotation: int) -> None:
    page = load_image(turned(document_page(folder, index), rotation))
    settings = AnalysisSettings()
    found = find_angles(page, settings, engine)
    assert found.rotation == rotation, found
    if rotation:
        assert found.rotation_confidence >= settings.rotate_pages_threshold, found


@pytest.mark.parametrize("skew", [-6.0, -2.0, 3.0, 9.0])
def test_skew_of_a_real_page(skew: float) -> None:
    upright = document_page("two-column", 0).convert("L")
    # Image.rotate turns counter-clockwise: lines then run uphill, a negative skew
    skewed = upright.rotate(-skew, expand=True, fillcolor=255, resample=Image.Resampling.BILINEAR)
    assert measure_skew(load_image(skewed)) == pytest.approx(skew, abs=0.3)


def test_upright_straight_page_goes_to_the_backend_unchanged(tesseract: ocrkit.Engine, data: Path) -> None:
    """The parity tests compare tesseract's words with the tesseract command's: on an
    upright, unskewed page the stage must hand over the very same pixels."""
    image = load_image(data / "page_simple.png")
    out, transform = analyse(image, AnalysisSettings(), tesseract)
    assert out is image
    assert transform is not None and transform.identity


def test_line_layout_costs_nothing(tesseract: ocrkit.Engine, data: Path) -> None:
    image = load_image(data / "line_hello.png")
    out, transform = analyse(image, AnalysisSettings(rotation=180), tesseract, layout="line")
    assert out is image and transform is None


def test_forced_angles_skip_detection(tesseract: ocrkit.Engine, data: Path) -> None:
    image = load_image(data / "page_simple.png")
    out, transform = analyse(image, AnalysisSettings(rotation=90, skew=2.0), tesseract)
    assert transform is not None and (transform.rotation, transform.skew) == (90, 2.0)
    assert out.height > image.width, "turned a quarter and a little more"


def test_switched_off(tesseract: ocrkit.Engine) -> None:
    image = load_image(turned(document_page("two-column", 0), 180))
    out, transform = analyse(image, AnalysisSettings.off(), tesseract)
    assert out is image and transform is None
    out, transform = analyse(image, AnalysisSettings(deskew=False), tesseract)
    assert transform is not None and transform.rotation == 180 and transform.skew == 0.0
