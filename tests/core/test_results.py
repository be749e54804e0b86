"""Result types and their JSON form (docs/json-format.md)."""

from __future__ import annotations

import json

import pytest

from ocrkit import Block, Line, Page, Word
from ocrkit.results import JSON_SCHEMA_VERSION, union_bbox


@pytest.fixture
def page() -> Page:
    words = [Word("Grüße", 0.91, (10, 5, 60, 25)), Word("aus", 0.5, (65, 5, 90, 25), polygon=((65, 5), (90, 5), (90, 25), (65, 25)))]
    first = Line("Grüße aus", 0.8, (10, 5, 90, 25), words=words)
    second = Line("München", 0.6, (10, 30, 80, 50), polygon=((10.123, 30), (80, 30.5), (80, 50), (10, 50)))
    third = Line("Ende", 1.0, (200, 5, 240, 25))
    return Page(
        width=300, height=60, blocks=[Block([first, second]), Block([third])],
        backend="fake", model="m1", source="scan.png", meta={"psm": 3, "langs": ["deu"]},
    )


def test_text_in_reading_order_and_navigation(page: Page) -> None:
    assert page.text == "Grüße aus\nMünchen\n\nEnde"
    assert [ln.text for ln in page.lines] == ["Grüße aus", "München", "Ende"]
    assert [w.text for w in page.words] == ["Grüße", "aus"]
    assert page.blocks[0].bbox == (10, 5, 90, 50)
    assert page.to_text() == page.text


def test_backend_text_wins_over_derived_text() -> None:
    page = Page(width=1, height=1, blocks=[Block([Line("a", 1.0, (0, 0, 1, 1))])], text="A\f")
    assert page.text == "A\f"


def test_confidence_is_weighted_by_text_length(page: Page) -> None:
    expected = (0.8 * 9 + 0.6 * 7 + 1.0 * 4) / 20
    assert page.confidence == pytest.approx(expected)
    assert Page(width=1, height=1).confidence == 0.0


def test_json_shape(page: Page) -> None:
    data = json.loads(page.to_json())
    assert set(data) == {
        "schema", "backend", "model", "source", "page", "dpi", "width", "height", "text", "confidence",
        "rotation", "skew", "rotation_confidence", "meta", "blocks",
    }
    assert data["schema"] == JSON_SCHEMA_VERSION
    line = data["blocks"][0]["lines"][0]
    assert set(line) == {"text", "confidence", "bbox", "polygon", "words"}
    assert line["bbox"] == [10, 5, 90, 25] and line["polygon"] is None
    assert data["blocks"][0]["lines"][1]["polygon"][0] == [10.12, 30.0]
    assert set(line["words"][0]) == {"text", "confidence", "bbox", "polygon"}
    assert "Grüße" in page.to_json(), "non-ASCII text is written as is"


def test_json_round_trip(page: Page) -> None:
    again = Page.from_json(page.to_json())
    assert again.to_dict() == page.to_dict()
    assert again.text == page.text and again.meta == page.meta
    assert again.lines[0].words[1].polygon == tuple((float(x), float(y)) for x, y in page.lines[0].words[1].polygon)
    assert isinstance(again.lines[0].bbox, tuple)
    assert Page.from_json(again.to_json(indent=None)).to_dict() == page.to_dict()


def test_empty_page_round_trip() -> None:
    empty = Page(width=10, height=20)
    assert empty.text == "" and empty.lines == []
    assert Page.from_dict(empty.to_dict()).to_dict() == empty.to_dict()


def test_union_bbox() -> None:
    assert union_bbox([]) == (0, 0, 0, 0)
    assert union_bbox([(5, 6, 7, 8), (1, 9, 3, 10)]) == (1, 6, 7, 10)


def test_json_puts_boxes_on_one_line_and_leaves_text_alone() -> None:
    tricky = "[1,   2]\n[3,\n4]"
    page = Page(width=9, height=9, blocks=[Block([Line(tricky, 0.5, (1, 2, 3, 4), polygon=((1, 2), (3, 4)))])])
    text = page.to_json()
    assert '"bbox": [1, 2, 3, 4]' in text and '[1.0, 2.0]' in text
    assert json.loads(text) == page.to_dict()
    assert json.loads(text)["blocks"][0]["lines"][0]["text"] == tricky
