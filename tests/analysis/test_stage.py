"""The stage end to end: a turned page read by either backend comes back in the
input's pixel grid (an hOCR overlay lines up with the scan as given), and a
third-party page analyser plugged in through the hook is used for every backend."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

import ocrkit
from ocrkit import Registry, formats
from ocrkit.analysis import AnalysisSettings, analyse, finish
from ocrkit.errors import PluginError
from ocrkit.images import PageImage, load_image
from ocrkit.results import BBox, Page, PageAnalysis

from .conftest import document_page, turned

_HOCR_WORD = re.compile(r"<span class=\"ocrx_word\"[^>]*title=\"bbox (\d+) (\d+) (\d+) (\d+);[^\"]*\"[^>]*>([^<]*)</span>")


def _read(engine: Any, image: PageImage, settings: AnalysisSettings | None = None) -> Page:
    ready, transform = analyse(image, settings or AnalysisSettings(), engine)
    return finish(engine.recognize(ready), transform)


def _iou(a: BBox, b: BBox) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _clockwise_quarter(box: BBox, upright_height: int) -> BBox:
    """Where *box* of the upright page is once the page is turned clockwise by 90."""
    x0, y0, x1, y1 = box
    return (upright_height - y1, x0, upright_height - y0, x1)


@pytest.mark.slow
def test_hocr_overlay_on_a_turned_page_lines_up_with_the_original(engine: ocrkit.Engine) -> None:
    upright = document_page("two-column", 0)
    given = turned(upright, 90)
    page = _read(engine, load_image(given))
    assert page.rotation == 90 and (page.width, page.height) == given.size
    upright_page = _read(engine, load_image(upright))
    unique = {}
    for word in upright_page.words:
        if len(word.text) >= 5:
            unique[word.text] = None if word.text in unique else word.bbox
    expected = {text: _clockwise_quarter(box, upright.height) for text, box in unique.items() if box}
    hocr = formats.render([page], "hocr")
    words = [(m.group(5), tuple(int(v) for v in m.group(1, 2, 3, 4))) for m in _HOCR_WORD.finditer(hocr)]
    assert len(words) == len([w for w in page.words if w.text.strip()]) > 100
    matched = [_iou(box, expected[text]) for text, box in words if text in expected]  # type: ignore[arg-type]
    assert len(matched) > 50
    assert sorted(matched)[len(matched) // 10] > 0.7, "nine words in ten sit where the upright reading put them"
    for _, (x0, y0, x1, y1) in words:
        assert 0 <= x0 < x1 <= given.width and 0 <= y0 < y1 <= given.height


class _Analyser:
    """A third-party page analyser: says every page is upside down."""

    def __init__(self, answer: Any = None, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.answer = answer or PageAnalysis(rotation=180, rotation_confidence=1.0, skew=None, analyser="upside-down")
        self.fail = fail

    @ocrkit.hookimpl
    def ocrkit_analyse_page(self, image: PageImage, backend: str) -> PageAnalysis:
        self.calls.append(backend)
        if self.fail:
            raise ValueError("no model")
        return self.answer


@pytest.fixture(scope="module")
def plugged() -> Iterator[tuple[_Analyser, Registry]]:
    registry = Registry()
    analyser = _Analyser()
    registry.register(analyser, name="upside-down-analyser")
    yield analyser, registry


@pytest.mark.parametrize("backend", ["tesseract", "onnx"])
def test_a_plugin_analyser_is_used_for_every_backend(plugged: tuple[_Analyser, Registry], backend: str) -> None:
    analyser, registry = plugged
    upside_down = load_image(turned(document_page("two-column", 0), 180))
    with ocrkit.open(backend, registry=registry) as engine:
        page = _read(engine, upside_down)
    assert analyser.calls[-1] == backend
    assert page.rotation == 180 and page.rotation_confidence == 1.0
    assert len(page.words) > 100 and sum(len(w.text) for w in page.words if w.confidence > 0.8) > 1000


@pytest.mark.parametrize(
    ("plugin", "says"),
    [
        (_Analyser(PageAnalysis(rotation=45, rotation_confidence=1.0)), "rotation 45 is not one of"),
        (_Analyser(PageAnalysis(rotation=90, rotation_confidence=3.0)), "rotation_confidence"),
        (_Analyser(PageAnalysis(rotation=0, skew=float("inf"))), "skew inf"),
        (_Analyser(fail=True), "ValueError: no model"),
    ],
)
def test_a_broken_analyser_is_named(plugin: _Analyser, says: str, data: Any) -> None:
    registry = Registry()
    registry.register(plugin, name="bad-analyser")
    with ocrkit.open("tesseract", registry=registry) as engine, pytest.raises(PluginError, match=says) as caught:
        analyse(load_image(data / "page_simple.png"), AnalysisSettings(), engine)
    assert "bad-analyser" in str(caught.value)
