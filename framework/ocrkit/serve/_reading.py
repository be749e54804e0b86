"""One request's recognition: uploaded bytes in, the text ``ocrkit read`` would print out.

The server reads only the bytes it was sent (never a path a client names) and
renders with the same writers as the command, so the two answer alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import OcrkitError
from ..results import dumps_json

__all__ = ["ReadRequest", "FORMATS", "media_type", "read_document"]

FORMATS = ("text", "json")
_MEDIA_TYPES = {"text": "text/plain; charset=utf-8", "json": "application/json"}


@dataclass(frozen=True)
class ReadRequest:
    """What one ``POST /v1/read`` asks for, besides the engine."""

    data: bytes
    name: str | None = None
    layout: str = "page"
    fmt: str = "text"
    pages: str | None = None
    dpi: float = 300.0


def media_type(fmt: str) -> str:
    try:
        return _MEDIA_TYPES[fmt]
    except KeyError:
        raise OcrkitError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}") from None


def read_document(engine: Any, request: ReadRequest) -> str:
    """Recognise *request*'s document with *engine* and render it as ``request.fmt``."""
    media_type(request.fmt)
    page = engine.recognize(request.data, layout=request.layout)
    page.source = request.name
    if request.fmt == "json":
        return dumps_json(page.to_dict()) + "\n"
    text = page.text
    return text if text.endswith("\n") or not text else text + "\n"
