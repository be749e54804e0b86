"""The tesseract backend on hostile input (issue 11: 1b, 2, 3, 5, 11): an ocrkit
error of one line or a result, the pixels that were checked, nothing on stderr."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import ocrkit
from ocrkit.images import load_image

from .conftest import SAMPLE, SAMPLE_FIRST_LINE, SHARED_DATASETS, run_ocrkit, run_python

pytest.importorskip("tesserocr", reason="the [tesseract] extra ships tesserocr")

import ocrkit_tesseract._model as tesseract_model
from ocrkit_tesseract._options import parse_options

SROIE = SHARED_DATASETS / "sroie-receipts" / "images"


@pytest.fixture(scope="module")
def tess() -> Iterator[ocrkit.Engine]:
    with ocrkit.open("tesseract") as engine:
        yield engine


def test_a_tiff_leptonica_rejects_is_read_from_the_checked_pixels(tess: ocrkit.Engine, hostile_dir: Path) -> None:
    """1b: tesserocr re-saved it through Pillow, which raised KeyError: 262."""
    page = tess.recognize(hostile_dir / "bad2.tif")
    assert page.text.strip() == ""  # a blank 10x10 image


def test_under_isolation_too(hostile_dir: Path) -> None:
    with ocrkit.open("tesseract", isolation="process") as engine:
        assert engine.recognize(hostile_dir / "bad2.tif").text.strip() == ""
        with pytest.raises(ocrkit.BadImageError):
            engine.recognize(hostile_dir / "bad1.tif")
        with pytest.raises(tesseract_model.TesseractImageTooLargeError):
            engine.recognize(hostile_dir / "wide.png")


def test_a_side_over_32767_is_a_clear_image_too_large_error(tess: ocrkit.Engine, hostile_dir: Path) -> None:
    """2: it was "Failed to recognize. No image set?"."""
    with pytest.raises(ocrkit.ImageTooLargeError, match="no side longer than 32767") as info:
        tess.recognize(hostile_dir / "wide.png")
    assert type(info.value).__name__ == "TesseractImageTooLargeError" and "\n" not in str(info.value)
    assert tess.recognize(SAMPLE).text.startswith(SAMPLE_FIRST_LINE)  # the engine still reads


def test_oem_zero_is_oem_zero_and_a_number_is_no_language() -> None:
    """3: `or "default"` turned 0 into 3; lang=5 was a bare TypeError."""
    assert parse_options(None, {"oem": 0}).oem == 0
    with pytest.raises(ocrkit.InvalidOptionError, match="legacy engine"):
        ocrkit.open("tesseract", oem=0)  # the packaged eng is a fast model: no legacy data
    with pytest.raises(ocrkit.InvalidOptionError, match="lang.* must be"):
        ocrkit.open("tesseract", lang=5)


def test_the_pixels_recognised_are_the_pixels_checked(tess: ocrkit.Engine, tmp_path: Path) -> None:
    """5: a file replaced between the check and the call was read anew."""
    path = tmp_path / "page.png"
    shutil.copy(SAMPLE, path)
    checked = load_image(path)
    Image.new("L", (50, 50), 255).save(path)  # replaced after the check
    assert tess.recognize(checked).text.startswith(SAMPLE_FIRST_LINE)


def test_a_gif_gets_no_leptonica_lines(tmp_path: Path) -> None:
    """11: leptonica is built without GIF and printed five lines for every GIF."""
    Image.open(SAMPLE).convert("P").save(tmp_path / "sample.gif")
    done = run_ocrkit("read", str(tmp_path / "sample.gif"))
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(SAMPLE_FIRST_LINE)


def test_a_corrupt_jpeg_gets_no_native_lines(tmp_path: Path) -> None:
    """11: libjpeg's "Corrupt JPEG data" and leptonica's read errors on stderr."""
    from io import BytesIO

    out = BytesIO()
    Image.open(SAMPLE).convert("L").save(out, "JPEG")
    data = bytearray(out.getvalue())
    data[data.find(b"\xff\xda") + 200 : data.find(b"\xff\xda") + 200] = b"\x00\x00\x00"
    (tmp_path / "corrupt.jpg").write_bytes(bytes(data))
    done = run_ocrkit("read", str(tmp_path / "corrupt.jpg"))
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.skipif(not (SROIE / "101.jpg").is_file(), reason="shared SROIE receipts not beside the repo")
def test_leptonica_box_clipping_messages_go_to_logging_not_stderr() -> None:
    """11: `Error in boxClipToRectangle` on receipt 101 (and 4 more of the 60)."""
    code = (
        "import logging, sys, ocrkit\n"
        "seen = []\n"
        "class Keep(logging.Handler):\n"
        "    def emit(self, record): seen.append(record.getMessage())\n"
        "logging.getLogger('ocrkit.tesseract').addHandler(Keep()); logging.getLogger('ocrkit.tesseract').setLevel(logging.DEBUG)\n"
        "with ocrkit.open('tesseract') as e: e.recognize(sys.argv[1])\n"
        "print(any('boxClipToRectangle' in m for m in seen))\n"
    )
    done = run_python(code, str(SROIE / "101.jpg"))
    assert done.stderr == "" and done.stdout.strip() == "True"
