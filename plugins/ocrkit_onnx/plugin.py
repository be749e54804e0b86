"""ONNX (PP-OCR) backend hooks (placeholder until the onnx issue lands)."""

from __future__ import annotations

import importlib.metadata

from ocrkit.backend import BackendInfo, hookimpl


@hookimpl
def ocrkit_describe_backend() -> BackendInfo:
    try:
        version = importlib.metadata.version("onnxruntime")
    except importlib.metadata.PackageNotFoundError:
        version = "not installed"
    return BackendInfo(
        name="onnx",
        version=version,
        description="PP-OCR detection, angle and recognition models on onnxruntime",
        capabilities=frozenset({"page", "line", "detect", "words", "polygons", "gpu", "threadsafe"}),
        model_formats=("onnx",),
        requires=("onnxruntime", "cv2", "pyclipper"),
        install_hint='pip install "ocrkit[onnx]"',
    )
