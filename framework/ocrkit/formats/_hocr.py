"""hocr writer (not written yet)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import OcrkitError
from ..results import Page


def render(pages: Sequence[Page]) -> str:
    raise OcrkitError("the hocr format is not available yet in this ocrkit; use text or json")
