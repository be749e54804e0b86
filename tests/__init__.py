"""ocrkit's tests. A package, so that tests/onnx is imported as tests.onnx and never
shadows the onnx library (which ocrkit models quantize uses)."""
