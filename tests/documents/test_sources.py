"""Sources -> pages: selections, images, multi-page TIFFs, PDFs, and their errors."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocrkit
from ocrkit.documents import (
    DocumentError,
    DocumentWarning,
    EncryptedDocumentError,
    PageError,
    PageSelection,
    iter_source_pages,
    parse_pages,
)
from ocrkit.documents._pdf import fit_dpi

from .conftest import DATA


@pytest.mark.parametrize(
    ("spec", "count", "numbers"),
    [
        (None, 3, [1, 2, 3]),
        ("1-3,7", 9, [1, 2, 3, 7]),
        ("7, 1-2", 9, [1, 2, 7]),
        ("5-", 7, [5, 6, 7]),
        ("2,2,1", 3, [1, 2]),
        ([3, 1], 3, [1, 3]),
    ],
)
def test_parse_pages_selects_in_page_order(spec: object, count: int, numbers: list[int]) -> None:
    assert parse_pages(spec).numbers(count) == numbers  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", ["", "0", "3-1", "x", "1,,2", "-2", "1-2-3", [0], [1.5], [True]])
def test_parse_pages_refuses_bad_specs(spec: object) -> None:
    with pytest.raises(ocrkit.InvalidOptionError, match="page"):
        parse_pages(spec)  # type: ignore[arg-type]


def test_selection_past_the_end_is_an_error() -> None:
    with pytest.raises(ocrkit.InvalidOptionError, match="page 4 but x.pdf has 3 pages"):
        parse_pages("2-4").numbers(3, "x.pdf")
    assert str(PageSelection(((1, 3), (7, 7), (9, None)))) == "1-3,7,9-"


def test_an_image_is_one_page_that_keeps_its_path(tmp_path: Path) -> None:
    (page,) = iter_source_pages(DATA / "line_hello.png")
    assert (page.number, page.source, page.image.path) == (1, str(DATA / "line_hello.png"), DATA / "line_hello.png")
    (from_array,) = iter_source_pages(np.zeros((10, 20), np.uint8))
    assert (from_array.number, from_array.image.width, from_array.dpi) == (1, 20, None)
    with pytest.raises(ocrkit.InvalidOptionError, match="has 1 page"):
        list(iter_source_pages(DATA / "line_hello.png", pages="2"))


def test_multipage_tiff_gives_every_frame_in_order(three_page_tiff: Path, page_images: list[Image.Image]) -> None:
    pages = list(iter_source_pages(three_page_tiff))
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.dpi for p in pages] == [150.0] * 3
    for page, img in zip(pages, page_images, strict=True):
        assert page.image.path is None  # a backend must not re-read the file (its first frame)
        assert np.array_equal(page.image.rgb(), np.asarray(img))
    assert [p.number for p in iter_source_pages(three_page_tiff.read_bytes(), pages="2-")] == [2, 3]
    with Image.open(three_page_tiff) as img:
        assert [p.number for p in iter_source_pages(img, pages=[3])] == [3]


def test_animated_gif_warns_that_only_the_first_frame_is_read(tmp_path: Path) -> None:
    frames = [Image.new("L", (40, 20), v) for v in (0, 128, 255)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.warns(DocumentWarning, match="3 frames"):
        pages = list(iter_source_pages(path))
    assert len(pages) == 1


def test_pdf_pages_render_at_the_requested_dpi(three_page_pdf: Path, page_images: list[Image.Image]) -> None:
    pages = list(iter_source_pages(three_page_pdf, dpi=150))
    assert [(p.number, p.dpi, p.source) for p in pages] == [(n, 150.0, str(three_page_pdf)) for n in (1, 2, 3)]
    for page, img in zip(pages, page_images, strict=True):  # PDF points round up: +1 px at most
        assert 0 <= page.image.width - img.width <= 1 and 0 <= page.image.height - img.height <= 1
    (half,) = iter_source_pages(three_page_pdf.read_bytes(), dpi=75, pages="3")
    assert half.number == 3 and abs(half.image.width - page_images[2].width / 2) <= 1


def test_page_over_the_pixel_limit_renders_lower_with_a_warning(three_page_pdf: Path) -> None:
    w, h = Image.open(DATA / "page_simple.png").size
    with pytest.warns(DocumentWarning, match=r"rendered at \d+(\.\d+)? dpi"):
        (page,) = iter_source_pages(three_page_pdf, pages="1", dpi=300, max_pixels=w * h)
    assert 140 <= page.dpi < 150  # type: ignore[operator]
    assert page.image.width * page.image.height <= w * h
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ocrkit.ImageTooLargeError, match="OCRKIT_MAX_IMAGE_PIXELS"):
            list(iter_source_pages(three_page_pdf, pages="1", max_pixels=1000))


def test_fit_dpi_is_the_largest_that_fits() -> None:
    dpi = fit_dpi(612, 792, 300, 1_000_000)
    assert dpi < 300
    assert np.ceil(612 * dpi / 72) * np.ceil(792 * dpi / 72) <= 1_000_000
    assert np.ceil(612 * (dpi + 0.5) / 72) * np.ceil(792 * (dpi + 0.5) / 72) > 1_000_000
    assert fit_dpi(612, 792, 300, 0) == 300


def test_not_a_pdf_and_passwords(tmp_path: Path, encrypted_pdf: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n%%EOF\n")
    with pytest.raises(DocumentError, match="not a valid PDF"):
        list(iter_source_pages(broken))
    with pytest.raises(EncryptedDocumentError, match="is encrypted; give its password"):
        list(iter_source_pages(encrypted_pdf))
    with pytest.raises(EncryptedDocumentError, match="password given .* is wrong"):
        list(iter_source_pages(encrypted_pdf, password="nope"))
    assert [p.number for p in iter_source_pages(encrypted_pdf, password="secret", dpi=20)] == [1, 2, 3]
    assert issubclass(EncryptedDocumentError, ocrkit.BadImageError)


def test_bad_frame_is_collected_and_the_others_kept(three_page_tiff: Path) -> None:
    sizes = [Image.open(DATA / n).size for n in ("page_simple.png", "two_columns.png", "german.png")]
    limit = min(w * h for w, h in sizes)
    items = list(iter_source_pages(three_page_tiff, max_pixels=limit, errors="collect"))
    kinds = [type(i).__name__ for i in items]
    assert len(items) == 3 and "PageError" in kinds and "SourcePage" in kinds
    error = next(i for i in items if isinstance(i, PageError))
    assert isinstance(error.error, ocrkit.ImageTooLargeError) and f"{three_page_tiff} page 1" in str(error)


@pytest.mark.parametrize("kwargs", [{"dpi": 0}, {"dpi": "x"}, {"errors": "ignore"}, {"pages": "0"}])
def test_arguments_are_checked_at_the_call(kwargs: dict) -> None:
    with pytest.raises(ocrkit.InvalidOptionError):
        iter_source_pages(io.BytesIO(), **kwargs)


def test_loading_a_paged_tiff_as_one_image_warns(three_page_tiff: Path) -> None:
    """recognize() takes one image: a multi-page TIFF given to it says that the rest is left out."""
    from ocrkit.images import load_image

    with pytest.warns(DocumentWarning, match="has 3 pages; only the first is read here: use engine.read_document"):
        image = load_image(three_page_tiff)
    assert image.width == Image.open(DATA / "page_simple.png").width
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(iter_source_pages(three_page_tiff))) == 3  # read as a document: no warning
