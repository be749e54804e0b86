"""Issue 21, items 13 and 14 (writers): what a file name or a backend's word holds
cannot change the structure of an output.

- hOCR: a file named ``x; bbox 0 0 9 9; scan_res 1 1; ppageno 41.png`` made
  OCRmyPDF's hOCR parser read the page box, number and DPI from the name.
- TSV: a word with ``\\x1c``, ``\\u2028``, ``\\f`` ... split its row for ``str.splitlines()``.
- text: a ``\\f`` in a page's text faked a page break.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ocrkit import formats
from ocrkit.results import Block, Line, Page, Word

#: Everything str.splitlines() breaks at, besides "\n".
LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
FAKE_TITLE_NAME = "x; bbox 0 0 9 9; scan_res 1 1; ppageno 41.png"


def _page(text: str, source: str | None = None) -> Page:
    word = Word(text, 0.9, (10, 10, 90, 30))
    line = Line(text, 0.9, (10, 10, 90, 30), words=[word])
    return Page(text=text + "\n", width=200, height=100, blocks=[Block(lines=[line], bbox=(10, 10, 90, 30))],
                source=source, dpi=300)


def test_the_hocr_page_title_keeps_its_own_box_whatever_the_file_name(tmp_path: Path) -> None:
    pytest.importorskip("ocrmypdf")
    from ocrmypdf.hocrtransform.hocr_parser import HocrParser

    for name in (FAKE_TITLE_NAME, 'quote" bbox 1 2 3 4.png', "x bbox 0 0 9 9 ppageno 41 scan_res 1 1.png"):
        path = tmp_path / "page.hocr"
        path.write_text(formats.render(_page("word", name), "hocr"), encoding="utf-8")
        page = HocrParser(path).parse()
        box = page.bbox
        assert (box.left, box.top, box.right, box.bottom) == (0, 0, 200, 100), name
        assert page.page_number == 0 and page.dpi == 300, name


def test_the_hocr_title_splits_into_the_real_properties_only() -> None:
    """hocr-tools and others split the title at ';': the name stays one property."""
    hocr = formats.render(_page("word", FAKE_TITLE_NAME), "hocr")
    title = ET.fromstring(hocr).find(".//{http://www.w3.org/1999/xhtml}div").get("title")  # type: ignore[union-attr]
    keys = [part.strip().split(" ")[0] for part in title.split(";")]
    assert keys == ["bbox", "ppageno", "scan_res", "image"]


@pytest.mark.parametrize("char", list(LINE_BREAKS + "\t\n"))
def test_a_tsv_row_never_splits(char: str) -> None:
    tsv = formats.render(_page(f"a{char}b"), "tsv")
    rows = tsv.splitlines()
    assert len(rows) == 1 + 5 and all(len(row.split("\t")) == 12 for row in rows), repr(tsv)
    assert rows[-1].endswith("\ta b")


@pytest.mark.parametrize("char", list(LINE_BREAKS))
def test_text_output_has_a_form_feed_only_between_pages(char: str) -> None:
    text = formats.render([_page(f"one{char}two"), _page("three")], "text")
    assert text.count("\f") == 1 and text.split("\f")[0] == "one\ntwo\n"
    plain = text.replace("\f", "")
    assert plain.splitlines() == plain.split("\n")[:-1]  # no line break but "\n" (and the page break)
