"""Page selections: ``"1-3,7"``, ``"5-"`` or a list of page numbers, 1-based as printed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InvalidOptionError

__all__ = ["PageSelection", "parse_pages"]

_ITEM = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d*)\s*)?$")
_HOW = "use page numbers from 1, e.g. '1-3,7' or '5-' (page 5 to the end)"


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
        if not spec.strip():
            raise InvalidOptionError(f"empty page selection; {_HOW}")
        ranges = []
        for item in spec.split(","):
            match = _ITEM.match(item)
            if not match:
                raise InvalidOptionError(f"bad page selection {spec!r} (at {item.strip()!r}); {_HOW}")
            start = int(match.group(1))
            end: int | None = start if not match.group(2) else (int(match.group(3)) if match.group(3) else None)
            if start < 1 or (end is not None and end < start):
                raise InvalidOptionError(f"bad page selection {spec!r} (at {item.strip()!r}); {_HOW}")
            ranges.append((start, end))
        return PageSelection(tuple(ranges))
    try:
        numbers = [int(n) for n in spec]
        if any(isinstance(n, bool) or int(n) != n for n in spec):
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidOptionError(f"bad page selection {spec!r}; {_HOW}") from None
    if not numbers or min(numbers) < 1:
        raise InvalidOptionError(f"bad page selection {list(spec)!r}; {_HOW}")
    return PageSelection(tuple((n, n) for n in sorted(set(numbers))))
