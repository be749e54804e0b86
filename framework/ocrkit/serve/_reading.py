"""One request's recognition: uploaded bytes in, the document ``ocrkit read`` would print out.

The server reads only the bytes it was sent (never a path a client names), through
the same document reader and the same writers (:mod:`ocrkit.formats`) as the
command, so the two answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import formats
from ..documents import DEFAULT_DPI
from ..formats import FORMATS, media_type

__all__ = ["ReadRequest", "FORMATS", "media_type", "read_document"]


@dataclass(frozen=True)
class ReadRequest:
    """What one ``POST /v1/read`` asks for, besides the engine."""

    data: bytes
    name: str | None = None
    layout: str = "page"
    fmt: str = "text"
    pages: str | None = None
    dpi: float = DEFAULT_DPI


def read_document(engine: Any, request: ReadRequest) -> str:
    """Recognise *request*'s document with *engine* and render it as ``request.fmt``.

    The first page that fails raises (one error answers the request), as the
    command reports an unreadable file."""
    formats.media_type(request.fmt)  # an unknown format fails before any recognition
    pages = list(engine.read_document(request.data, pages=request.pages, dpi=request.dpi, layout=request.layout))
    if request.name is not None:
        for page in pages:
            page.source = request.name
    return formats.render(pages, request.fmt)
