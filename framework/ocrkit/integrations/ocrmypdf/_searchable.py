"""Searchable PDFs for ``ocrkit read --format pdf``: OCRmyPDF's Python API with the
ocrkit engine, so there is one PDF implementation (OCRmyPDF's: the original image,
an invisible text layer, PDF/A where it can make one without Ghostscript).

Before OCRmyPDF starts, the page selection is checked against the document as
``ocrkit read`` checks it (a page past the end is an error, at once), and an image
OCRmyPDF refuses but ``ocrkit read`` reads (an alpha channel, CMYK without an ICC
profile) is handed over as the pixels ocrkit decodes. OCRmyPDF's log goes to the
``ocrkit.ocrmypdf`` logger at debug level, not to the terminal.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import ocrmypdf
from ocrmypdf.exceptions import (
    DpiError,
    EncryptedPdfError,
    ExitCode,
    ExitCodeException,
    InputFileError,
    PriorOcrFoundError,
    UnsupportedImageFormatError,
)
from PIL import Image, UnidentifiedImageError

from ...documents import DEFAULT_DPI, PageSelection, parse_pages
from ...errors import DocumentError, EncryptedDocumentError, InvalidOptionError, OcrkitError
from ...images import frame_count, load_image
from ._settings import ENGINE_NAME

__all__ = ["write_searchable_pdf", "EXISTING_TEXT"]

log = logging.getLogger("ocrkit.ocrmypdf")

#: What to do with a PDF page that already has text, in OCRmyPDF's words:
#: ``force`` (--force-ocr: rasterise and OCR every page, the old text is lost),
#: ``redo`` (--redo-ocr: replace the old OCR layer, keep other text),
#: ``skip`` (--skip-text: leave such pages as they are). ``None``: refuse, as OCRmyPDF does.
EXISTING_TEXT: dict[str, str] = {"force": "force_ocr", "redo": "redo_ocr", "skip": "skip_text"}


def _ocrmypdf_pages(selection: PageSelection) -> str | None:
    """ocrkit's page selection in OCRmyPDF's ``--pages`` syntax (``3-end`` for ``3-``)."""
    if selection.everything:
        return None
    return ",".join(str(a) if a == b else f"{a}-{'end' if b is None else b}" for a, b in selection.ranges)


class _Source:
    """What is known of the input before OCRmyPDF sees it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as head:
            self.is_pdf = b"%PDF" in head.read(1024)  # where PDFium looks for the header too
        self.pages: int | None = None  # None: unknown, OCRmyPDF will say what is wrong
        self.declares_dpi = True
        self.needs_pixels = False  # an image OCRmyPDF refuses but ocrkit decodes
        if self.is_pdf:
            self.pages = _pdf_page_count(path)
            return
        try:
            with Image.open(path) as image:
                self.pages = frame_count(image)
                self.declares_dpi = bool(image.info.get("dpi"))
                has_alpha = "A" in image.getbands() or "transparency" in image.info
                cmyk_without_profile = image.mode == "CMYK" and not image.info.get("icc_profile")
                self.needs_pixels = self.pages == 1 and (has_alpha or cmyk_without_profile)
        except (UnidentifiedImageError, OSError, ValueError):
            pass  # not readable at all: OCRmyPDF says why


def _pdf_page_count(path: Path) -> int | None:
    import pikepdf  # OCRmyPDF's own PDF library

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except pikepdf.PasswordError:
        raise EncryptedDocumentError(f"{path}: the PDF is encrypted; decrypt it first (e.g. qpdf --decrypt)") from None
    except Exception:  # a broken file: OCRmyPDF's message says what is wrong
        return None


@contextmanager
def _as_pixels(source: _Source, dpi: float) -> Iterator[Path]:
    """*source*, or a PNG of the pixels ocrkit decodes from it (alpha flattened, CMYK as
    RGB) in a temporary folder, with the image's resolution."""
    if not source.needs_pixels:
        yield source.path
        return
    image = load_image(source.path)
    with tempfile.TemporaryDirectory(prefix="ocrkit-pdf-") as folder:
        converted = Path(folder) / "page.png"
        resolution = image.dpi or dpi
        image.to_pil().save(converted, dpi=(resolution, resolution))
        yield converted


class _OcrmypdfLogToDebug(logging.Handler):
    """While ocrkit runs OCRmyPDF, its records (``xref 12: this image could not be
    processed by the optimizer``) go to ``ocrkit.ocrmypdf`` at debug level instead of
    Python's last-resort handler on stderr. Re-entrant: calls from several threads
    share one installation."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._users = 0
        self._propagate = True

    def emit(self, record: logging.LogRecord) -> None:
        log.debug("OCRmyPDF: %s", record.getMessage())

    @contextmanager
    def installed(self) -> Iterator[None]:
        target = logging.getLogger("ocrmypdf")
        with self._lock:
            if self._users == 0:
                target.addHandler(self)
                self._propagate, target.propagate = target.propagate, False
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    target.removeHandler(self)
                    target.propagate = self._propagate


_OCRMYPDF_LOG = _OcrmypdfLogToDebug()


def _as_ocrkit_error(exc: ExitCodeException, source: Path) -> OcrkitError:
    if isinstance(exc.__cause__, OcrkitError):
        return exc.__cause__  # the plugin's own error, as ocrkit raised it
    detail = str(exc).strip() or type(exc).__name__
    if isinstance(exc, EncryptedPdfError):
        return EncryptedDocumentError(f"{source}: the PDF is encrypted; decrypt it first (e.g. qpdf --decrypt)")
    if isinstance(exc, PriorOcrFoundError):
        return DocumentError(f"{source}: the PDF already has text; choose --skip-text (leave those pages), "
                             "--redo-ocr (replace an earlier OCR layer) or --force-ocr (rasterise and OCR everything)")
    if isinstance(exc, (UnsupportedImageFormatError, DpiError)):
        return DocumentError(f"{source}: OCRmyPDF cannot make a PDF of this image ({detail}); "
                             "ocrkit read without --format pdf reads it")
    if isinstance(exc, InputFileError):
        return DocumentError(f"{source}: not a readable PDF or image ({detail})")
    return OcrkitError(f"{source}: OCRmyPDF failed: {detail}")


def write_searchable_pdf(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    backend: str,
    model: str | None = None,
    options: Sequence[str] = (),
    isolation: str = "none",
    pages: str | Sequence[int] | None = None,
    dpi: float = DEFAULT_DPI,
    jobs: int | None = None,
    existing_text: Literal["force", "redo", "skip"] | None = None,
) -> Path:
    """OCR *source* (a PDF or an image) into the searchable PDF *output*.

    *options* are ``KEY=VALUE`` backend options as ``--ocrkit-option`` takes them;
    *dpi* is assumed for an image that declares none; *existing_text* is what to do
    with pages that already have text (:data:`EXISTING_TEXT`; default: refuse).
    :raises OcrkitError: bad backend/option/model, a page selection past the end, a
    source that is not a PDF or image.
    """
    source, output = Path(source), Path(output)
    if not source.is_file():
        raise DocumentError(f"{source}: no such file")
    if existing_text is not None and existing_text not in EXISTING_TEXT:
        raise InvalidOptionError(f"existing_text={existing_text!r}: use one of {', '.join(EXISTING_TEXT)} (or None)")
    selection = parse_pages(pages)
    found = _Source(source)
    if found.pages is not None:
        selection.numbers(found.pages, f"{source}")  # a page past the end fails here, as in ocrkit read
    kwargs: dict[str, Any] = {}
    if not selection.everything:
        kwargs["pages"] = _ocrmypdf_pages(selection)
    if not found.is_pdf and not found.declares_dpi:
        kwargs["image_dpi"] = round(dpi)
    if existing_text is not None:
        kwargs[EXISTING_TEXT[existing_text]] = True
    try:
        with _as_pixels(found, dpi) as ocr_input, _OCRMYPDF_LOG.installed():
            code = ocrmypdf.ocr(
                ocr_input, output, ocr_engine=ENGINE_NAME, ocrkit_backend=backend, ocrkit_model=model,
                ocrkit_option=list(options), ocrkit_isolation=isolation, jobs=jobs, progress_bar=False, **kwargs,
            )
    except ExitCodeException as exc:
        raise _as_ocrkit_error(exc, source) from exc
    if code != ExitCode.ok:
        raise OcrkitError(f"{source}: OCRmyPDF ended with exit code {int(code)} ({ExitCode(code).name})")
    return output
