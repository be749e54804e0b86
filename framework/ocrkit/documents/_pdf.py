"""PDF pages rendered with pypdfium2 in a render worker, within a budget.

Every PDFium call runs in a worker process (:mod:`._renderer`) with a memory cap and a
deadline per request, so a hostile page costs its own page and nothing else: no lock
held in this process, no memory of this process, no other document. Pages are
rendered one at a time, at the requested DPI or at the highest DPI under the pixel
limit; pages whose content is all grey or bilevel come back as one byte a pixel.
"""

from __future__ import annotations

import math
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DocumentError, DocumentWarning, EncryptedDocumentError, ImageTooLargeError
from ._renderer import RECYCLE_RESIDENT, RenderBudget, RenderWorker, _WorkerFailed, give_back, map_pixels, take_worker

__all__ = ["PDFIUM_LOCK", "MIN_FALLBACK_DPI", "is_pdf", "PdfSource", "RenderBudget"]

#: Serialises PDFium calls made in this process. ocrkit's renderer makes none (it runs
#: in worker processes); kept for code that calls pypdfium2 next to ocrkit.
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
    """One open PDF (a path or bytes); close it, or use it as a context manager.

    *budget* bounds opening it and rendering each page (default:
    :meth:`RenderBudget.from_env`)."""

    def __init__(self, data: Path | bytes, what: str, password: str | None, budget: RenderBudget | None = None) -> None:
        self.what = what
        self.budget = budget or RenderBudget.from_env()
        self._password = password
        self._fd = _descriptor(data, what)
        self._worker: RenderWorker | None = None
        self._rendered = 0
        try:
            self.page_count = self._open()
        except BaseException:
            self.close()
            raise

    # -- the worker ------------------------------------------------------------------------

    def _ask(self, message: dict[str, Any], where: str, until: float) -> tuple[dict[str, Any], int | None]:
        """One request to this document's worker (started and given the document if needed),
        answered by *until* (monotonic; ``inf``: no deadline)."""
        if self._worker is None:
            self._worker = take_worker(self.budget)
            if message["op"] != "open":
                count = self._open(until)
                if count != self.page_count:
                    raise DocumentError(f"{self.what} changed while it was being read; read it again")
        seconds = 0.0 if until == math.inf else max(until - time.monotonic(), 0.001)
        try:
            return self._worker.request(message, seconds, self._fd if message["op"] == "open" else None)
        except _WorkerFailed as exc:
            self._worker = None
            raise self._over_budget(exc, where) from None

    def _over_budget(self, failure: _WorkerFailed, where: str) -> DocumentError:
        if failure.timed_out:
            return DocumentError(
                f"{where} took longer than the render budget of {self.budget.seconds:g} s and was stopped "
                "(a hostile or very complex page); raise OCRKIT_RENDER_SECONDS if you trust this file")
        return DocumentError(
            f"{where} needs more memory than the render budget of {self.budget.describe_memory()} "
            f"(or crashed the PDF renderer: {failure}); raise OCRKIT_RENDER_MEMORY if you trust this file")

    def _deadline(self) -> float:
        return time.monotonic() + self.budget.seconds if self.budget.seconds else math.inf

    def _open(self, until: float | None = None) -> int:
        os.lseek(self._fd, 0, os.SEEK_SET)
        reply, _ = self._ask({"op": "open", "password": self._password}, self.what, until or self._deadline())
        if "error" in reply:
            if reply.get("code") == _ERR_PASSWORD:
                if self._password is None:
                    raise EncryptedDocumentError(
                        f"{self.what} is encrypted; give its password (password=... in Python, --password on the command line)"
                    )
                raise EncryptedDocumentError(f"the password given for {self.what} is wrong; check it and try again")
            raise DocumentError(f"{self.what} is not a valid PDF ({reply['detail']}); check that the file is complete")
        return int(reply["pages"])

    def _refresh(self, until: float) -> None:
        """Reopen every :data:`REOPEN_EVERY` pages: PDFium caches decoded images and fonts
        per document until it is closed, which would grow with a long document."""
        self._rendered += 1
        if self._rendered % REOPEN_EVERY or self._worker is None:
            return
        if self._open(until) != self.page_count:
            raise DocumentError(f"{self.what} changed while it was being read; read it again")

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            try:
                worker.request({"op": "close"}, self.budget.seconds or 60.0)
                give_back(worker)
            except _WorkerFailed:
                pass  # killed already
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> PdfSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pages -------------------------------------------------------------------------------

    def render(self, number: int, dpi: float, max_pixels: int) -> tuple[np.ndarray, float]:
        """Page *number* (1-based) as pixels (grey, or RGB) and the DPI it was rendered at,
        all of it (loading, rendering) within the budget's seconds."""
        until = self._deadline()
        self._refresh(until)
        where = f"{self.what} page {number}"
        size, _ = self._ask({"op": "size", "page": number}, where, until)
        if "error" in size:
            raise DocumentError(f"{where} cannot be loaded ({size['detail']}); the file may be damaged")
        used = self._dpi_for(where, size["width"], size["height"], dpi, max_pixels)
        reply, fd = self._ask({"op": "render", "page": number, "scale": used / 72}, where, until)
        if "error" in reply or fd is None:
            if reply.get("error") == "memory":
                raise self._over_budget(_WorkerFailed(False, "out of memory"), where)
            raise DocumentError(f"{where} cannot be rendered ({reply.get('detail', 'no pixels')})")
        if reply["resident"] > RECYCLE_RESIDENT:
            self._recycle_worker()
        return map_pixels(fd, reply["width"], reply["height"], reply["channels"]), used

    def _recycle_worker(self) -> None:
        """End a worker a big page left holding its peak; the next page starts a fresh one."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()

    def _dpi_for(self, where: str, width_pt: float, height_pt: float, dpi: float, max_pixels: int) -> float:
        if not (width_pt > 0 and height_pt > 0):
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
                stacklevel=3,
            )
        return used


def _descriptor(data: Path | bytes, what: str) -> int:
    """A descriptor of the document for the worker: the file itself, or the bytes in a memfd."""
    if isinstance(data, Path):
        try:
            return os.open(data, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise DocumentError(f"cannot read {what}: {exc.strerror or exc}") from None
    fd = os.memfd_create("ocrkit-pdf", os.MFD_CLOEXEC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        raise
    return fd
