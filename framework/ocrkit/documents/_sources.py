"""Any source -> a stream of pages: an image is one page, a multi-page TIFF one page a
frame, a PDF one rendered page a page. Pages are produced one at a time (a generator),
so a long document never sits in memory whole.

:func:`_pages` is the one place that decides what a source is: a PDF (by its first
bytes), a paged image (opened once by Pillow; its frames counted once), or one image
(decoded from that same open; arrays and :class:`PageImage` go to :func:`load_image`).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..errors import BadImageError, InvalidOptionError, OcrkitError
from ..images import (
    PAGED_FORMATS,
    PageImage,
    decode_frame,
    frame_count,
    load_image,
    max_pixels_from_env,
    open_encoded,
    warn_extra_frames,
)
from ._document import PageError
from ._pdf import PdfSource, is_pdf
from ._selection import PageSelection, parse_pages

__all__ = [
    "SourcePage", "iter_source_pages", "source_name", "check_dpi", "check_errors", "ERROR_MODES",
    "DEFAULT_DPI", "MIN_DPI", "MAX_DPI",
]

#: The resolution PDF pages are rendered at unless a caller asks for another (the one place it is written).
DEFAULT_DPI = 300.0
#: The resolutions a caller may ask for (the command, the server, the library alike): below
#: MIN_DPI text is a few pixels high, above MAX_DPI a page is hundreds of megapixels.
MIN_DPI = 10.0
MAX_DPI = 2400.0
ERROR_MODES = ("raise", "collect")
#: How many first bytes tell a PDF from an image.
_HEAD_BYTES = 1024


@dataclass
class SourcePage:
    """One page of a source, decoded: ``number`` is 1-based as in the file, ``dpi`` the
    resolution it was rendered at (PDF) or declares (image files; ``None`` if it does not),
    ``page_count`` how many pages the source has."""

    number: int
    image: PageImage
    dpi: float | None
    source: str | None
    page_count: int | None = None


def source_name(source: Any) -> str:
    """How a source is named in results and messages."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if isinstance(source, np.ndarray):
        return "<array>"
    if isinstance(source, PageImage):
        return source.source or "<image>"
    return "<PIL.Image>"


def check_dpi(dpi: float) -> float:
    """*dpi* as a float within [MIN_DPI, MAX_DPI], or a one-line error."""
    try:
        value = float(dpi)
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if isinstance(dpi, bool) or not MIN_DPI <= value <= MAX_DPI:  # NaN fails every comparison
        shown = repr(dpi) if len(repr(dpi)) <= 40 else repr(dpi)[:37] + "..."
        raise InvalidOptionError(f"dpi must be a number from {MIN_DPI:g} to {MAX_DPI:g} (e.g. 300), got {shown}")
    return value


def check_errors(errors: str) -> str:
    if errors not in ERROR_MODES:
        raise InvalidOptionError(f"errors must be one of {', '.join(ERROR_MODES)}, got {errors!r}")
    return errors


def iter_source_pages(
    source: Any,
    *,
    pages: Any = None,
    dpi: float = DEFAULT_DPI,
    password: str | None = None,
    max_pixels: int | None = None,
    errors: str = "raise",
    name: str | None = None,
) -> Iterator[SourcePage | PageError]:
    """The pages of *source* (a path, bytes, a PIL image, a numpy array), in page order.

    *pages* selects pages (``"1-3,7"``, a list of numbers; all by default), *dpi* is the
    PDF rendering resolution, *password* opens an encrypted PDF, *max_pixels* bounds each
    page (default ``OCRKIT_MAX_IMAGE_PIXELS``). A document that cannot be opened raises
    (:class:`DocumentError`, :class:`EncryptedDocumentError`, :class:`BadImageError`);
    a page that cannot be decoded raises too, or with ``errors="collect"`` is yielded as
    a :class:`PageError` and the next page follows. *name* replaces the source's name
    in results and messages (``"<stdin>"``). Arguments are checked at the call.
    """
    selection = parse_pages(pages)
    dpi = check_dpi(dpi)
    check_errors(errors)
    limit = max_pixels_from_env() if max_pixels is None else max_pixels
    return source_pages(source, name or source_name(source), selection, dpi, password, limit, errors == "collect")


def _uncounted(count: int) -> None:
    pass


def source_pages(
    source: Any, name: str, selection: PageSelection, dpi: float, password: str | None, limit: int, collect: bool,
    counted: Callable[[int], None] = _uncounted,
) -> Iterator[SourcePage | PageError]:
    """:func:`iter_source_pages` with its arguments checked; *counted* is told how many
    pages the selection takes from the source as soon as that is known (for progress)."""
    return _pages(source, name, _Selected(selection, counted), dpi, password, limit, collect)


class _Selected:
    """A page selection that reports how many pages it took from a document."""

    def __init__(self, selection: PageSelection, counted: Callable[[int], None]) -> None:
        self._selection = selection
        self._counted = counted

    def numbers(self, count: int, what: str) -> list[int]:
        numbers = self._selection.numbers(count, what)
        self._counted(len(numbers))
        return numbers


def _pages(
    source: Any, name: str, selection: _Selected, dpi: float, password: str | None, limit: int, collect: bool
) -> Iterator[SourcePage | PageError]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(os.fspath(source))
        with _open_file(path) as file:
            head = file.read(_HEAD_BYTES)
            if not head:
                raise BadImageError(f"image file is empty: {path}")
            if is_pdf(head):
                file.close()  # pdfium opens the file by its path
                yield from _pdf_pages(path, name, f"PDF {path}", selection, dpi, password, limit, collect)
                return
            file.seek(0)
            yield from _image_pages(file, name, f"image {path}", selection, limit, collect, path)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise BadImageError("image bytes are empty")
        if is_pdf(data[:_HEAD_BYTES]):
            yield from _pdf_pages(data, name, "PDF bytes", selection, dpi, password, limit, collect)
            return
        yield from _image_pages(io.BytesIO(data), name, "image bytes", selection, limit, collect)
    elif isinstance(source, (np.ndarray, PageImage)):
        selection.numbers(1, name)
        image = load_image(source, limit)
        yield SourcePage(1, image, image.dpi, name, 1)
    else:
        yield from _pil_pages(source, name, "PIL image", selection, limit, collect)


def _open_file(path: Path) -> BinaryIO:
    if not path.is_file():
        raise BadImageError(f"image file not found: {path}")
    try:
        return path.open("rb")
    except OSError as exc:
        raise BadImageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _pdf_pages(
    data: Path | bytes, name: str, what: str, selection: _Selected, dpi: float,
    password: str | None, limit: int, collect: bool,
) -> Iterator[SourcePage | PageError]:
    with PdfSource(data, what, password) as pdf:
        for number in selection.numbers(pdf.page_count, what):
            try:
                pixels, used = pdf.render(number, dpi, limit)
            except OcrkitError as exc:
                if not collect:
                    raise
                yield PageError(number, name, exc)
                continue
            yield SourcePage(number, PageImage(pixels, source=name, dpi=used), used, name, pdf.page_count)


def _image_pages(
    data: BinaryIO, name: str, what: str, selection: _Selected, limit: int, collect: bool, path: Path | None = None
) -> Iterator[SourcePage | PageError]:
    """An encoded image, opened once: a paged TIFF frame by frame, anything else its first frame."""
    with open_encoded(data, what, limit) as img:
        yield from _pil_pages(img, name, what, selection, limit, collect, path)


def _pil_pages(
    img: Any, name: str, what: str, selection: _Selected, limit: int, collect: bool, path: Path | None = None
) -> Iterator[SourcePage | PageError]:
    from PIL import Image

    if not isinstance(img, Image.Image):  # not a kind of source at all: load_image names the kinds
        load_image(img, limit)
    frames = frame_count(img)
    if frames > 1 and img.format in PAGED_FORMATS:
        yield from _frames(img, name, what, frames, selection, limit, collect)
        return
    selection.numbers(1, what)
    warn_extra_frames(img, what, frames)
    pixels, dpi = decode_frame(img, 1, limit, what)
    yield SourcePage(1, PageImage(pixels, source=name, path=path, dpi=dpi), dpi, name, 1)


def _frames(
    img: Any, name: str, what: str, count: int, selection: _Selected, limit: int, collect: bool
) -> Iterator[SourcePage | PageError]:
    for number in selection.numbers(count, what):
        try:
            pixels, frame_dpi = decode_frame(img, number, limit, f"{what} page {number}")
        except OcrkitError as exc:
            if not collect:
                raise
            yield PageError(number, name, exc)
            continue
        yield SourcePage(number, PageImage(pixels, source=name, dpi=frame_dpi), frame_dpi, name, count)
