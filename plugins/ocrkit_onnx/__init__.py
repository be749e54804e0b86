"""Built-in ocrkit backend: onnx (PP-OCR on onnxruntime). Registered through the
``ocrkit`` entry point (``onnx = ocrkit_onnx.plugin``), exactly like a third-party plugin.

Use it through ``ocrkit.open("onnx", ...)``; see ``docs/backends/onnx.md``.
"""

from ._options import OnnxOptionError

__all__ = ["OnnxOptionError"]
