"""The core loader on hostile bytes (issue 11: 1a, 10, 11, 12): every failure an
ocrkit error of one line, memory bounded by the decoded image, limits that mean
what they say."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocrkit
from ocrkit.images import load_image

from .conftest import run_python, strip_offsets_as_ascii_tiff


def test_a_tiff_that_makes_pillow_raise_typeerror_is_a_bad_image(hostile_dir: Path) -> None:
    for source in (hostile_dir / "bad1.tif", strip_offsets_as_ascii_tiff()):
        with pytest.raises(ocrkit.BadImageError, match="cannot be decoded") as info:
            load_image(source)
        assert "\n" not in str(info.value)


def test_a_pil_image_that_fails_to_load_is_a_bad_image() -> None:
    with pytest.raises(ocrkit.BadImageError):
        load_image(Image.open(io.BytesIO(strip_offsets_as_ascii_tiff())))


def test_between_the_limit_and_twice_it_no_decompression_bomb_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pillow warned (two lines) before our error for 150-300 MP (its guard raised to
    our limit); now only the error. Scaled down: Pillow's guard 1 MP, ours 1.5 MP."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    path = tmp_path / "big.png"
    Image.new("1", (2000, 1000)).save(path)  # 2 MP, tiny file
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with pytest.raises(ocrkit.ImageTooLargeError, match="above the limit|too large"):
            load_image(path, max_pixels=1_500_000)
    assert [str(w.message) for w in shown] == []


def test_the_bomb_warning_in_a_fresh_process_prints_nothing(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("1", (2000, 1000)).save(path)
    done = run_python(
        "import sys, ocrkit\nfrom PIL import Image\nfrom ocrkit.images import load_image\n"
        "Image.MAX_IMAGE_PIXELS = 1_000_000\n"
        "try: load_image(sys.argv[1], max_pixels=1_500_000)\n"
        "except ocrkit.ImageTooLargeError: print('refused')\n",
        str(path),
    )
    assert done.stdout.strip() == "refused" and done.stderr == ""


def test_pixel_limit_minus_one_is_refused_and_zero_disables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCRKIT_MAX_IMAGE_PIXELS", "-1")
    with pytest.raises(ocrkit.InvalidOptionError, match=">= 0"):
        load_image(np.zeros((5, 5), np.uint8))
    monkeypatch.delenv("OCRKIT_MAX_IMAGE_PIXELS")
    with pytest.raises(ocrkit.InvalidOptionError):
        load_image(np.zeros((5, 5), np.uint8), max_pixels=-1)
    # 0 = no limit, also for Pillow's own guard (which refuses above twice its limit).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    data = io.BytesIO()
    Image.new("L", (100, 100), 255).save(data, "PNG")
    assert load_image(data.getvalue(), max_pixels=0).width == 100


def test_a_negative_engine_limit_is_refused() -> None:
    with pytest.raises(ocrkit.InvalidOptionError):
        ocrkit.open("tesseract", max_image_pixels=-5, lazy=True)


def test_the_file_resolution_is_kept(tmp_path: Path) -> None:
    Image.new("L", (20, 20), 255).save(tmp_path / "a.png", dpi=(300, 300))
    assert round(load_image(tmp_path / "a.png").dpi) == 300
    assert load_image(np.zeros((4, 4), np.uint8)).dpi is None


_PEAK = """
import sys
from PIL import Image
import ocrkit.images as images
def high_water():  # this address space's peak RSS (ru_maxrss would carry the parent's over exec)
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM:"))
image = Image.open(sys.argv[1]); stored = {"I;16": 2, "RGB": 4, "L": 1}[image.mode]; image.close()
before = high_water()
page = images.load_image(sys.argv[1], max_pixels=0)
pixels = page.width * page.height
print((high_water() - before - stored * pixels) / pixels)
"""


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="peak RSS read from /proc (Linux)")
@pytest.mark.parametrize("kind", ["I;16", "RGB"])
def test_decoding_costs_at_most_4_bytes_a_pixel_above_the_decoded_image(tmp_path: Path, kind: str) -> None:
    """Issue 11, 10: a 16-bit PNG cost two float64 copies (18 B/px above Pillow's
    image), RGB a whole byte-string copy on top of the array (6 B/px)."""
    side = 3000
    ramp = (np.arange(side, dtype=np.uint32)[None, :] * 7).repeat(side, 0)
    if kind == "I;16":
        image = Image.fromarray((ramp % 65536).astype(np.uint16))
    else:
        image = Image.fromarray(np.dstack([(ramp % 256).astype(np.uint8)] * 3), "RGB")
    path = tmp_path / "big.png"
    image.save(path, compress_level=1)
    done = run_python(_PEAK, str(path))
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) <= 4.0, f"{kind}: {float(done.stdout):.2f} bytes a pixel above Pillow's decoded image"


def test_wide_modes_still_stretch_to_the_full_range() -> None:
    image = Image.fromarray(np.array([[1000, 3000], [2000, 1000]], dtype=np.uint16))
    assert load_image(image).array.tolist() == [[0, 255], [127, 0]]
