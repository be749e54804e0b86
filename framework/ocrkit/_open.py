"""``ocrkit.open()``: picks the engine kind, above both of them (the in-process
:class:`~ocrkit.Engine` and the process-isolated one)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._engine import Engine
from ._isolation import ProcessEngine
from ._languages import route
from ._registry import Registry
from .documents import ISOLATION_NAMES
from .errors import InvalidOptionError
from .store import ModelStore

__all__ = ["open", "ISOLATIONS", "DEFAULT_BACKEND"]

#: The backend the command and the server read with unless told otherwise.
DEFAULT_BACKEND = "tesseract"
#: The values ``isolation=`` accepts, each with the engine class it opens.
ISOLATIONS: dict[str, type[Engine] | type[ProcessEngine]] = dict(zip(ISOLATION_NAMES, (Engine, ProcessEngine), strict=True))


def open(
    backend: str,
    model: str | None = None,
    *,
    lang: str | Sequence[str] | None = None,
    registry: Registry | None = None,
    store: ModelStore | str | None = None,
    lazy: bool = False,
    max_image_pixels: int | None = None,
    isolation: str = "none",
    call_timeout: float | None = None,
    **options: Any,
) -> Engine | ProcessEngine:
    """Open an OCR engine on *backend* (``"tesseract"``, ``"onnx"``, a plugin's name).

    *model* picks a model (a tesseract language such as ``"eng"``, a PP-OCR model
    set); the backend's default otherwise. *lang* (``"fra"``, ``"fra+eng"``,
    ``["eng", "de"]``) picks the installed model that reads those languages, or checks
    that *model* does (see docs/languages.md); when none does,
    :class:`LanguageNotAvailableError` says what to pull. *options* are backend options (see
    ``ocrkit backends -v``); undeclared ones raise :class:`UnknownOptionError`.
    *store* is a model store root other than ``$OCRKIT_HOME``. ``lazy=True`` loads
    the model on first use (model management alone needs none).
    *max_image_pixels* bounds every input image (default: ``OCRKIT_MAX_IMAGE_PIXELS``
    or 150 MP). ``isolation="process"`` runs the backend in a child process behind
    the same API; there every call has a deadline, *call_timeout* seconds (default
    300, per image for recognition), past which the child is killed and the call
    raises :class:`BackendTimeoutError`. Use as a context manager, or call
    ``free_resources()``.
    """
    engine_class = ISOLATIONS.get(isolation)
    if engine_class is None:
        raise InvalidOptionError(f"unknown isolation {isolation!r}; use one of {sorted(ISOLATIONS)}")
    if isinstance(store, (str, Path)):
        store = ModelStore(store)
    if lang is not None:
        model = route(backend, lang, model, registry=registry, store=store)
    if engine_class is ProcessEngine:
        options["call_timeout"] = call_timeout
    elif call_timeout is not None:
        raise InvalidOptionError(
            "call_timeout needs isolation='process': a call in this process cannot be stopped safely"
        )
    return engine_class(
        backend, model, registry=registry, store=store, lazy=lazy, max_image_pixels=max_image_pixels, **options
    )
