"""Searchable PDFs for ``ocrkit read --format pdf``: OCRmyPDF's Python API with the
ocrkit engine, so there is one PDF implementation (OCRmyPDF's: the original image,
an invisible text layer, PDF/A where it can make one without Ghostscript).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
from ...errors import DocumentError, EncryptedDocumentError, OcrkitError
from ._settings import ENGINE_NAME

__all__ = ["write_searchable_pdf"]


def _ocrmypdf_pages(selection: PageSelection) -> str | None:
    """ocrkit's page selection in OCRmyPDF's ``--pages`` syntax (``3-end`` for ``3-``)."""
    if selection.everything:
        return None
    return ",".join(str(a) if a == b else f"{a}-{'end' if b is None else b}" for a, b in selection.ranges)


def _image_without_dpi(source: Path) -> bool:
    """An image file that declares no resolution (OCRmyPDF refuses those unless told)."""
    try:
        with Image.open(source) as image:
            return image.format != "PDF" and not image.info.get("dpi")
    except (UnidentifiedImageError, OSError):
        return False  # a PDF, or not readable at all: OCRmyPDF says which


def _as_ocrkit_error(exc: ExitCodeException, source: Path) -> OcrkitError:
    if isinstance(exc.__cause__, OcrkitError):
        return exc.__cause__  # the plugin's own error, as ocrkit raised it
    detail = str(exc).strip() or type(exc).__name__
    if isinstance(exc, EncryptedPdfError):
        return EncryptedDocumentError(f"{source}: the PDF is encrypted; decrypt it first (e.g. qpdf --decrypt)")
    if isinstance(exc, PriorOcrFoundError):
        return DocumentError(f"{source}: the PDF already has a text layer; OCR it again with "
                             "ocrmypdf --redo-ocr or --force-ocr")
    if isinstance(exc, (InputFileError, UnsupportedImageFormatError, DpiError)):
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
) -> Path:
    """OCR *source* (a PDF or an image) into the searchable PDF *output*.

    *options* are ``KEY=VALUE`` backend options as ``--ocrkit-option`` takes them;
    *dpi* is assumed for an image that declares none.
    :raises OcrkitError: bad backend/option/model, a source that is not a PDF or image.
    """
    source, output = Path(source), Path(output)
    if not source.is_file():
        raise DocumentError(f"{source}: no such file")
    kwargs: dict[str, Any] = {}
    selection = _ocrmypdf_pages(parse_pages(pages))
    if selection:
        kwargs["pages"] = selection
    if _image_without_dpi(source):
        kwargs["image_dpi"] = int(round(dpi))
    try:
        code = ocrmypdf.ocr(
            source, output, ocr_engine=ENGINE_NAME, ocrkit_backend=backend, ocrkit_model=model,
            ocrkit_option=list(options), ocrkit_isolation=isolation, jobs=jobs, progress_bar=False, **kwargs,
        )
    except ExitCodeException as exc:
        raise _as_ocrkit_error(exc, source) from exc
    if code != ExitCode.ok:
        raise OcrkitError(f"{source}: OCRmyPDF ended with exit code {int(code)} ({ExitCode(code).name})")
    return output
