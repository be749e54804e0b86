"""Reading order of a page's text lines, from their boxes alone.

For backends that return lines without a layout of their own. A region of lines
is split at its *gutter*: the vertical band that the fewest lines cross while
many lie on either side (counted on boxes trimmed of the padding detectors add).
Lines that cross the gutter (a full-width title, a wide caption) cut the region
into sections; each section is read left side first, then right side, each side
split again the same way, and the crossing lines sit between the sections they
separate. Sides made of short lines (a receipt's labels and prices, a form's
fields, a table's cells) are not columns: such a region is read row by row.

The result is a list of *areas* (a run of full-width text, one column of a
section, a table), each the indices of its lines in reading order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..results import BBox

__all__ = ["reading_order", "TEXT_COLUMN_LINE_ASPECT"]


#: Side-by-side groups are text columns only if their lines are this many line
#: heights long (median); shorter ones are table, form or receipt cells. Measured on
#: the 60 SROIE receipts: reading such groups row by row takes page CER from 17.6% to 5%.
TEXT_COLUMN_LINE_ASPECT = 8.0
#: Share of a line's height trimmed off each end before looking for a gutter:
#: detectors pad their boxes, and two columns' padded boxes may touch.
GUTTER_TRIM = 0.3
#: A gutter is crossed by at most this share of the lines beside it (at its densest side).
GUTTER_CROSSING = 0.5


class _Lines:
    """The boxes of one page as arrays, and the cuts over subsets of them."""

    def __init__(self, boxes: np.ndarray) -> None:
        self.x0, self.y0, self.x1, self.y1 = (boxes[:, k] for k in range(4))
        self.height = np.maximum(self.y1 - self.y0, 1.0)
        self.width = np.maximum(self.x1 - self.x0, 1.0)
        self.aspect = self.width / self.height
        trim = np.minimum(GUTTER_TRIM * self.height, 0.25 * self.width)
        self.left, self.right = np.floor(self.x0 + trim).astype(int), np.ceil(self.x1 - trim).astype(int)
        self.centre = (self.y0 + self.y1) / 2

    def _coverage(self, ids: list[int]) -> tuple[int, np.ndarray]:
        """Origin and count of trimmed lines over each pixel column of *ids*' extent."""
        origin = int(self.left[ids].min())
        counts = np.zeros(int(self.right[ids].max()) - origin + 2, dtype=np.int64)
        np.add.at(counts, self.left[ids] - origin, 1)
        np.add.at(counts, self.right[ids] - origin, -1)
        return origin, np.cumsum(counts)[:-1]

    def gutter(self, ids: list[int]) -> tuple[list[int], list[int], list[int]] | None:
        """Lines left of, right of and across the region's gutter, if it has one
        between columns of text."""
        origin, coverage = self._coverage(ids)
        best: tuple[float, list[int], list[int], list[int]] | None = None
        peak_left = np.maximum.accumulate(coverage)
        peak_right = np.maximum.accumulate(coverage[::-1])[::-1]
        for start, end in _minima(coverage):
            beside = min(int(peak_left[start]), int(peak_right[end - 1]))
            crossing_share = coverage[start] / max(beside, 1)
            if crossing_share > GUTTER_CROSSING or (best is not None and crossing_share >= best[0]):
                continue
            a, b = origin + start, origin + end
            left = [i for i in ids if self.right[i] <= a]
            right = [i for i in ids if self.left[i] >= b]
            if self._text_columns(left, right):
                crossing = [i for i in ids if self.right[i] > a and self.left[i] < b]
                best = (crossing_share, left, right, crossing)
        return None if best is None else best[1:]

    def _text_columns(self, left: list[int], right: list[int]) -> bool:
        """Whether two sides are columns of text: side by side somewhere, and made of
        long lines (by width: a table inside a column does not make it cells)."""
        if len(left) < 2 or len(right) < 2:
            return False
        if min(self.y1[left].max(), self.y1[right].max()) <= max(self.y0[left].min(), self.y0[right].min()):
            return False  # one above the other (an address, then a salutation)
        return all(self._long_lines(side) for side in (left, right))

    def _long_lines(self, ids: list[int]) -> bool:
        """Width-weighted median aspect of *ids* at least TEXT_COLUMN_LINE_ASPECT."""
        order = sorted(ids, key=lambda i: self.aspect[i])
        weights = np.cumsum(self.width[order])
        median = order[int(np.searchsorted(weights, weights[-1] / 2))]
        return bool(self.aspect[median] >= TEXT_COLUMN_LINE_ASPECT)

    def rows(self, ids: list[int]) -> list[int]:
        """Top to bottom by row, left to right within a row.

        A line joins the row above when its centre is within half a line height of
        the row's mean centre; comparing with the row's own centre, not the union of
        its boxes, keeps rows from chaining down a skewed receipt.
        """
        rows: list[list[int]] = []
        for i in sorted(ids, key=lambda i: (self.centre[i], self.x0[i])):
            if rows:
                last = rows[-1]
                row_centre = float(np.mean(self.centre[last]))
                row_height = float(np.median(self.height[last]))
                if abs(self.centre[i] - row_centre) < 0.5 * min(row_height, self.height[i]):
                    last.append(i)
                    continue
            rows.append([i])
        return [i for row in rows for i in sorted(row, key=lambda j: self.x0[j])]

    def areas(self, ids: list[int]) -> list[list[int]]:
        """Areas of *ids* in reading order (see the module docstring)."""
        split = self.gutter(ids) if len(ids) >= 4 else None
        if split is None:
            return [self.rows(ids)]
        left, right, crossing = split
        areas: list[list[int]] = []
        plain: list[int] = []  # crossing lines, and sections on one side only: read by rows
        for across, section in _sections(sorted(ids, key=lambda i: self.centre[i]), set(crossing)):
            members = set(section)
            parts = [[i for i in side if i in members] for side in (left, right)]
            if across or not all(parts):
                plain += section
                continue
            if plain:
                areas.append(self.rows(plain))
                plain = []
            for part in parts:
                areas += self.areas(part)
        if plain:
            areas.append(self.rows(plain))
        return areas


def _minima(coverage: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of the interior runs of *coverage* lower than both neighbours."""
    change = np.flatnonzero(np.diff(coverage)) + 1
    bounds = np.concatenate(([0], change, [len(coverage)]))
    runs = []
    for k in range(1, len(bounds) - 2):
        start, end = int(bounds[k]), int(bounds[k + 1])
        if coverage[start - 1] > coverage[start] < coverage[end]:
            runs.append((start, end))
    return runs


def _sections(ordered: list[int], crossing: set[int]) -> list[tuple[bool, list[int]]]:
    """*ordered* (top to bottom) cut into runs of crossing and of other lines."""
    runs: list[tuple[bool, list[int]]] = []
    for i in ordered:
        across = i in crossing
        if runs and runs[-1][0] == across:
            runs[-1][1].append(i)
        else:
            runs.append((across, [i]))
    return runs


def reading_order(line_boxes: Sequence[BBox], upside_down: bool = False) -> list[list[int]]:
    """Areas of line indices, areas and lines in reading order.

    *upside_down*: the page is turned by 180 degrees (its lines were read turned),
    so reading starts at the bottom right.
    """
    if not line_boxes:
        return []
    boxes = np.asarray(line_boxes, dtype=np.float64).reshape(-1, 4)
    if upside_down:
        boxes = -boxes[:, [2, 3, 0, 1]]
    return _Lines(boxes).areas(list(range(len(boxes))))
