"""Built-in ocrkit backend: tesseract. Registered through the ``ocrkit`` entry point
(``tesseract = ocrkit_tesseract.plugin``), exactly like a third-party plugin.

Use it through ``ocrkit.open("tesseract", ...)``; see ``docs/backends/tesseract.md``.
"""

from ._options import TesseractOptionError

__all__ = ["TesseractOptionError"]
