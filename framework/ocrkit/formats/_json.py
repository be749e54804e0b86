"""JSON (docs/json-format.md): one page is one object, several pages an array of them."""

from __future__ import annotations

from collections.abc import Sequence

from ..results import Page, dumps_json


def render(pages: Sequence[Page]) -> str:
    docs = [page.to_dict() for page in pages]
    return dumps_json(docs[0] if len(docs) == 1 else docs) + "\n"
