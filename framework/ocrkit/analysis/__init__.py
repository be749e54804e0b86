"""Page analysis in the core, the same for every backend: reading order and
structure (columns, areas, paragraphs) for backends that return bare lines."""

from __future__ import annotations

from .reading_order import TEXT_COLUMN_LINE_ASPECT, reading_order
from .structure import UPSIDE_DOWN_META, orders_its_own_layout, paragraphs, structure_page

__all__ = [
    "reading_order",
    "paragraphs",
    "structure_page",
    "orders_its_own_layout",
    "UPSIDE_DOWN_META",
    "TEXT_COLUMN_LINE_ASPECT",
]
