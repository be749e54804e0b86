"""The words a writer puts on a line: the backend's word boxes, or, for a backend that
gives lines only, one word spanning the line (so hOCR/ALTO/TSV readers still find text)."""

from __future__ import annotations

from ..results import Line, Word
from ._xml import xml_text


def line_words(line: Line) -> list[Word]:
    """*line*'s words with visible text (empty ones and control-only ones left out)."""
    if line.words:
        return [w for w in line.words if xml_text(w.text).strip()]
    return [Word(line.text, line.confidence, line.bbox)] if xml_text(line.text).strip() else []
