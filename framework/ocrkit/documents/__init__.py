"""Documents in: images, multi-page TIFFs and PDFs as a stream of pages.

    from ocrkit.documents import iter_source_pages

    for page in iter_source_pages("scan.pdf", pages="1-3", dpi=300):
        print(page.number, page.dpi, page.image.width, page.image.height)

Engines read documents with ``engine.read_document(...)`` (an iterator of pages as they
finish) and ``engine.recognize_document(...)`` (a whole :class:`Document`).
"""

from __future__ import annotations

from ..errors import DocumentError, DocumentWarning, EncryptedDocumentError
from ._document import PAGE_SEPARATOR, Document, PageError
from ._pdf import MIN_FALLBACK_DPI, PDFIUM_LOCK
from ._selection import PageSelection, parse_pages
from ._sources import DEFAULT_DPI, SourcePage, iter_source_pages, source_name
from ._stream import DEFAULT_BATCH, read_document, read_sources, recognize_document

__all__ = [
    "parse_pages",
    "PageSelection",
    "iter_source_pages",
    "SourcePage",
    "source_name",
    "read_document",
    "read_sources",
    "recognize_document",
    "Document",
    "PageError",
    "DocumentError",
    "EncryptedDocumentError",
    "DocumentWarning",
    "PAGE_SEPARATOR",
    "DEFAULT_DPI",
    "DEFAULT_BATCH",
    "MIN_FALLBACK_DPI",
    "PDFIUM_LOCK",
]
