"""Built-in ocrkit backend: tesseract. Registered through the ``ocrkit`` entry point
(``tesseract = ocrkit_tesseract.plugin``), exactly like a third-party plugin."""
