"""Built-in ocrkit backend: tesseract. Registered through the ``ocrkit`` entry point
(``tesseract = ocrkit_tesseract.plugin``), exactly like a third-party plugin.

Use it through ``ocrkit.open("tesseract", ...)``; see ``docs/backends/tesseract.md``.
"""

from ._discovery import traineddata_record
from ._options import TesseractOptionError
from ._traineddata import TraineddataInfo, read_traineddata

__all__ = ["TesseractOptionError", "traineddata_record", "read_traineddata", "TraineddataInfo"]
