"""Tesseract's result iterator -> ocrkit Page / Block / Line / Word.

Mapping: a tesseract *paragraph* becomes a :class:`Block` (tesseract's page text
separates paragraphs with a blank line, as ``Page`` separates blocks), its text
lines become :class:`Line` s, its words :class:`Word` s. Boxes are tesseract's:
pixel cracks, so ``x1``/``y1`` are exclusive, as ocrkit's are. Confidences are
tesseract's 0..100 scaled to 0..1. ``Page.text`` is tesseract's own text output,
the exact text the ``tesseract`` command prints.
"""

from __future__ import annotations

import math
from typing import Any

from ocrkit.backend import Block, Line, Page, Word

__all__ = ["page_from_api"]

# tesseract's PageIteratorLevel (RIL); stable across versions.
_PARA, _TEXTLINE, _WORD = 1, 2, 3


def _box(it: Any, level: int, width: int, height: int, x_scale: float = 1.0) -> tuple[int, int, int, int]:
    box = it.BoundingBox(level)
    if box is None:
        return (0, 0, 0, 0)
    x0, y0, x1, y1 = (int(v) for v in box)
    if x_scale != 1.0:  # the image was squeezed (see _model._line_squeeze): back to its pixels
        x0, x1 = math.floor(x0 * x_scale), math.ceil(x1 * x_scale)
    x0, x1 = max(0, min(x0, width)), max(0, min(x1, width))
    y0, y1 = max(0, min(y0, height)), max(0, min(y1, height))
    return (x0, y0, max(x0, x1), max(y0, y1))


def _confidence(it: Any, level: int) -> float:
    return min(1.0, max(0.0, float(it.Confidence(level)) / 100.0))


def _text(it: Any, level: int) -> str:
    try:
        return (it.GetUTF8Text(level) or "").strip("\n")
    except RuntimeError:  # tesserocr raises when the element has no text
        return ""


def page_from_api(api: Any, width: int, height: int, text: str, meta: dict[str, Any], x_scale: float = 1.0) -> Page:
    """Build a Page from *api*'s current recognition results (call after GetUTF8Text);
    *x_scale* maps x coordinates back when the image was squeezed horizontally."""
    blocks: list[Block] = []
    it = api.GetIterator()
    if it is not None:
        line: Line | None = None
        it.Begin()
        while True:
            if not it.Empty(_WORD):
                if not blocks or it.IsAtBeginningOf(_PARA):
                    blocks.append(Block(lines=[], bbox=_box(it, _PARA, width, height, x_scale)))
                    line = None
                if line is None or it.IsAtBeginningOf(_TEXTLINE):
                    line = Line(
                        text=_text(it, _TEXTLINE),
                        confidence=_confidence(it, _TEXTLINE),
                        bbox=_box(it, _TEXTLINE, width, height, x_scale),
                    )
                    blocks[-1].lines.append(line)
                word_text = _text(it, _WORD)
                if word_text:
                    line.words.append(Word(word_text, _confidence(it, _WORD), _box(it, _WORD, width, height, x_scale)))
            if not it.Next(_WORD):
                break
    blocks = [b for b in blocks if any(ln.text for ln in b.lines)]
    for block in blocks:
        block.lines = [ln for ln in block.lines if ln.text]
    return Page(width=width, height=height, blocks=blocks, text=text, meta=meta)
