"""PDF pages rendered with pypdfium2, every PDFium call under one lock.

PDFium is not thread-safe (not even across documents), so the lock is global;
rendering is a small part of a page's time next to recognition, which stays
parallel. Pages are rendered one at a time, at the requested DPI or at the
highest DPI under the pixel limit, so neither a 500-page file nor a
35000 x 35000 px page can exhaust memory.
"""

from __future__ import annotations

import math
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DocumentError, DocumentWarning, EncryptedDocumentError, ImageTooLargeError

__all__ = ["PDFIUM_LOCK", "MIN_FALLBACK_DPI", "is_pdf", "PdfSource"]

#: Serialises every PDFium call in this process.
PDFIUM_LOCK = threading.RLock()
#: A page too large at the requested DPI is rendered lower, but not below this
#: (or the requested DPI if lower): under it, text is too small to read anyway.
MIN_FALLBACK_DPI = 50.0
#: PDFium's error code for a missing or wrong password (FPDF_ERR_PASSWORD).
_ERR_PASSWORD = 4
#: Pages rendered between two reopenings of a document (see ``PdfSource._refresh``).
REOPEN_EVERY = 16
_PDF_MAGIC = b"%PDF-"


def is_pdf(head: bytes) -> bool:
    """True for the first bytes of a PDF (the header may follow some junk, as readers allow)."""
    return _PDF_MAGIC in head[:1024]


def _pdfium() -> Any:
    import pypdfium2

    return pypdfium2


def fit_dpi(width_pt: float, height_pt: float, dpi: float, max_pixels: int) -> float:
    """The highest DPI <= *dpi* at which a *width_pt* x *height_pt* page stays within
    *max_pixels* (0 = no limit)."""

    def pixels(d: float) -> int:
        return math.ceil(width_pt * d / 72) * math.ceil(height_pt * d / 72)

    if not max_pixels or pixels(dpi) <= max_pixels:
        return dpi
    fitted = dpi * math.sqrt(max_pixels / pixels(dpi))
    fitted = math.floor(fitted * 100) / 100
    step = max(0.01, fitted / 2000)  # the estimate is off by the rounding up of each side only
    while fitted > 0 and pixels(fitted) > max_pixels:
        fitted = round(fitted - step, 2)
    return fitted


class PdfSource:
    """One open PDF (a path or bytes); close it, or use it as a context manager."""

    def __init__(self, data: Path | bytes, what: str, password: str | None) -> None:
        self.what = what
        self._source = (str(data) if isinstance(data, Path) else data, password)
        self._rendered = 0
        self._doc = self._open()
        self.page_count = len(self._doc)

    def _open(self) -> Any:
        pdfium = _pdfium()
        data, password = self._source
        what = self.what
        with PDFIUM_LOCK:
            try:
                return pdfium.PdfDocument(data, password=password)
            except pdfium.PdfiumError as exc:
                if getattr(exc, "err_code", None) == _ERR_PASSWORD:
                    if password is None:
                        raise EncryptedDocumentError(
                            f"{what} is encrypted; give its password (password=... in Python, --password on the command line)"
                        ) from None
                    raise EncryptedDocumentError(f"the password given for {what} is wrong; check it and try again") from None
                raise DocumentError(f"{what} is not a valid PDF ({exc}); check that the file is complete") from None

    def _refresh(self) -> None:
        """Reopen every :data:`REOPEN_EVERY` pages: PDFium caches decoded images and fonts
        per document until it is closed, which would grow with a long document."""
        self._rendered += 1
        if self._rendered % REOPEN_EVERY:
            return
        self.close()
        self._doc = self._open()
        if len(self._doc) != self.page_count:
            raise DocumentError(f"{self.what} changed while it was being read; read it again")

    def close(self) -> None:
        with PDFIUM_LOCK:
            self._doc.close()

    def __enter__(self) -> PdfSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def render(self, number: int, dpi: float, max_pixels: int) -> tuple[np.ndarray, float]:
        """Page *number* (1-based) as RGB pixels and the DPI it was rendered at."""
        pdfium = _pdfium()
        self._refresh()
        where = f"{self.what} page {number}"
        with PDFIUM_LOCK:
            try:
                page = self._doc[number - 1]
            except pdfium.PdfiumError as exc:
                raise DocumentError(f"{where} cannot be loaded ({exc}); the file may be damaged") from None
            try:
                width_pt, height_pt = page.get_size()  # as displayed: /Rotate already applied
                if width_pt <= 0 or height_pt <= 0:
                    raise DocumentError(f"{where} has zero size ({width_pt} x {height_pt} pt)")
                used = fit_dpi(width_pt, height_pt, dpi, max_pixels)
                if used < min(dpi, MIN_FALLBACK_DPI):
                    raise ImageTooLargeError(
                        f"{where} is {width_pt / 72:.0f} x {height_pt / 72:.0f} in: at {dpi:g} dpi it is above "
                        f"the limit of {max_pixels:,} pixels, and even {min(dpi, MIN_FALLBACK_DPI):g} dpi would be; "
                        "raise OCRKIT_MAX_IMAGE_PIXELS (or max_image_pixels=) if you trust this file"
                    )
                if used < dpi:
                    warnings.warn(
                        f"{where} would be above the limit of {max_pixels:,} pixels at {dpi:g} dpi; "
                        f"rendered at {used:g} dpi instead (raise OCRKIT_MAX_IMAGE_PIXELS for more)",
                        DocumentWarning,
                        stacklevel=2,
                    )
                try:
                    bitmap = page.render(scale=used / 72, rev_byteorder=True, may_draw_forms=False)
                except pdfium.PdfiumError as exc:
                    raise DocumentError(f"{where} cannot be rendered ({exc})") from None
                try:
                    view = bitmap.to_numpy()
                    pixels = np.array(view if view.ndim == 2 else view[:, :, :3], dtype=np.uint8, order="C")
                finally:
                    bitmap.close()
            finally:
                page.close()
        return pixels, used

