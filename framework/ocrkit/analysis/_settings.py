"""The page-analysis switches, named as OCRmyPDF's users know them where that fits."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..errors import InvalidOptionError

__all__ = ["AnalysisSettings", "ROTATIONS", "MAX_SKEW"]

ROTATIONS = (0, 90, 180, 270)
#: The largest skew the built-in measure looks for and a forced skew may ask for (degrees).
MAX_SKEW = 15.0


@dataclass(frozen=True)
class AnalysisSettings:
    """How pages are turned upright and straightened before recognition.

    ``rotate_pages``: find the page's orientation (0/90/180/270) and turn it upright
    when the finding's confidence (0..1) is at least ``rotate_pages_threshold``.
    ``deskew``: measure the text lines' skew and straighten it when it is at least
    ``deskew_threshold`` degrees (below that the page is left exactly as given).
    ``rotation`` / ``skew``: force these angles instead of detecting them (``rotation``:
    clockwise turn of the content, undone; ``skew``: degrees, positive = downhill).
    """

    rotate_pages: bool = True
    rotate_pages_threshold: float = 0.2
    deskew: bool = True
    deskew_threshold: float = 0.5
    rotation: int | None = None
    skew: float | None = None

    def __post_init__(self) -> None:
        def bad(name: str, why: str) -> InvalidOptionError:
            return InvalidOptionError(f"page analysis: {name}={getattr(self, name)!r} {why}")

        for name in ("rotate_pages", "deskew"):
            if not isinstance(getattr(self, name), bool):
                raise bad(name, "must be true or false")
        threshold = self.rotate_pages_threshold
        if not _number(threshold) or not 0.0 <= threshold <= 1.0:
            raise bad("rotate_pages_threshold", "must be a confidence from 0 to 1 (not OCRmyPDF's 0-15 scale); e.g. 0.2")
        if not _number(self.deskew_threshold) or not 0.0 <= self.deskew_threshold <= MAX_SKEW:
            raise bad("deskew_threshold", f"must be a number of degrees from 0 to {MAX_SKEW:g}")
        if self.rotation is not None and (isinstance(self.rotation, bool) or self.rotation not in ROTATIONS):
            raise bad("rotation", "must be one of 0, 90, 180, 270 (the clockwise turn of the content to undo)")
        if self.skew is not None and (not _number(self.skew) or abs(self.skew) > MAX_SKEW):
            raise bad("skew", f"must be a number of degrees from -{MAX_SKEW:g} to {MAX_SKEW:g}")

    @classmethod
    def off(cls) -> AnalysisSettings:
        """No analysis at all: pages go to the backend exactly as given."""
        return cls(rotate_pages=False, deskew=False)

    @property
    def active(self) -> bool:
        """Whether the stage has anything to do."""
        return self.rotate_pages or self.deskew or bool(self.rotation) or bool(self.skew)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> AnalysisSettings:
        """Settings from a mapping (an HTTP form, a JSON body, keyword arguments);
        unknown names raise, listing the known ones."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidOptionError(f"unknown page analysis setting(s) {unknown}; use {sorted(known)}")
        return cls(**values)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
