"""Documents in: images, multi-page TIFFs and PDFs as a stream of pages, and the read
pipeline that takes them through an engine.

    from ocrkit.documents import ReadSpec, iter_source_pages, read_pages

    for page in iter_source_pages("scan.pdf", pages="1-3", dpi=300):
        print(page.number, page.dpi, page.image.width, page.image.height)

    spec = ReadSpec("tesseract", pages="1-3")         # a read request, validated once
    with ocrkit.open(spec.backend) as engine:
        for page in read_pages(engine, "scan.pdf", spec):
            print(page.page_number, page.text)

Engines read documents with ``engine.read_document(...)`` (an iterator of pages as they
finish) and ``engine.recognize_document(...)`` (a whole :class:`Document`).
"""

from __future__ import annotations

from ..errors import DocumentError, DocumentWarning, EncryptedDocumentError, ReadDeadlineError
from ._document import PAGE_SEPARATOR, Document, PageError
from ._pdf import MIN_FALLBACK_DPI, PDFIUM_LOCK
from ._pipeline import DEFAULT_BATCH, read_document, read_pages, read_sources, recognize_document, spec_for
from ._selection import MAX_PAGE_NUMBER, PageSelection, parse_pages
from ._sources import DEFAULT_DPI, MAX_DPI, MIN_DPI, SourcePage, check_dpi, iter_source_pages, source_name
from ._spec import ISOLATION_NAMES, EngineKey, ReadSpec
from ._stages import IDENTITY, PageTransform, analyse_page, finish_page

__all__ = [
    "ReadSpec",
    "EngineKey",
    "ISOLATION_NAMES",
    "read_pages",
    "read_sources",
    "read_document",
    "recognize_document",
    "spec_for",
    "analyse_page",
    "finish_page",
    "PageTransform",
    "IDENTITY",
    "parse_pages",
    "PageSelection",
    "iter_source_pages",
    "SourcePage",
    "source_name",
    "check_dpi",
    "Document",
    "PageError",
    "DocumentError",
    "EncryptedDocumentError",
    "DocumentWarning",
    "ReadDeadlineError",
    "PAGE_SEPARATOR",
    "DEFAULT_DPI",
    "MIN_DPI",
    "MAX_DPI",
    "MAX_PAGE_NUMBER",
    "DEFAULT_BATCH",
    "MIN_FALLBACK_DPI",
    "PDFIUM_LOCK",
]
