"""The two stages around recognition, slots the read pipeline calls for every page.

Before recognition, page analysis (:mod:`ocrkit.analysis`): the page turned upright and
straightened as ``spec.analysis`` asks. After it, every box mapped back to the input
page's pixel grid, with the angles applied recorded on the page. (Reading order and
structure for bare-lines backends are applied by ``Engine.recognize``, in the
recognised page's own frame, before :func:`finish_page` maps it back.) The pipeline
(:mod:`._pipeline`) calls them and nothing else does, so a stage written here serves
``ocrkit read``, ``ocrkit batch``, ``ocrkit serve`` and the library alike.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..analysis import PageTransform, analyse, finish
from ..results import Page
from ._sources import SourcePage
from ._spec import ReadSpec

if TYPE_CHECKING:
    from .._protocol import OcrEngine

__all__ = ["PageTransform", "IDENTITY", "analyse_page", "finish_page"]

#: Nothing was done to the page (line layouts, analysis off).
IDENTITY = None


def analyse_page(page: SourcePage, spec: ReadSpec, engine: OcrEngine) -> tuple[SourcePage, PageTransform | None]:
    """Before recognition, in the render thread (so it overlaps recognising the pages
    before): the page as the engine should see it, and what was done to it (``None``:
    nothing, e.g. ``layout="line"``). *engine* is the one reading the document: the
    built-in analyser reads a few line crops with it to tell which way up the page is."""
    image, transform = analyse(page.image, spec.analysis, engine, spec.layout)  # type: ignore[arg-type]
    return (page if image is page.image else replace(page, image=image)), transform


def finish_page(page: Page, transform: PageTransform | None, spec: ReadSpec) -> Page:
    """After recognition, in the reading thread: *page* in the input page's pixel grid
    (undoing *transform*), with the angles applied recorded on it."""
    return finish(page, transform)
