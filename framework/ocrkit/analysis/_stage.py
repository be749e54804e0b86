"""The page-analysis stage of the read pipeline: before recognition, turn the page
upright and straighten it; after, map the result back to the input's pixel grid.

    image, transform = analyse(image, settings, engine, layout)
    page = engine.recognize(image, layout)
    page = finish(page, transform)

A page analyser plugin (``ocrkit_analyse_page``) answers first; the built-in analyser
(``_analyser``) answers otherwise and measures the skew a plugin left open. Nothing
runs for ``layout="line"``, and a page whose angles stay under the thresholds goes to
the backend as the very same image (a no-op, bit for bit).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from PIL import Image

from ..images import PageImage
from ..results import Page, PageAnalysis
from ._analyser import analyse_builtin, measure_skew
from ._settings import AnalysisSettings
from ._transform import PageTransform

if TYPE_CHECKING:
    from .._registry import Registry

__all__ = ["analyse", "finish", "find_angles"]


class _Engine(Protocol):
    """What the stage needs of an engine (in-process or isolated)."""

    backend: str
    _registry: Registry

    def recognize(self, image: list[Image.Image], layout: str = ...) -> list[Page]: ...


def find_angles(image: PageImage, settings: AnalysisSettings, engine: _Engine) -> PageAnalysis:
    """What the plugin or built-in analyser finds on *image* (forced angles skip finding)."""
    wants_rotation = settings.rotate_pages and settings.rotation is None
    wants_skew = settings.deskew and settings.skew is None
    found = PageAnalysis(0, 0.0, 0.0, "")
    if wants_rotation or wants_skew:
        answer = engine._registry.analyse_page(image, engine.backend)
        if answer is None:
            def read(crops: list[Image.Image]) -> list[Page]:
                return engine.recognize(crops, layout="line")

            answer = analyse_builtin(image, read if wants_rotation else None, find_rotation=wants_rotation)
        elif answer.skew is None and wants_skew:
            answer = replace(answer, skew=measure_skew(image))
        found = answer
    return found


def _chosen(found: PageAnalysis, settings: AnalysisSettings) -> tuple[int, float, float | None]:
    """(rotation, skew, confidence) to apply under the user's settings."""
    if settings.rotation is not None:
        rotation, confidence = settings.rotation, 1.0
    elif settings.rotate_pages:
        confident = found.rotation_confidence >= settings.rotate_pages_threshold
        rotation, confidence = (found.rotation if confident else 0), found.rotation_confidence
    else:
        rotation, confidence = 0, None
    if settings.skew is not None:
        skew = float(settings.skew)
    elif settings.deskew and found.skew is not None and abs(found.skew) >= max(settings.deskew_threshold, 0.01):
        skew = round(float(found.skew), 2)
    else:
        skew = 0.0
    return rotation, skew, confidence


def analyse(
    image: PageImage, settings: AnalysisSettings, engine: _Engine, layout: str = "page"
) -> tuple[PageImage, PageTransform | None]:
    """The page to recognise (turned upright, straightened) and the transform that
    :func:`finish` undoes; ``(image, None)`` on ``layout="line"`` or with analysis off."""
    if layout == "line" or not settings.active:
        return image, None
    found = find_angles(image, settings, engine)
    rotation, skew, confidence = _chosen(found, settings)
    transform = PageTransform(image.width, image.height, rotation, skew, confidence)
    return transform.apply(image), transform


def finish(page: Page, transform: PageTransform | None) -> Page:
    """*page* in the input's pixel grid, with the angles applied recorded on it."""
    return page if transform is None else transform.page_back(page)
