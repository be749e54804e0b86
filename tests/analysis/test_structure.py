"""The core's structure for a backend of bare lines (the fake with ``ink_lines``: one
line per run of ink, in detection order): lines in reading order, paragraphs as
blocks, areas as hOCR ``ocr_carea`` / TSV blocks, paragraphs as ``ocr_par`` and ALTO
``TextBlock``; in process and behind process isolation alike."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import ocrkit
from ocrkit import Registry
from ocrkit.analysis import orders_its_own_layout, structure_page
from ocrkit.formats import render
from ocrkit.results import Block, Line, Page

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"


def _page_image() -> tuple[np.ndarray, list[str]]:
    """A white page: a title, two columns of "lines" (black bars) on one baseline grid,
    a paragraph break in the left column; and the lines' names (``x0,y0``) in reading order."""
    pixels = np.full((700, 1000), 255, dtype=np.uint8)
    order = []

    def bar(x0: int, y0: int, x1: int, height: int = 20) -> None:
        pixels[y0 : y0 + height, x0:x1] = 0
        order.append(f"{x0},{y0}")

    bar(200, 20, 800, 40)  # title, taller
    for k in range(8):  # left column: a paragraph of 4 lines, a gap, 4 more
        bar(20, 100 + 30 * k + (30 if k >= 4 else 0), 470)
    for k in range(9):
        bar(530, 100 + 30 * k, 980)
    return pixels, order


@pytest.mark.parametrize("isolation", ["none", "process"])
def test_bare_lines_come_back_in_column_order_with_areas_and_paragraphs(
    fake_registry: Registry, isolation: str
) -> None:
    pixels, order = _page_image()
    with ocrkit.open("fake", registry=fake_registry, isolation=isolation, ink_lines=True) as engine:
        page = engine.recognize(pixels)
    assert [line.text for line in page.lines] == order
    assert [[b.lines[0].text for b in area] for area in page.areas] == [["200,20"], ["20,100", "20,250"], ["530,100"]]
    assert page.text.split("\n\n")[1] == "\n".join(order[1:5])


def test_the_fake_alone_reads_across_the_gutter() -> None:
    # what the core corrects: detection order runs row by row across both columns
    from tests.fakeocr import ink_lines

    pixels, _ = _page_image()
    assert [line.text for line in ink_lines(pixels)][1:3] == ["20,100", "530,100"]


def _structured() -> Page:
    pixels, _ = _page_image()
    from tests.fakeocr import ink_lines

    return structure_page(Page(1000, 700, [Block(ink_lines(pixels))]))


def test_hocr_writes_one_carea_per_area_and_one_par_per_paragraph() -> None:
    text = render(_structured(), "hocr")
    html = ET.fromstring(text[text.index("<html") :])
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    areas = html.findall(".//h:div[@class='ocr_carea']", ns)
    assert [len(a.findall("h:p[@class='ocr_par']", ns)) for a in areas] == [1, 2, 1]
    assert [len(a.findall(".//h:span[@class='ocr_line']", ns)) for a in areas] == [1, 8, 9]


def test_alto_writes_one_text_block_per_paragraph_in_reading_order() -> None:
    alto = ET.fromstring(render(_structured(), "alto").encode())
    blocks = alto.findall(f".//{ALTO}TextBlock")
    assert [len(b.findall(f"{ALTO}TextLine")) for b in blocks] == [1, 4, 4, 9]
    assert blocks[2].find(f"{ALTO}TextLine/{ALTO}String").get("CONTENT") == "20,250"  # type: ignore[union-attr]


def test_tsv_numbers_blocks_by_area_and_paragraphs_within() -> None:
    rows = [r.split("\t") for r in render(_structured(), "tsv").splitlines()[1:]]
    paragraphs = [(int(r[2]), int(r[3])) for r in rows if r[0] == "3"]
    assert paragraphs == [(1, 1), (2, 1), (2, 2), (3, 1)]


def test_json_keeps_the_area_of_each_block() -> None:
    page = _structured()
    again = Page.from_json(page.to_json())
    assert [b.area for b in again.blocks] == [b.area for b in page.blocks] == [0, 1, 1, 2]


def test_structure_keeps_the_lines_and_replaces_only_their_grouping() -> None:
    lines = [Line("b", 0.9, (0, 40, 100, 60)), Line("a", 0.9, (0, 0, 100, 20))]
    page = Page(200, 100, [Block(lines)], meta={"k": 1})
    out = structure_page(page)
    assert [ln.text for ln in out.lines] == ["a", "b"] and out.lines[0] is lines[1]
    assert out.meta == {"k": 1} and page.text == "b\na"  # the input page is unchanged


def test_a_backend_with_its_own_layout_keeps_it() -> None:
    registry = ocrkit.get_registry()
    assert orders_its_own_layout(registry.require("tesseract").capabilities)
    assert not orders_its_own_layout(registry.require("onnx").capabilities)
