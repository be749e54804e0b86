"""The angles page analysis applied, written where each format has a place for them:
JSON ``rotation``/``skew``, hOCR ``textangle`` on ``ocr_page``, ALTO ``ROTATION`` on
``TextBlock`` (both counter-clockwise, the text's angle on the page as given)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocrkit import formats
from ocrkit.results import Block, Line, Page, Word
from tests.documents.test_formats import alto_schema, assert_valid_alto, assert_valid_hocr

__all__ = ["alto_schema"]  # the fixture, used here by name


def _turned_page(rotation: int = 90, skew: float = 1.5) -> Page:
    words = [Word("Hello", 0.9, (10, 10, 30, 60)), Word("there", 0.8, (10, 70, 30, 120))]
    page = Page(80, 200, [Block([Line("Hello there", 0.85, (10, 10, 30, 120), words)])], backend="x")
    page.rotation, page.skew, page.rotation_confidence = rotation, skew, 0.9
    return page


@pytest.mark.parametrize(
    ("rotation", "skew", "angle"), [(0, 0.0, 0.0), (90, 0.0, 270.0), (270, 0.0, 90.0), (0, 2.0, 358.0), (90, 1.5, 268.5)]
)
def test_text_angle(rotation: int, skew: float, angle: float) -> None:
    assert _turned_page(rotation, skew).text_angle == angle


def test_json_records_the_angles() -> None:
    page = _turned_page()
    data = json.loads(page.to_json())
    assert (data["rotation"], data["skew"], data["rotation_confidence"]) == (90, 1.5, 0.9)
    again = Page.from_json(page.to_json())
    assert (again.rotation, again.skew, again.rotation_confidence) == (90, 1.5, 0.9)


def test_hocr_textangle_on_ocr_page(tmp_path: Path) -> None:
    text = formats.render([_turned_page()], "hocr")
    assert "textangle 268.5" in text.split('class="ocr_page"')[1].split(">")[0]
    path = tmp_path / "turned.hocr"
    path.write_text(text, encoding="utf-8")
    assert_valid_hocr(path)
    assert "textangle" not in formats.render([_turned_page(0, 0.0)], "hocr"), "upright pages say nothing"


def test_alto_rotation_on_text_blocks(alto_schema) -> None:  # type: ignore[no-untyped-def]
    text = formats.render([_turned_page()], "alto")
    assert 'ROTATION="268.5"' in text
    assert_valid_alto(alto_schema, text)
    assert "ROTATION" not in formats.render([_turned_page(0, 0.0)], "alto")
