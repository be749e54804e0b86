"""One loader for every input kind: path, ``pathlib.Path``, bytes, ``PIL.Image``, numpy array.

Backends receive a :class:`PageImage`: decoded, validated pixels in their natural
mode (``L`` for grey/bilevel scans, ``RGB`` otherwise), never a decompression bomb.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from .errors import BadImageError, ImageTooLargeError

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["ImageInput", "PageImage", "load_image", "DEFAULT_MAX_PIXELS", "max_pixels_from_env"]

ImageInput = Union[str, os.PathLike, bytes, bytearray, memoryview, "PILImage.Image", np.ndarray]

#: Default pixel limit: 150 megapixels (an A3 page at 1200 dpi is ~ 90 MP).
DEFAULT_MAX_PIXELS = 150_000_000


def max_pixels_from_env() -> int:
    """The pixel limit: ``OCRKIT_MAX_IMAGE_PIXELS`` if set, else :data:`DEFAULT_MAX_PIXELS`."""
    raw = os.environ.get("OCRKIT_MAX_IMAGE_PIXELS")
    if not raw:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(raw)
    except ValueError:
        raise BadImageError(f"OCRKIT_MAX_IMAGE_PIXELS must be an integer, got {raw!r}") from None
    return value


@dataclass
class PageImage:
    """Decoded pixels handed to backends.

    ``array`` is ``uint8``, shape ``(H, W)`` for mode ``L`` or ``(H, W, 3)`` for ``RGB``,
    C-contiguous. ``path`` is set when the input was a file, so a backend may read
    the file itself (Tesseract does, for byte-identical parity with its CLI).
    """

    array: np.ndarray
    source: str | None = None
    path: Path | None = None
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


def _normalise_pil(img: PILImage.Image) -> PILImage.Image:
    """Bring any PIL mode to ``L`` or ``RGB`` (alpha composited on white)."""
    from PIL import Image

    if img.mode in ("L", "RGB"):
        return img
    if img.mode == "1":
        return img.convert("L")
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        scaled = np.zeros_like(arr) if hi <= lo else (arr - lo) * (255.0 / (hi - lo))
        return Image.fromarray(scaled.astype(np.uint8), "L")
    if img.mode in ("LA", "RGBA") and img.getchannel("A").getextrema() == (255, 255):
        return img.convert("L" if img.mode == "LA" else "RGB")  # opaque: nothing to composite
    if img.mode in ("LA", "RGBA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("L" if img.mode == "LA" else "RGB")
    return img.convert("RGB")


def _from_pil(img: PILImage.Image, max_pixels: int, what: str) -> np.ndarray:
    _check_size(img.width, img.height, max_pixels, what)
    try:
        img.load()
        img = _normalise_pil(img)
        return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))
    except (OSError, ValueError, SyntaxError) as exc:
        raise BadImageError(f"{what} cannot be decoded: {exc}") from exc


def _align_pillow_guard(max_pixels: int) -> None:
    """Let ocrkit's pixel limit govern: Pillow's own bomb guard (``MAX_IMAGE_PIXELS``,
    ~89 MP by default) would warn or fail below our limit. It is only ever raised
    to our limit, never lowered or removed, so a header is still checked before
    any pixel is decoded."""
    from PIL import Image

    current = Image.MAX_IMAGE_PIXELS
    if max_pixels and current is not None and current < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels


def _open_encoded(data: io.BytesIO | Path, what: str, max_pixels: int) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    _align_pillow_guard(max_pixels)
    try:
        with Image.open(data) as img:  # reads the header only: the size is known before decoding
            img.seek(0)
            return _from_pil(img, max_pixels, what)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(
            f"{what} is too large to decode safely ({exc}); raise the limit with "
            "ocrkit.open(..., max_image_pixels=N) or OCRKIT_MAX_IMAGE_PIXELS if you trust this image"
        ) from exc
    except UnidentifiedImageError as exc:
        raise BadImageError(f"{what} is not an image format Pillow can read") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        if isinstance(exc, BadImageError):
            raise
        raise BadImageError(f"{what} cannot be decoded (truncated or corrupt?): {exc}") from exc


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
    limit = max_pixels_from_env() if max_pixels is None else max_pixels
    if isinstance(image, (str, os.PathLike)):
        path = Path(os.fspath(image))
        if not path.is_file():
            raise BadImageError(f"image file not found: {path}")
        if path.stat().st_size == 0:
            raise BadImageError(f"image file is empty: {path}")
        return PageImage(_open_encoded(path, f"image {path}", limit), source=str(path), path=path)
    if isinstance(image, (bytes, bytearray, memoryview)):
        if len(image) == 0:
            raise BadImageError("image bytes are empty")
        return PageImage(_open_encoded(io.BytesIO(bytes(image)), "image bytes", limit), source="<bytes>")
    if isinstance(image, np.ndarray):
        return PageImage(_from_array(image, limit), source="<array>")
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency
        Image = None  # type: ignore[assignment]
    if Image is not None and isinstance(image, Image.Image):
        return PageImage(_from_pil(image, limit, "PIL image"), source="<PIL.Image>")
    raise BadImageError(
        f"unsupported image input of type {type(image).__name__}; pass a path, bytes, "
        "a PIL.Image or a numpy array"
    )
