"""Standard formats out: one writer a module, each a function of the core's results,
so they work for every backend (no backend writes its own exporter).

    from ocrkit import formats

    hocr = formats.render(pages, "hocr")      # one whole document
    path.with_suffix(formats.extension("hocr")).write_text(hocr)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import NamedTuple

from ..errors import UnknownFormatError
from ..results import Page

__all__ = ["FORMATS", "render", "extension", "media_type", "UnknownFormatError"]


class _Writer(NamedTuple):
    module: str
    extension: str
    media_type: str


_WRITERS = {
    "text": _Writer("_text", ".txt", "text/plain; charset=utf-8"),
    "json": _Writer("_json", ".json", "application/json"),
    "hocr": _Writer("_hocr", ".hocr", "text/html; charset=utf-8"),
    "alto": _Writer("_alto", ".xml", "application/xml"),
    "tsv": _Writer("_tsv", ".tsv", "text/tab-separated-values; charset=utf-8"),
}
#: The formats :func:`render` writes.
FORMATS = tuple(_WRITERS)


def _writer(fmt: str) -> _Writer:
    try:
        return _WRITERS[fmt]
    except (KeyError, TypeError):
        raise UnknownFormatError(fmt, FORMATS) from None


def render(pages: Page | Sequence[Page], fmt: str) -> str:
    """*pages* (one document, in order) as *fmt*: ``text``, ``json``, ``hocr``, ``alto``, ``tsv``."""
    writer = _writer(fmt)
    render_pages: Callable[[Sequence[Page]], str] = import_module(f"{__name__}.{writer.module}").render
    return render_pages([pages] if isinstance(pages, Page) else list(pages))


def extension(fmt: str) -> str:
    """The usual file extension for *fmt*, with its dot (``".hocr"``)."""
    return _writer(fmt).extension


def media_type(fmt: str) -> str:
    """The HTTP media type for *fmt*."""
    return _writer(fmt).media_type
