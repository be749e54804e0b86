"""What reading a document gives back: pages, and the pages that failed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import OcrkitError
from ..results import Page

__all__ = ["PageError", "Document", "PAGE_SEPARATOR"]

#: Between the texts of two pages: a form feed, as ``tesseract`` and ``pdftotext`` write.
PAGE_SEPARATOR = "\f"


@dataclass
class PageError:
    """A page that could not be rendered or recognised (``errors="collect"``): the
    others were still read. ``page_number`` is ``None`` when the whole source failed
    (not a valid PDF, wrong password) in a multi-source read."""

    page_number: int | None
    source: str | None
    error: OcrkitError

    def __str__(self) -> str:
        message = str(self.error)
        where = self.source or "document"
        if self.page_number is None:
            return message if where in message else f"{where}: {message}"
        page = f"{where} page {self.page_number}"
        return message if page in message else f"{page}: {message}"


@dataclass
class Document:
    """A whole document's result: ``pages`` in page order, ``errors`` for the pages that failed."""

    source: str | None
    pages: list[Page] = field(default_factory=list)
    errors: list[PageError] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The pages' texts, separated by a form feed."""
        return PAGE_SEPARATOR.join(page.text for page in self.pages)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "pages": [page.to_dict() for page in self.pages],
            "errors": [{"page": e.page_number, "source": e.source, "error": str(e.error)} for e in self.errors],
        }
