"""The conformance kit on both built-in backends, exactly as a plugin author runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocrkit.testing import BackendConformance

DATA = Path(__file__).parent.parent / "data"
#: The kit on a real backend: a fresh interpreter and 100 load/recognise/free cycles
#: (137 s on onnx on 2 idle cores), stress, degenerate images.
pytestmark = pytest.mark.slow


class TestTesseractConformance(BackendConformance):
    backend = "tesseract"
    sample_image = DATA / "line_hello.png"
    expected_text = "Hello world from ocrkit"
    layout = "line"
    min_loaded_mb = 10.0  # eng loads ~17 MB (docs/resource-release.md)


class TestOnnxConformance(BackendConformance):
    backend = "onnx"
    sample_image = DATA / "line_hello.png"
    expected_text = "Hello world from ocrkit"
    layout = "line"
    min_loaded_mb = 50.0  # the PP-OCR sessions take ~113 MB
