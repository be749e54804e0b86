"""``ocrkit.open()``: the dispatcher above both engine kinds."""

from __future__ import annotations

import pytest

import ocrkit


@pytest.mark.parametrize("isolation", ["thread", "", "Process"])
def test_unknown_isolation_is_refused_with_the_known_ones(isolation: str) -> None:
    with pytest.raises(ocrkit.InvalidOptionError, match=r"unknown isolation .*\['none', 'process'\]"):
        ocrkit.open("tesseract", isolation=isolation)


@pytest.mark.parametrize("backend", ["tesseract", "onnx"])
def test_both_builtin_states_follow_the_free_convention(backend: str, ocrkit_home) -> None:
    from ocrkit.backend import HandleState

    with ocrkit.open(backend) as engine:
        state = engine.handle.state
        assert isinstance(state, HandleState)
