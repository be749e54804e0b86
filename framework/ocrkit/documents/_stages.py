"""The two stages around recognition, slots the read pipeline calls for every page.

Both are the identity today. Issue 22 fills them: page analysis (orientation,
deskew) before recognition, and after it the coordinates mapped back to the input
page's pixel grid plus reading order and structure for backends that give bare lines.
The pipeline (:mod:`._pipeline`) calls them and nothing else does, so a stage written
here serves ``ocrkit read``, ``ocrkit batch``, ``ocrkit serve`` and the library alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..results import Page
from ._sources import SourcePage
from ._spec import ReadSpec

if TYPE_CHECKING:
    from .._protocol import OcrEngine

__all__ = ["PageTransform", "IDENTITY", "analyse_page", "finish_page"]


@dataclass(frozen=True)
class PageTransform:
    """What analysis did to a page image before recognition, so :func:`finish_page`
    can undo it on the results (issue 22 adds the fields: rotation, skew...)."""


#: Nothing was done to the page.
IDENTITY = PageTransform()


def analyse_page(page: SourcePage, spec: ReadSpec, engine: OcrEngine) -> tuple[SourcePage, PageTransform]:
    """Before recognition, in the render thread (so it overlaps recognising the pages
    before): the page as the engine should see it, and what was done to it. A stage
    for page layouts: it leaves ``spec.layout != "page"`` alone. *engine* is the one
    reading the document (thread-safe: analysis may recognise crops with it).
    Today: the identity."""
    return page, IDENTITY


def finish_page(page: Page, transform: PageTransform, spec: ReadSpec) -> Page:
    """After recognition, in the reading thread: *page* in the input page's pixel grid
    (undoing *transform*), with reading order and structure. Today: the identity."""
    return page
