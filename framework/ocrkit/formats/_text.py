"""Plain text: each page's text, pages separated by a form feed (as tesseract writes)."""

from __future__ import annotations

from collections.abc import Sequence

from ..documents import PAGE_SEPARATOR
from ..results import Page


def render(pages: Sequence[Page]) -> str:
    text = PAGE_SEPARATOR.join(page.text for page in pages)
    return text if not text or text.endswith("\n") else text + "\n"
