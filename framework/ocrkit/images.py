"""One loader for every input kind: path, ``pathlib.Path``, bytes, ``PIL.Image``, numpy array.

Backends receive a :class:`PageImage`: decoded, validated pixels in their natural
mode (``L`` for grey/bilevel scans, ``RGB`` otherwise), never a decompression bomb.
"""

from __future__ import annotations

import io
import math
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Union

import numpy as np

from ._decoder_noise import decoder_messages_to_log
from .errors import BadImageError, DocumentWarning, ImageTooLargeError, InvalidOptionError, OcrkitError

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = [
    "frame_count",
    "ImageInput",
    "PageImage",
    "load_image",
    "DEFAULT_MAX_PIXELS",
    "max_pixels_from_env",
    "checked_max_pixels",
]

ImageInput = Union[str, os.PathLike, bytes, bytearray, memoryview, "PILImage.Image", np.ndarray]

#: Default pixel limit: 150 megapixels (an A3 page at 1200 dpi is ~ 90 MP).
DEFAULT_MAX_PIXELS = 150_000_000


#: Rows are converted to ``L``/``RGB`` in strips of about this many pixels, so a
#: conversion never holds a second whole-image copy (see :func:`_pixels`).
STRIP_PIXELS = 1 << 18


def checked_max_pixels(value: object, what: str = "max_image_pixels") -> int:
    """*value* as a pixel limit: a non-negative integer, ``0`` meaning no limit."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidOptionError(f"{what} must be a whole number of pixels >= 0 (0 = no limit), got {value!r}")
    return value


def max_pixels_from_env() -> int:
    """The pixel limit: ``OCRKIT_MAX_IMAGE_PIXELS`` if set, else :data:`DEFAULT_MAX_PIXELS`."""
    raw = os.environ.get("OCRKIT_MAX_IMAGE_PIXELS")
    if not raw:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(raw)
    except ValueError:
        value = -1
    return checked_max_pixels(value, f"OCRKIT_MAX_IMAGE_PIXELS ({raw!r})")


@dataclass
class PageImage:
    """Decoded pixels handed to backends.

    ``array`` is ``uint8``, shape ``(H, W)`` for mode ``L`` or ``(H, W, 3)`` for ``RGB``,
    C-contiguous. ``path`` is set when the input was a file (for messages: backends
    recognise ``array``, the pixels that were checked, never the file again).
    ``dpi`` is the resolution the file declares, if any.
    """

    array: np.ndarray
    source: str | None = None
    path: Path | None = None
    dpi: float | None = None
    _pil: Any = field(default=None, repr=False)

    @property
    def width(self) -> int:
        return int(self.array.shape[1])

    @property
    def height(self) -> int:
        return int(self.array.shape[0])

    @property
    def mode(self) -> str:
        return "L" if self.array.ndim == 2 else "RGB"

    def to_pil(self) -> PILImage.Image:
        """A PIL view of the pixels (cached)."""
        if self._pil is None:
            from PIL import Image

            self._pil = Image.fromarray(self.array, self.mode)
        return self._pil

    def rgb(self) -> np.ndarray:
        """``(H, W, 3)`` RGB pixels, converting grey once if needed."""
        if self.array.ndim == 3:
            return self.array
        return np.repeat(self.array[:, :, None], 3, axis=2)

    def bgr(self) -> np.ndarray:
        """``(H, W, 3)`` BGR pixels (OpenCV order)."""
        return np.ascontiguousarray(self.rgb()[:, :, ::-1])


def _check_size(width: int, height: int, max_pixels: int, what: str) -> None:
    if width <= 0 or height <= 0:
        raise BadImageError(f"{what} has zero size ({width}x{height})")
    if max_pixels and width * height > max_pixels:
        raise ImageTooLargeError(
            f"{what} is {width}x{height} = {width * height:,} pixels, above the limit of "
            f"{max_pixels:,}; raise it with ocrkit.open(..., max_image_pixels=N) or "
            f"OCRKIT_MAX_IMAGE_PIXELS if you trust this image"
        )


_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_WIDE_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})

StripConverter = Callable[["PILImage.Image"], np.ndarray]


def frame_count(img: PILImage.Image) -> int:
    """How many frames *img* has; 1 when its frame table cannot be read (Pillow
    raises anything from ``n_frames`` on a crafted TIFF: the first frame decides)."""
    try:
        with decoder_messages_to_log():
            return max(1, int(getattr(img, "n_frames", 1)))
    except Exception:
        return 1


def _strip_converter(img: PILImage.Image) -> StripConverter:
    """How one strip of *img* becomes ``uint8`` ``L``/``RGB`` pixels: alpha composited
    on white, wide grey (16-bit, int, float) stretched to its own full range."""
    from PIL import Image

    out_mode = "L" if img.mode in _GREY_MODES else "RGB"
    if img.mode == out_mode:
        return lambda strip: np.asarray(strip, dtype=np.uint8)
    if img.mode in _WIDE_MODES:
        lo, hi = (float(v) for v in img.getextrema())  # type: ignore[arg-type]  # one band: (min, max)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise BadImageError("image has NaN or infinite sample values")
        scale = 0.0 if hi <= lo else 255.0 / (hi - lo)
        return lambda strip: ((np.asarray(strip, dtype=np.float64) - lo) * scale).astype(np.uint8)
    transparent = img.mode in ("LA", "RGBA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if transparent and img.mode in ("LA", "RGBA") and img.getchannel("A").getextrema() == (255, 255):
        transparent = False  # opaque: nothing to composite

    def convert(strip: PILImage.Image) -> np.ndarray:
        if transparent:
            rgba = strip.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            background.alpha_composite(rgba)
            strip = background
        return np.asarray(strip.convert(out_mode), dtype=np.uint8)

    return convert


def _pixels(img: PILImage.Image) -> np.ndarray:
    """*img* (any PIL mode) as a C-contiguous ``uint8`` array, converted strip by strip:
    besides Pillow's own decoded image, memory holds the result and one strip, never
    a whole-image float or byte-string copy."""
    convert = _strip_converter(img)
    width, height = img.size
    out = np.empty((height, width) if img.mode in _GREY_MODES else (height, width, 3), dtype=np.uint8)
    rows = max(1, STRIP_PIXELS // width)
    for top in range(0, height, rows):
        bottom = min(height, top + rows)
        out[top:bottom] = convert(img.crop((0, top, width, bottom)))
    return out


def _declared_dpi(img: PILImage.Image) -> float | None:
    """The vertical resolution the file declares (tesseract uses the vertical one)."""
    dpi: Any = img.info.get("dpi")
    try:
        value = float(dpi[1]) if isinstance(dpi, tuple) and len(dpi) == 2 else float(dpi)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def from_pil(img: PILImage.Image, max_pixels: int, what: str) -> tuple[np.ndarray, float | None]:
    """Pixels and declared DPI of an opened image, its size checked against *max_pixels*
    first; a decoder failure is a :class:`BadImageError` naming *what*."""
    _check_size(img.width, img.height, max_pixels, what)
    try:
        with decoder_messages_to_log():
            img.load()
            return _pixels(img), _declared_dpi(img)
    except OcrkitError:
        raise
    except MemoryError as exc:
        raise ImageTooLargeError(
            f"{what} needs more memory to decode than is available; lower its size or free memory"
        ) from exc
    except Exception as exc:  # whatever the decoder raises on these bytes is the bytes' fault
        raise BadImageError(f"{what} cannot be decoded (truncated or corrupt?): {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _align_pillow_guard(max_pixels: int) -> None:
    """Let ocrkit's pixel limit govern: Pillow's own bomb guard (``MAX_IMAGE_PIXELS``,
    ~89 MP by default) would warn or fail below our limit. It is only ever raised
    to our limit, never lowered, so a header is still checked before any pixel is
    decoded; a limit of 0 (the user's "no limit") switches it off."""
    from PIL import Image

    current = Image.MAX_IMAGE_PIXELS
    if current is not None and (max_pixels == 0 or current < max_pixels):
        Image.MAX_IMAGE_PIXELS = max_pixels or None


# Pillow's DecompressionBombWarning is made an error only inside our own header read;
# warning filters are process-wide, so the switch is serialised (a header read is short).
_open_lock = threading.Lock()


def open_header(data: BinaryIO | Path) -> PILImage.Image:
    """Open an image reading its header only (no pixel decoded yet); a decompression
    bomb warning from Pillow is raised as an error here."""
    from PIL import Image

    with _open_lock, warnings.catch_warnings(), decoder_messages_to_log():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(data)


#: Formats whose extra frames are pages of a document (read them all with
#: ``engine.read_document``); other multi-frame images are animations or icon sizes.
PAGED_FORMATS = frozenset({"TIFF"})


def warn_extra_frames(img: PILImage.Image, what: str, frames: int) -> None:
    """Say so when only the first of several pages or animation frames is read."""
    if frames <= 1:
        return
    if img.format in PAGED_FORMATS:
        message = (f"{what} has {frames} pages; only the first is read here: use engine.read_document() "
                   "or `ocrkit read` for every page")
    elif getattr(img, "is_animated", False):
        message = f"{what} has {frames} frames (an animation); only the first is read"
    else:
        return
    warnings.warn(message, DocumentWarning, stacklevel=5)


@contextmanager
def open_encoded(data: BinaryIO | Path, what: str, max_pixels: int) -> Iterator[PILImage.Image]:
    """The one Pillow open of an encoded image (a file, its bytes): the header only, so
    the size is checked before any pixel is decoded. Whatever the block raises while
    decoding it is translated too: a bomb -> :class:`ImageTooLargeError`, anything a
    crafted header makes a parser raise -> :class:`BadImageError`, one line naming *what*."""
    from PIL import Image, UnidentifiedImageError

    _align_pillow_guard(max_pixels)
    try:
        with open_header(data) as img:
            yield img
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(
            f"{what} is too large to decode safely ({exc}); raise the limit with "
            "ocrkit.open(..., max_image_pixels=N) or OCRKIT_MAX_IMAGE_PIXELS if you trust this image"
        ) from exc
    except UnidentifiedImageError as exc:
        raise BadImageError(f"{what} is not an image format Pillow can read") from exc
    except OcrkitError:
        raise
    except Exception as exc:  # a crafted header can make any parser raise anything
        raise BadImageError(f"{what} cannot be decoded (truncated or corrupt?): {_one_line(exc)}") from exc


def decode_frame(img: PILImage.Image, number: int, max_pixels: int, what: str) -> tuple[np.ndarray, float | None]:
    """Frame *number* (1-based) of an opened image as checked pixels and its declared DPI."""
    try:
        with decoder_messages_to_log():  # a crafted frame table warns (or raises) on seeking
            img.seek(number - 1)
    except Exception as exc:
        raise BadImageError(f"{what} cannot be decoded (truncated or corrupt?): {_one_line(exc)}") from None
    return from_pil(img, max_pixels, what)


def _decode_first_frame(data: BinaryIO | Path, what: str, max_pixels: int) -> tuple[np.ndarray, float | None]:
    with open_encoded(data, what, max_pixels) as img:
        warn_extra_frames(img, what, frame_count(img))
        return decode_frame(img, 1, max_pixels, what)


def _from_array(arr: np.ndarray, max_pixels: int) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise BadImageError(
            f"numpy image must have shape (H, W), (H, W, 3) or (H, W, 4); got {arr.shape}"
        )
    _check_size(int(arr.shape[1]), int(arr.shape[0]), max_pixels, "numpy image")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * 255
    elif arr.dtype != np.uint8:
        if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
            raise BadImageError(
                f"numpy image must have an integer, float or bool dtype, got {arr.dtype}"
            )
        if np.issubdtype(arr.dtype, np.floating):
            if not np.isfinite(arr).all():
                raise BadImageError("numpy image contains NaN or infinity")
            scale = 255.0 if float(arr.max(initial=0.0)) <= 1.0 else 1.0
            arr = np.clip(arr * scale, 0, 255).astype(np.uint8)
        else:
            arr = np.clip(arr, 0, 255).astype(np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 4:
        alpha = arr[:, :, 3:4].astype(np.float32) / 255.0
        arr = (arr[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return np.ascontiguousarray(arr)


def load_image(image: ImageInput | PageImage, max_pixels: int | None = None) -> PageImage:
    """Decode and validate *image*; raise :class:`BadImageError` / :class:`ImageTooLargeError`."""
    if isinstance(image, PageImage):
        return image
    limit = max_pixels_from_env() if max_pixels is None else checked_max_pixels(max_pixels)
    if isinstance(image, (str, os.PathLike)):
        path = Path(os.fspath(image))
        if not path.is_file():
            raise BadImageError(f"image file not found: {path}")
        if path.stat().st_size == 0:
            raise BadImageError(f"image file is empty: {path}")
        array, dpi = _decode_first_frame(path, f"image {path}", limit)
        return PageImage(array, source=str(path), path=path, dpi=dpi)
    if isinstance(image, (bytes, bytearray, memoryview)):
        if len(image) == 0:
            raise BadImageError("image bytes are empty")
        array, dpi = _decode_first_frame(io.BytesIO(bytes(image)), "image bytes", limit)
        return PageImage(array, source="<bytes>", dpi=dpi)
    if isinstance(image, np.ndarray):
        return PageImage(_from_array(image, limit), source="<array>")
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency
        Image = None  # type: ignore[assignment]
    if Image is not None and isinstance(image, Image.Image):
        array, dpi = from_pil(image, limit, "PIL image")
        return PageImage(array, source="<PIL.Image>", dpi=dpi)
    raise BadImageError(
        f"unsupported image input of type {type(image).__name__}; pass a path, bytes, "
        "a PIL.Image or a numpy array"
    )
