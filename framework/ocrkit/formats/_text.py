r"""Plain text: each page's text, pages separated by a form feed (as tesseract writes).

A form feed inside a page's text would fake a page break, and the other characters
``str.splitlines()`` breaks at (``\v``, ``\x1c``-``\x1e``, ``\x85``, ``\u2028``,
``\u2029``, a lone ``\r``) would make lines a reader cannot count: each becomes
``\n``, so the only form feeds are the page breaks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..documents import PAGE_SEPARATOR
from ..results import Page

_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _page_text(text: str) -> str:
    return _LINE_BREAKS.sub("\n", text)


def render(pages: Sequence[Page]) -> str:
    text = PAGE_SEPARATOR.join(_page_text(page.text) for page in pages)
    return text if not text or text.endswith("\n") else text + "\n"
