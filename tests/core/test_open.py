"""``ocrkit.open()``: the dispatcher above both engine kinds."""

from __future__ import annotations

import pytest

import ocrkit


@pytest.mark.parametrize("isolation", ["thread", "", "Process"])
def test_unknown_isolation_is_refused_with_the_known_ones(isolation: str) -> None:
    with pytest.raises(ocrkit.InvalidOptionError, match=r"unknown isolation .*\['none', 'process'\]"):
        ocrkit.open("tesseract", isolation=isolation)
