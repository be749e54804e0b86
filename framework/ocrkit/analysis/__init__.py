"""Page analysis: turn pages upright (0/90/180/270) and straighten small skews before
any backend reads them, then map every box back to the page as given.

The read pipeline runs it on page layouts (never ``layout="line"``) with
:class:`AnalysisSettings` (on by default; ``AnalysisSettings.off()`` for none):

    image, transform = analyse(image, settings, engine)   # before recognition
    page = finish(engine.recognize(image), transform)      # after: input's pixel grid

A plugin can bring its own analyser through the ``ocrkit_analyse_page`` hook; the
built-in one measures the text axis and skew with projection profiles and finds which
way up the page is by reading a few of its lines with the page's own backend.
See docs/documents-and-formats.md ("Page analysis").
"""

from __future__ import annotations

from ..results import PageAnalysis
from ._analyser import BUILTIN_ANALYSER, analyse_builtin, measure_skew
from ._settings import MAX_SKEW, ROTATIONS, AnalysisSettings
from ._stage import analyse, find_angles, finish
from ._transform import PageTransform

__all__ = [
    "AnalysisSettings",
    "PageAnalysis",
    "PageTransform",
    "analyse",
    "finish",
    "find_angles",
    "analyse_builtin",
    "measure_skew",
    "BUILTIN_ANALYSER",
    "ROTATIONS",
    "MAX_SKEW",
]
