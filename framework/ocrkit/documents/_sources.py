"""Any source -> a stream of pages: an image is one page, a multi-page TIFF one page a
frame, a PDF one rendered page a page. Pages are produced one at a time (a generator),
so a long document never sits in memory whole."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._decoder_noise import decoder_messages_to_log
from ..errors import BadImageError, InvalidOptionError, OcrkitError
from ..images import (
    PAGED_FORMATS,
    PageImage,
    _align_pillow_guard,
    _from_pil,
    _open_header,
    frame_count,
    load_image,
    max_pixels_from_env,
)
from ._document import PageError
from ._pdf import PdfSource, is_pdf
from ._selection import PageSelection, parse_pages

__all__ = ["SourcePage", "iter_source_pages", "source_name", "check_dpi", "check_errors", "ERROR_MODES"]

DEFAULT_DPI = 300.0
ERROR_MODES = ("raise", "collect")


@dataclass
class SourcePage:
    """One page of a source, decoded: ``number`` is 1-based as in the file, ``dpi`` the
    resolution it was rendered at (PDF) or declares (image files; ``None`` if it does not)."""

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
    try:
        value = float(dpi)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value <= 0 or isinstance(dpi, bool):
        raise InvalidOptionError(f"dpi must be a positive number (e.g. 300), got {dpi!r}")
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
    return _pages(source, name or source_name(source), selection, dpi, password, limit, errors == "collect")


def _pages(
    source: Any, name: str, selection: PageSelection, dpi: float, password: str | None, limit: int, collect: bool
) -> Iterator[SourcePage | PageError]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(os.fspath(source))
        head = _head(path)
        if is_pdf(head):
            yield from _pdf_pages(path, name, f"PDF {path}", selection, dpi, password, limit, collect)
            return
        yield from _image_pages(path, name, f"image {path}", selection, limit, collect)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if is_pdf(data):
            yield from _pdf_pages(data, name, "PDF bytes", selection, dpi, password, limit, collect)
            return
        yield from _image_pages(data, name, "image bytes", selection, limit, collect)
    elif isinstance(source, (np.ndarray, PageImage)):
        selection.numbers(1, name)
        image = load_image(source, limit)
        yield SourcePage(1, image, image.dpi, name, 1)
    else:
        yield from _pil_pages(source, name, "PIL image", selection, limit, collect)


def _head(path: Path) -> bytes:
    if not path.is_file():
        raise BadImageError(f"image file not found: {path}")
    try:
        with path.open("rb") as f:
            return f.read(1024)
    except OSError as exc:
        raise BadImageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _pdf_pages(
    data: Path | bytes, name: str, what: str, selection: PageSelection, dpi: float,
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
    data: Path | bytes, name: str, what: str, selection: PageSelection, limit: int, collect: bool
) -> Iterator[SourcePage | PageError]:
    """A single-frame image goes through :func:`load_image` (so a backend may read the
    file itself); only a paged TIFF is opened here, frame by frame."""

    _align_pillow_guard(limit)
    try:
        opened = _open_header(data if isinstance(data, Path) else io.BytesIO(data))
    except Exception:  # not an image Pillow knows: load_image gives the precise error
        opened = None
    frames = frame_count(opened) if opened is not None else 1
    if opened is None or frames <= 1 or opened.format not in PAGED_FORMATS:
        if opened is not None:
            opened.close()
        selection.numbers(1, what)
        image = load_image(data, limit)
        yield SourcePage(1, image, image.dpi, name, 1)
        return
    with opened:
        yield from _frames(opened, name, what, selection, limit, collect)


def _pil_pages(
    img: Any, name: str, what: str, selection: PageSelection, limit: int, collect: bool
) -> Iterator[SourcePage | PageError]:
    frames = frame_count(img) if hasattr(img, "n_frames") else 1
    if frames > 1 and getattr(img, "format", None) in PAGED_FORMATS:
        yield from _frames(img, name, what, selection, limit, collect)
        return
    selection.numbers(1, what)
    image = load_image(img, limit)
    yield SourcePage(1, image, image.dpi, name, 1)


def _frames(
    img: Any, name: str, what: str, selection: PageSelection, limit: int, collect: bool
) -> Iterator[SourcePage | PageError]:
    count = frame_count(img)
    for number in selection.numbers(count, what):
        try:
            try:
                with decoder_messages_to_log():
                    img.seek(number - 1)
            except Exception as exc:
                raise BadImageError(f"{what} page {number} cannot be decoded: {exc}") from None
            pixels, frame_dpi = _from_pil(img, limit, f"{what} page {number}")
        except OcrkitError as exc:
            if not collect:
                raise
            yield PageError(number, name, exc)
            continue
        yield SourcePage(number, PageImage(pixels, source=name, dpi=frame_dpi), frame_dpi, name, count)
