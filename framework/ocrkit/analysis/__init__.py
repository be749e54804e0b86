"""Page analysis in the core, the same for every backend.

Before recognition: turn pages upright (0/90/180/270) and straighten small skews before
any backend reads them, then map every box back to the page as given.

The read pipeline runs it on page layouts (never ``layout="line"``) with
:class:`AnalysisSettings` (on by default; ``AnalysisSettings.off()`` for none):

    image, transform = analyse(image, settings, engine)   # before recognition
    page = finish(engine.recognize(image), transform)      # after: input's pixel grid

A plugin can bring its own analyser through the ``ocrkit_analyse_page`` hook; the
built-in one measures the text axis and skew with projection profiles and finds which
way up the page is by reading a few of its lines with the page's own backend.
See docs/documents-and-formats.md ("Page analysis").

After recognition: reading order and structure (columns, areas, paragraphs) for
backends that return bare lines (:func:`structure_page`, applied by
``Engine.recognize`` in the recognised page's own frame, before ``finish`` maps it
back; see "Reading order and structure" in the same document).
"""

from __future__ import annotations

from ..results import PageAnalysis
from ._analyser import BUILTIN_ANALYSER, analyse_builtin, measure_skew
from ._settings import MAX_SKEW, ROTATIONS, AnalysisSettings
from ._stage import analyse, find_angles, finish
from ._transform import PageTransform
from .reading_order import TEXT_COLUMN_LINE_ASPECT, reading_order
from .structure import UPSIDE_DOWN_META, orders_its_own_layout, paragraphs, structure_page

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
    "reading_order",
    "paragraphs",
    "structure_page",
    "orders_its_own_layout",
    "UPSIDE_DOWN_META",
    "TEXT_COLUMN_LINE_ASPECT",
]
