"""One request's recognition: uploaded bytes in, the document ``ocrkit read`` would print out.

The server reads only the bytes it was sent (never a path a client names), through
the same read pipeline (:func:`ocrkit.documents.read_pages`) and the same writers
(:mod:`ocrkit.formats`) as the command, so the two answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import formats
from .._protocol import OcrEngine
from ..documents import ReadSpec, read_pages
from ..formats import FORMATS, media_type
from ..results import Page

__all__ = ["ReadRequest", "FORMATS", "media_type", "read_document"]


@dataclass(frozen=True)
class ReadRequest:
    """What one ``POST /v1/read`` asks for: the document, its name, the read (engine,
    pages, dpi, layout: validated when the spec was made), the format, and the
    ``time.monotonic()`` past which the read stops between pages (the server's timeout)."""

    data: bytes
    spec: ReadSpec
    name: str | None = None
    fmt: str = "text"
    deadline: float | None = None


def read_document(engine: OcrEngine, request: ReadRequest) -> str:
    """Recognise *request*'s document with *engine* and render it as ``request.fmt``.

    The first page that fails raises (one error answers the request), as the
    command reports an unreadable file; past the deadline, ``ReadDeadlineError``."""
    formats.media_type(request.fmt)  # an unknown format fails before any recognition
    stream = read_pages(engine, request.data, request.spec, name=request.name, deadline=request.deadline)
    pages = [page for page in stream if isinstance(page, Page)]  # errors="raise": a failed page raised
    return formats.render(pages, request.fmt)
