"""The conformance kit run on the fake backend: proves the kit itself, quickly.
(The real backends run it in test_conformance_builtin.py.)"""

from __future__ import annotations

from pathlib import Path

from ocrkit.testing import BackendConformance

DATA = Path(__file__).parent.parent / "data"


class TestFakeBackendConformance(BackendConformance):
    backend = "fake"
    plugins = ("tests.fakeocr",)
    sample_image = DATA / "line_hello.png"
    expected_text = "line 566x80"
    layout = "line"
    options = {"ballast_mb": 24}
    min_loaded_mb = 20.0  # the 24 MB ballast
