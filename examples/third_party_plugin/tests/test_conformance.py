"""The ocrkit conformance kit, run against this backend: all it takes is this class."""

from pathlib import Path

from ocrkit.testing import BackendConformance


class TestTesseractCli(BackendConformance):
    backend = "tesseract-cli"
    sample_image = Path(__file__).parent / "hello.png"
    expected_text = "Hello world from ocrkit"
    layout = "line"
