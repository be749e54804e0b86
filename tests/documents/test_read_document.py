"""engine.read_document / recognize_document on every real backend, in process and
isolated: page numbers, DPI, sources, streaming order, and per-page errors."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

import ocrkit
from ocrkit import formats
from ocrkit.documents import Document, PageError

from .conftest import DATA


def _words(text: str) -> set[str]:
    """Longer words, lower case, accents dropped (the default eng model reads "München" as "Munchen")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return {w.strip(".,:").lower() for w in plain.split() if len(w) > 3}


@pytest.mark.parametrize("backend", ["tesseract", "onnx"])
def test_pdf_pages_read_in_order_with_numbers_and_dpi(
    engines: dict[str, ocrkit.Engine], three_page_pdf: Path, truth: dict[str, str], backend: str
) -> None:
    pages = list(engines[backend].read_document(three_page_pdf, dpi=150, pages="1,3", batch=1))
    assert [(p.page_number, p.dpi, p.source, p.backend) for p in pages] == [
        (1, 150.0, str(three_page_pdf), backend),
        (3, 150.0, str(three_page_pdf), backend),
    ]
    assert len(_words(pages[0].text) & _words(truth["page_simple.png"])) >= 8
    assert len(_words(pages[1].text) & _words(truth["german.png"])) >= 3
    assert all(0 <= w.bbox[2] <= p.width and 0 <= w.bbox[3] <= p.height for p in pages for w in p.words)


def test_isolated_engine_reads_documents_rendered_in_the_caller(three_page_tiff: Path, truth: dict[str, str]) -> None:
    with ocrkit.open("tesseract", isolation="process") as ocr:
        document = ocr.recognize_document(three_page_tiff)
    assert isinstance(document, Document) and document.source == str(three_page_tiff)
    assert [(p.page_number, p.dpi) for p in document.pages] == [(1, 150.0), (2, 150.0), (3, 150.0)]
    assert document.errors == []
    assert len(_words(document.pages[1].text) & _words(truth["two_columns.png"])) >= 8
    assert document.text.count("\f") == 2 and formats.render(document.pages, "text").startswith(document.text)


def test_collect_keeps_the_other_pages(tesseract: ocrkit.Engine, three_page_tiff: Path) -> None:
    limited = ocrkit.open("tesseract", max_image_pixels=1000 * 260)  # german.png (page 3) alone fits
    try:
        items = list(limited.read_document(three_page_tiff, errors="collect"))
        with pytest.raises(ocrkit.ImageTooLargeError):
            limited.recognize_document(three_page_tiff)
    finally:
        limited.free_resources()
    assert [type(i) for i in items] == [PageError, PageError, ocrkit.Page]
    assert [i.page_number for i in items] == [1, 2, 3]
    assert "Munchen" in items[2].text  # type: ignore[union-attr]


def test_an_image_file_is_a_one_page_document(tesseract: ocrkit.Engine) -> None:
    direct = tesseract.recognize(DATA / "line_hello.png")
    (page,) = tesseract.read_document(DATA / "line_hello.png")
    assert page.page_number == 1 and page.text == direct.text  # the file path still reaches tesseract


def test_early_stop_and_freed_engine(three_page_pdf: Path) -> None:
    ocr = ocrkit.open("tesseract")
    stream = ocr.read_document(three_page_pdf, dpi=100, batch=1)
    first = next(stream)
    stream.close()  # the render thread stops; nothing is left running
    assert first.page_number == 1
    ocr.free_resources()
    with pytest.raises(ocrkit.ResourcesFreedError):
        ocr.read_document(three_page_pdf)


def test_page_json_keeps_page_number_and_dpi(tesseract: ocrkit.Engine, three_page_pdf: Path) -> None:
    (page,) = tesseract.read_document(three_page_pdf, pages="2", dpi=72)
    data = page.to_dict()
    assert (data["page"], data["dpi"]) == (2, 72.0)
    again = ocrkit.Page.from_json(page.to_json())
    assert (again.page_number, again.dpi) == (2, 72.0) and again.to_dict() == data
    assert formats.render([page], "json") == page.to_json() + "\n"
    assert formats.render([page, again], "json").lstrip().startswith("[")


def test_formats_table_and_unknown_format() -> None:
    assert formats.FORMATS == ("text", "json", "hocr", "alto", "tsv")
    assert formats.extension("hocr") == ".hocr" and formats.media_type("json") == "application/json"
    with pytest.raises(ocrkit.OcrkitError, match="unknown output format 'pdf'; use one of text, json, hocr"):
        formats.render([], "pdf")
