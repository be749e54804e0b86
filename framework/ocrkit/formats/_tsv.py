"""Tesseract's TSV: a header and one row per page, block, paragraph, line and word with
the 12 columns ``level page_num block_num par_num line_num word_num left top width
height conf text``; ``conf`` is 0-100 for words and -1 for the other levels.

Each area of blocks (:attr:`ocrkit.Page.areas`) is one block, each ocrkit Block one
paragraph in it; a line without word boxes is one word spanning the line.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..results import BBox, Page, union_bbox
from ._words import line_words

COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
           "left", "top", "width", "height", "conf", "text")
#: What may not stand in a field: the tab, and everything ``str.splitlines()`` breaks a
#: row at (a backend's word with ``\x1c`` or ``\u2028`` would split it): a space each.
_NO_BREAKS = str.maketrans(dict.fromkeys("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))


def _row(level: int, numbers: tuple[int, int, int, int, int], box: BBox, conf: str = "-1", text: str = "") -> str:
    x0, y0, x1, y1 = (int(v) for v in box)
    fields = (level, *numbers, x0, y0, x1 - x0, y1 - y0, conf, text.translate(_NO_BREAKS))
    return "\t".join(str(f) for f in fields)


def render(pages: Sequence[Page]) -> str:
    rows = ["\t".join(COLUMNS)]
    for index, page in enumerate(pages, start=1):
        n = page.page_number or index
        rows.append(_row(1, (n, 0, 0, 0, 0), (0, 0, page.width, page.height)))
        for b, area in enumerate(page.areas, start=1):
            rows.append(_row(2, (n, b, 0, 0, 0), union_bbox(block.bbox or (0, 0, 0, 0) for block in area)))
            for p, block in enumerate(area, start=1):
                rows.append(_row(3, (n, b, p, 0, 0), block.bbox or (0, 0, 0, 0)))
                for ln, line in enumerate(block.lines, start=1):
                    rows.append(_row(4, (n, b, p, ln, 0), line.bbox))
                    for wn, word in enumerate(line_words(line), start=1):
                        conf = f"{max(0.0, min(1.0, float(word.confidence))) * 100:.6f}"
                        rows.append(_row(5, (n, b, p, ln, wn), word.bbox, conf, word.text))
    return "\n".join(rows) + "\n"
