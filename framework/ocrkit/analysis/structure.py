"""Structure for pages of bare lines: lines in reading order, grouped into
paragraphs (the :class:`~ocrkit.results.Block` s of the page), each paragraph
tagged with its area (a column of a section, a run of full-width text, a table)
so hOCR writes one ``ocr_carea`` per area and one ``ocr_par`` per paragraph.

Paragraph breaks inside an area, from geometry alone: a white gap taller than
the area's usual line spacing, a change of text height (a heading), a first line
indented by more than a line height, or a line after a short one (the last line
of a paragraph, the end of a list item).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..results import BBox, Block, Line, Page
from .reading_order import reading_order

__all__ = ["paragraphs", "structure_page", "orders_its_own_layout", "UPSIDE_DOWN_META"]

#: ``Page.meta`` key a backend sets to True when most of its lines were read turned
#: by 180 degrees (the page is upside down): reading then starts at the bottom right.
UPSIDE_DOWN_META = "lines_upside_down"
#: Extra white space above a line, in line heights, over the area's usual spacing,
#: that starts a new paragraph.
PARAGRAPH_GAP = 0.5
#: Text height ratio between two rows that starts a new paragraph (a heading).
HEIGHT_CHANGE = 1.4
#: First-line indent, in line heights, that starts a new paragraph.
INDENT = 1.0
#: A row ending this far before the area's usual right edge ends its paragraph: this
#: share of the area's width, and at least SHORT_LINE_HEIGHTS line heights.
SHORT_LINE = 0.1
SHORT_LINE_HEIGHTS = 3.0


def orders_its_own_layout(capabilities: frozenset[str]) -> bool:
    """Whether a backend puts its lines in reading order and groups them into
    paragraphs itself (capability ``layout``, e.g. tesseract); the core's
    structure is for the others."""
    return "layout" in capabilities


def _rows(boxes: np.ndarray, order: list[int]) -> list[list[int]]:
    """Consecutive lines of *order* that share a row (overlap by half a height)."""
    rows: list[list[int]] = []
    for i in order:
        if rows:
            j = rows[-1][-1]
            overlap = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1])
            height = min(boxes[i, 3] - boxes[i, 1], boxes[j, 3] - boxes[j, 1])
            if overlap >= 0.5 * max(height, 1.0):
                rows[-1].append(i)
                continue
        rows.append([i])
    return rows


def paragraphs(line_boxes: Sequence[BBox], area: list[int]) -> list[list[int]]:
    """The lines of one area (indices into *line_boxes*, in reading order) cut into paragraphs."""
    if len(area) <= 1:
        return [list(area)]
    boxes = np.asarray(line_boxes, dtype=np.float64).reshape(-1, 4)
    rows = _rows(boxes, area)
    row_boxes = np.array([[boxes[r, 0].min(), boxes[r, 1].min(), boxes[r, 2].max(), boxes[r, 3].max()] for r in rows])
    heights = np.maximum(row_boxes[:, 3] - row_boxes[:, 1], 1.0)
    line_height = float(np.median(heights))
    gaps = row_boxes[1:, 1] - row_boxes[:-1, 3]
    usual_gap = float(np.median(gaps)) if len(gaps) else 0.0
    left, right = float(np.median(row_boxes[:, 0])), float(np.median(row_boxes[:, 2]))
    width = max(right - left, 1.0)
    out = [list(rows[0])]
    for k in range(1, len(rows)):
        above, here = row_boxes[k - 1], row_boxes[k]
        ha, hb = heights[k - 1], heights[k]
        new = (
            gaps[k - 1] > usual_gap + PARAGRAPH_GAP * line_height
            or max(ha, hb) > HEIGHT_CHANGE * min(ha, hb)
            or (here[0] - left > INDENT * line_height and above[0] - left <= 0.5 * INDENT * line_height)
            or (len(rows) >= 3 and above[2] < right - max(SHORT_LINE * width, SHORT_LINE_HEIGHTS * line_height))
        )
        if new:
            out.append(list(rows[k]))
        else:
            out[-1] += rows[k]
    return out


def structure_page(page: Page, upside_down: bool | None = None) -> Page:
    """*page* with its lines in reading order, one block per paragraph, each block's
    ``area`` set, and the text rebuilt from them (blocks separated by a blank line).

    Pure: the lines are the page's own objects, only their grouping changes.
    *upside_down* defaults to the page's ``meta[UPSIDE_DOWN_META]``.
    """
    lines: list[Line] = page.lines
    if not lines:
        return page
    if upside_down is None:
        upside_down = bool(page.meta.get(UPSIDE_DOWN_META, False))
    boxes = [line.bbox for line in lines]
    blocks: list[Block] = []
    for number, area in enumerate(reading_order(boxes, upside_down)):
        for paragraph in paragraphs(_flipped(boxes) if upside_down else boxes, area):
            blocks.append(Block(lines=[lines[i] for i in paragraph], area=number))
    return replace(page, blocks=blocks, text="\n\n".join(block.text for block in blocks))


def _flipped(boxes: list[BBox]) -> list[BBox]:
    """Boxes of a page turned by 180 degrees, as seen the right way up (up to a shift)."""
    return [(-x1, -y1, -x0, -y0) for x0, y0, x1, y1 in boxes]
