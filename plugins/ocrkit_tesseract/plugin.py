"""Tesseract backend hooks: thin, each delegates to one private module.

Nothing here imports tesserocr at import time; ``ocrkit backends`` and
``ocrkit models list`` describe and discover without loading the library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ocrkit.backend import BackendInfo, ModelHandle, ModelRecord, Page, PageImage, hookimpl, installed_version

from ._discovery import BACKEND, find_models
from ._options import DEFAULT_LANG, OPTION_SPECS
from ._pool import freed_error
from ._traineddata import read_traineddata


@hookimpl
def ocrkit_describe_backend() -> BackendInfo:
    return BackendInfo(
        name=BACKEND,
        version=installed_version("tesserocr", missing="not installed") or "",
        description="Tesseract 5 via tesserocr: a pool of engines, one per concurrent call",
        capabilities=frozenset({"page", "line", "words", "blocks", "layout", "languages", "threadsafe"}),
        model_formats=("traineddata",),
        options=OPTION_SPECS,
        requires=("tesserocr",),
        install_hint='pip install "ocrkit[tesseract]"',
        default_model=DEFAULT_LANG,
    )


@hookimpl
def ocrkit_discover_models(backend: str, store_dir: Path) -> list[ModelRecord] | None:
    if backend != BACKEND:
        return None
    return find_models(Path(store_dir))


@hookimpl
def ocrkit_load_model(
    backend: str, model: str | None, models: Sequence[ModelRecord], options: Mapping[str, Any]
) -> ModelHandle | None:
    if backend != BACKEND:
        return None
    from ._model import load_model

    return load_model(model, models, options)


@hookimpl
def ocrkit_recognize(handle: ModelHandle, images: Sequence[PageImage], layout: str) -> list[Page]:
    if handle.state is None:
        raise freed_error()
    return handle.state.recognize(images, layout)


@hookimpl
def ocrkit_free_model(handle: ModelHandle) -> bool:
    state, handle.state = handle.state, None
    if state is not None:
        state.free()
    return True


@hookimpl
def ocrkit_import_model(record: ModelRecord, dest_dir: Path) -> Path | None:
    """Refuse a corrupt traineddata before it reaches the store; a plain copy does the rest."""
    read_traineddata(Path(record.path), deep=True)
    return None
