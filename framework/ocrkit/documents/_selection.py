"""Page selections: ``"1-3,7"``, ``"5-"`` or a list of page numbers, 1-based as printed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InvalidOptionError

__all__ = ["PageSelection", "parse_pages", "MAX_PAGE_NUMBER"]

_ITEM = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d*)\s*)?$")
_HOW = "use page numbers from 1, e.g. '1-3,7' or '5-' (page 5 to the end)"
#: The largest page number a selection may name (no document has more pages), and the
#: longest selection text: bounds on what a command line or an HTTP query can send.
MAX_PAGE_NUMBER = 1_000_000
MAX_SELECTION_LENGTH = 4096


@dataclass(frozen=True)
class PageSelection:
    """Which pages to read: inclusive ranges, ``None`` as an end meaning "to the last page".
    An empty tuple of ranges (``ALL``) selects every page."""

    ranges: tuple[tuple[int, int | None], ...] = ()

    @property
    def everything(self) -> bool:
        return not self.ranges

    def numbers(self, count: int, what: str = "the document") -> list[int]:
        """The selected page numbers of a *count*-page document, ascending, each once;
        a page past the end is an error (a typo in a selection should not pass silently)."""
        if self.everything:
            return list(range(1, count + 1))
        chosen: set[int] = set()
        for start, end in self.ranges:
            asked = start if end is None else end
            if asked > count:
                raise InvalidOptionError(
                    f"page selection {self} asks for page {asked} but {what} has "
                    f"{count} page{'s' if count != 1 else ''}"
                )
            chosen.update(range(start, (count if end is None else end) + 1))
        return sorted(chosen)

    def __str__(self) -> str:
        if self.everything:
            return "all"
        return ",".join(
            str(a) if b == a else f"{a}-" if b is None else f"{a}-{b}" for a, b in self.ranges
        )


ALL = PageSelection()


def parse_pages(spec: str | Sequence[int] | PageSelection | None) -> PageSelection:
    """``"1-3,7"`` / ``[1, 2, 3, 7]`` / ``None`` (every page) -> a :class:`PageSelection`.

    Raises :class:`InvalidOptionError` for anything else (page 0, ``"3-1"``, ``"x"``)."""
    if spec is None:
        return ALL
    if isinstance(spec, PageSelection):
        return spec
    if isinstance(spec, str):
        return PageSelection(tuple(_parse_ranges(spec)))
    try:
        numbers = [int(n) for n in spec]
        if any(isinstance(n, bool) or int(n) != n for n in spec):
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidOptionError(f"bad page selection {_shown(spec)}; {_HOW}") from None
    if not numbers or min(numbers) < 1:
        raise InvalidOptionError(f"bad page selection {_shown(list(spec))}; {_HOW}")
    if max(numbers) > MAX_PAGE_NUMBER:
        raise InvalidOptionError(f"page selection asks for page {_shown(max(numbers))}; page numbers go up to {MAX_PAGE_NUMBER}")
    return PageSelection(tuple((n, n) for n in sorted(set(numbers))))


def _parse_ranges(spec: str) -> list[tuple[int, int | None]]:
    if not spec.strip():
        raise InvalidOptionError(f"empty page selection; {_HOW}")
    if len(spec) > MAX_SELECTION_LENGTH:
        raise InvalidOptionError(
            f"page selection of {len(spec)} characters; at most {MAX_SELECTION_LENGTH}: {_HOW}")
    ranges = []
    for item in spec.split(","):
        match = _ITEM.match(item)
        if not match:
            raise InvalidOptionError(f"bad page selection {_shown(spec)} (at {_shown(item.strip())}); {_HOW}")
        start = _page_number(match.group(1))
        end = start if not match.group(2) else (_page_number(match.group(3)) if match.group(3) else None)
        if start < 1 or (end is not None and end < start):
            raise InvalidOptionError(f"bad page selection {_shown(spec)} (at {_shown(item.strip())}); {_HOW}")
        ranges.append((start, end))
    return ranges


def _page_number(digits: str) -> int:
    """The page a run of digits names; never ``int()`` of thousands of digits."""
    stripped = digits.lstrip("0") or "0"
    if len(stripped) > len(str(MAX_PAGE_NUMBER)) or int(stripped) > MAX_PAGE_NUMBER:
        raise InvalidOptionError(f"page number {_shown(digits)} in the page selection; page numbers go up to {MAX_PAGE_NUMBER}")
    return int(stripped)


def _shown(value: object) -> str:
    """*value* as a message shows it: at most 60 characters, so an error stays one short line."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}...({len(text)} characters)"
