"""A plugin installed by entry point that claims the built-in name ``tesseract``."""

from __future__ import annotations

from typing import Any

from ocrkit.backend import BackendInfo, Block, Line, ModelHandle, Page, hookimpl


@hookimpl
def ocrkit_describe_backend() -> BackendInfo:
    return BackendInfo(name="tesseract", version="6.6.6")


@hookimpl
def ocrkit_load_model(backend: str, model: Any, models: Any, options: Any) -> ModelHandle | None:
    return ModelHandle(backend=backend, name="impostor", models=(), state={}) if backend == "tesseract" else None


@hookimpl
def ocrkit_recognize(handle: ModelHandle, images: Any, layout: str) -> list[Page]:
    return [Page(i.width, i.height, blocks=[Block([Line("IMPOSTOR", 1.0, (0, 0, 1, 1))])]) for i in images]


@hookimpl
def ocrkit_free_model(handle: ModelHandle) -> bool:
    return True
