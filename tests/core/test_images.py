"""The image loader: every input kind, and a clear error for every bad one."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

import ocrkit
from ocrkit import BadImageError, ImageTooLargeError, Registry
from ocrkit.images import PageImage, load_image

from .conftest import LINE_IMAGE

W, H = 566, 80


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims *width* x *height* and which has no pixel data at all."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    with Image.open(LINE_IMAGE) as img:
        return np.asarray(img.convert("L"))


# -- every input kind ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: str(LINE_IMAGE), id="str"),
        pytest.param(lambda: LINE_IMAGE, id="Path"),
        pytest.param(lambda: LINE_IMAGE.read_bytes(), id="bytes"),
        pytest.param(lambda: bytearray(LINE_IMAGE.read_bytes()), id="bytearray"),
        pytest.param(lambda: memoryview(LINE_IMAGE.read_bytes()), id="memoryview"),
        pytest.param(lambda: Image.open(LINE_IMAGE), id="PIL"),
        pytest.param(lambda: np.asarray(Image.open(LINE_IMAGE)), id="numpy-uint8"),
    ],
)
def test_every_input_kind_gives_the_same_pixels(make, reference: np.ndarray) -> None:
    page = load_image(make())
    assert isinstance(page, PageImage)
    assert page.mode == "L" and page.array.dtype == np.uint8 and page.array.flags.c_contiguous
    assert (page.width, page.height) == (W, H)
    assert np.array_equal(page.array, reference)


def test_path_input_keeps_the_path_for_backends() -> None:
    page = load_image(LINE_IMAGE)
    assert page.path == LINE_IMAGE and page.source == str(LINE_IMAGE)
    assert load_image(page) is page, "a PageImage passes through untouched"


@pytest.mark.parametrize(
    ("mode", "colour", "expected_mode", "expected_pixel"),
    [
        ("RGB", (10, 20, 30), "RGB", (10, 20, 30)),
        ("RGBA", (0, 0, 0, 0), "RGB", (255, 255, 255)),  # transparent -> white paper
        ("RGBA", (10, 20, 30, 255), "RGB", (10, 20, 30)),  # opaque alpha is just dropped
        ("RGBA", (0, 0, 0, 128), "RGB", (127, 127, 127)),  # half-transparent black on white
        ("LA", (0, 0), "L", 255),
        ("LA", (40, 255), "L", 40),
        ("1", 1, "L", 255),
        ("P", 3, "RGB", None),
        ("I;16", 4000, "L", None),
        ("CMYK", (0, 0, 0, 0), "RGB", (255, 255, 255)),
    ],
)
def test_pil_modes_are_normalised(mode: str, colour: object, expected_mode: str, expected_pixel: object) -> None:
    img = Image.new(mode, (7, 5), colour)
    page = load_image(img)
    assert page.mode == expected_mode and page.array.shape[:2] == (5, 7)
    if expected_pixel is not None:
        pixel = page.array[0, 0]
        assert (tuple(int(v) for v in pixel) if pixel.ndim else int(pixel)) == expected_pixel


@pytest.mark.parametrize(
    ("array", "shape", "pixel"),
    [
        (np.full((4, 6), 0.5, dtype=np.float32), (4, 6), 127),
        (np.full((4, 6), 200.0, dtype=np.float64), (4, 6), 200),
        (np.ones((4, 6), dtype=bool), (4, 6), 255),
        (np.full((4, 6), 300, dtype=np.int32), (4, 6), 255),
        (np.full((4, 6, 1), 9, dtype=np.uint8), (4, 6), 9),
        (np.full((4, 6, 3), 9, dtype=np.uint8), (4, 6, 3), 9),
        (np.dstack([np.zeros((4, 6, 3), np.uint8), np.zeros((4, 6), np.uint8)]), (4, 6, 3), 255),
    ],
)
def test_numpy_dtypes_and_shapes(array: np.ndarray, shape: tuple[int, ...], pixel: int) -> None:
    page = load_image(array)
    assert page.array.shape == shape and page.array.dtype == np.uint8
    assert int(page.array.flat[0]) == pixel


def test_engine_accepts_a_list_of_mixed_inputs(fake_registry: Registry, fake_store: Path) -> None:
    inputs = [LINE_IMAGE, LINE_IMAGE.read_bytes(), Image.open(LINE_IMAGE), np.zeros((10, 20), np.uint8)]
    with ocrkit.open("fake", registry=fake_registry) as engine:
        pages = engine.recognize(inputs)
        assert [p.text for p in pages] == ["page 566x80"] * 3 + ["page 20x10"]
        assert engine.recognize(()) == []


# -- bad input --------------------------------------------------------------------------------


def test_corrupt_bytes() -> None:
    with pytest.raises(BadImageError, match="not an image format"):
        load_image(b"this is not an image at all")


def test_empty_bytes_and_file(tmp_path: Path) -> None:
    with pytest.raises(BadImageError, match="empty"):
        load_image(b"")
    empty = tmp_path / "empty.png"
    empty.touch()
    with pytest.raises(BadImageError, match="empty"):
        load_image(empty)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadImageError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(BadImageError, match="not found"):
        load_image(tmp_path)  # a directory is not an image file


@pytest.mark.parametrize("keep", [0.5, 0.9], ids=["half", "most"])
def test_truncated_png(keep: float, tmp_path: Path) -> None:
    data = LINE_IMAGE.read_bytes()
    with pytest.raises(BadImageError, match="truncated"):
        load_image(data[: int(len(data) * keep)])
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(BadImageError, match=re.escape(str(cut))):
        load_image(cut)


def test_png_with_header_but_no_pixel_data() -> None:
    with pytest.raises(BadImageError, match="cannot be decoded"):
        load_image(png_header_only(40, 30))


@pytest.mark.parametrize(
    "array",
    [
        pytest.param(np.zeros((0, 10), np.uint8), id="zero-height"),
        pytest.param(np.zeros((10, 0, 3), np.uint8), id="zero-width"),
    ],
)
def test_zero_size_arrays(array: np.ndarray) -> None:
    with pytest.raises(BadImageError, match="zero size"):
        load_image(array)


def test_zero_size_pil() -> None:
    with pytest.raises(BadImageError, match="zero size"):
        load_image(Image.new("L", (0, 5)))


@pytest.mark.parametrize(
    ("array", "message"),
    [
        pytest.param(np.array([["a", "b"]]), "dtype", id="str"),
        pytest.param(np.zeros((3, 3), dtype=object), "dtype", id="object"),
        pytest.param(np.zeros((3, 3), dtype=complex), "dtype", id="complex"),
        pytest.param(np.zeros((3, 3, 2), np.uint8), "shape", id="two-channels"),
        pytest.param(np.zeros((2, 3, 3, 3), np.uint8), "shape", id="4d"),
        pytest.param(np.zeros(5, np.uint8), "shape", id="1d"),
        pytest.param(np.full((3, 3), np.nan), "NaN", id="nan"),
    ],
)
def test_wrong_dtype_or_shape(array: np.ndarray, message: str) -> None:
    with pytest.raises(BadImageError, match=message):
        load_image(array)


@pytest.mark.parametrize("value", [42, None, {"image": 1}, [1, 2]])
def test_unsupported_input_types(value: object) -> None:
    with pytest.raises(BadImageError, match="unsupported image input"):
        load_image(value)  # type: ignore[arg-type]


# -- huge images ---------------------------------------------------------------------------------


def test_decompression_bomb_header_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def never(self: object) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    bomb = png_header_only(100_000, 100_000)
    with pytest.raises(ImageTooLargeError, match="too large"):
        load_image(bomb)
    (tmp_path / "bomb.png").write_bytes(bomb)
    with pytest.raises(ImageTooLargeError):
        load_image(tmp_path / "bomb.png")


def test_pixel_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    data = png_bytes(Image.new("L", (1200, 1000), 255))
    with pytest.raises(ImageTooLargeError, match="1200x1000 = 1,200,000 pixels"):
        load_image(data, max_pixels=1_000_000)
    assert load_image(data, max_pixels=1_200_000).width == 1200
    with pytest.raises(ImageTooLargeError):
        load_image(np.zeros((1000, 1200), np.uint8), max_pixels=1_000_000)
    monkeypatch.setenv("OCRKIT_MAX_IMAGE_PIXELS", "1000000")
    with pytest.raises(ImageTooLargeError, match="OCRKIT_MAX_IMAGE_PIXELS"):
        load_image(data)
    monkeypatch.setenv("OCRKIT_MAX_IMAGE_PIXELS", "lots")
    with pytest.raises(ocrkit.InvalidOptionError, match="must be a whole number"):
        load_image(data)


def test_engine_limit_applies_before_the_backend(fake_registry: Registry, fake_store: Path, fake) -> None:
    with ocrkit.open("fake", registry=fake_registry, max_image_pixels=10_000) as engine:
        with pytest.raises(ImageTooLargeError):
            engine.recognize(LINE_IMAGE)
        assert engine.recognize(np.zeros((50, 50), np.uint8)).text == "page 50x50"
    assert fake.recognize_calls == 1


def test_raised_limit_overrides_pillows_own_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user who raises ocrkit's limit is not stopped by Pillow's smaller default."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50_000_000)
    header = png_header_only(10_000, 10_000)  # 100 MP: over Pillow's guard, under ours
    with pytest.raises(BadImageError) as info:
        load_image(header, max_pixels=200_000_000)
    assert not isinstance(info.value, ImageTooLargeError), "refused as too large instead of decoded"
    with pytest.raises(ImageTooLargeError):
        load_image(header, max_pixels=99_000_000)
