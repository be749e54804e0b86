"""Built-in ocrkit backend: onnx (PP-OCR on onnxruntime). Registered through the
``ocrkit`` entry point (``onnx = ocrkit_onnx.plugin``), exactly like a third-party plugin.

Use it through ``ocrkit.open("onnx", ...)``; see ``docs/backends/onnx.md``.
``quantize()`` makes calibrated int8 sets (``ocrkit models quantize``).
"""

from ._calibration import CalibrationError
from ._cpu import Int8AccuracyWarning
from ._int8set import QuantizationCheckError, QuantizeResult, Tolerance, quantize
from ._options import OnnxOptionError

__all__ = [
    "OnnxOptionError",
    "quantize",
    "QuantizeResult",
    "Tolerance",
    "QuantizationCheckError",
    "CalibrationError",
    "Int8AccuracyWarning",
]
