"""The ocrkit conformance kit, run against this backend: all it takes is this class."""

from pathlib import Path

from ocrkit.testing import BackendConformance


class TestTesseractCli(BackendConformance):
    backend = "tesseract-cli"
    sample_image = Path(__file__).parent / "hello.png"
    expected_text = "Hello world from ocrkit"
    layout = "line"
    # Every recognition starts a tesseract process: fewer callers and cycles than the
    # defaults (8 threads, 100 cycles) keep this suite quick and still check the contract.
    threads = 4
    cycles = 30
