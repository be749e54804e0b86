"""ONNX backend hooks: PP-OCR detection, angle classification and recognition on
onnxruntime.

Importing this module is cheap: onnxruntime, OpenCV and pyclipper are imported
inside the hooks that need them (load and recognise), never at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ocrkit.backend import BackendInfo, ModelHandle, ModelRecord, Page, PageImage, hookimpl, installed_version

from ._discovery import BACKEND, discover_sets
from ._import import import_set
from ._int8set import quantize_set
from ._options import OPTIONS, parse_options
from ._selection import DEFAULT_SET, select_set, set_from_record


@hookimpl
def ocrkit_describe_backend() -> BackendInfo:
    return BackendInfo(
        name=BACKEND,
        version=installed_version("onnxruntime", missing="not installed") or "",
        description="PP-OCR detection, angle and recognition models on onnxruntime",
        capabilities=frozenset({"page", "line", "detect", "words", "polygons", "blocks", "gpu", "threadsafe"}),
        model_formats=("onnx",),
        options=OPTIONS,
        requires=("onnxruntime", "cv2", "pyclipper"),
        install_hint='pip install "ocrkit[onnx]"',
        default_model=DEFAULT_SET,
    )


@hookimpl
def ocrkit_discover_models(backend: str, store_dir: Path) -> Sequence[ModelRecord] | None:
    if backend != BACKEND:
        return None
    return discover_sets(store_dir)


@hookimpl
def ocrkit_load_model(
    backend: str, model: str | None, models: Sequence[ModelRecord], options: Mapping[str, Any]
) -> ModelHandle | None:
    if backend != BACKEND:
        return None
    settings = parse_options(options)
    record = select_set(model, models)
    model_set = set_from_record(record)

    from ._pipeline import Pipeline  # imports numpy-heavy modules; onnxruntime inside

    pipeline = Pipeline(model_set, settings)
    return ModelHandle(
        backend=BACKEND,
        name=model_set.name,
        models=(record,),
        state=pipeline,
        options=dict(options),
    )


@hookimpl
def ocrkit_recognize(handle: ModelHandle, images: Sequence[PageImage], layout: str) -> list[Page]:
    return handle.state.recognize(images, layout)


@hookimpl
def ocrkit_free_model(handle: ModelHandle) -> bool:
    state, handle.state = handle.state, None
    if state is not None:
        state.free()
    return True


@hookimpl
def ocrkit_import_model(record: ModelRecord, dest_dir: Path) -> Path:
    return import_set(record, dest_dir)


@hookimpl
def ocrkit_quantize_model(
    record: ModelRecord, dest_dir: Path, name: str | None, calibration: Path | None,
    progress: Callable[[str], None] | None,
) -> Path:
    return quantize_set(set_from_record(record), dest_dir, name=name, calibrate=calibration, progress=progress).path
