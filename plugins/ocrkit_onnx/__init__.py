"""Built-in ocrkit backend: onnx. Registered through the ``ocrkit`` entry point
(``onnx = ocrkit_onnx.plugin``), exactly like a third-party plugin."""
