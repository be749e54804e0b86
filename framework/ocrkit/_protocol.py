"""The engine interface: what the read pipeline and the engine pool use of an engine.

Both engine kinds satisfy it: :class:`ocrkit.Engine` (the backend in this process)
and :class:`ocrkit._isolation.ProcessEngine` (the backend in a child process).
``crashed`` is part of it: the in-process engine never crashes (a native crash takes
the process), the isolated one reports a child that died, and the pool reopens it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

__all__ = ["OcrEngine"]


@runtime_checkable
class OcrEngine(Protocol):
    """An open engine: one backend, its model, its lifecycle."""

    @property
    def backend(self) -> str: ...

    @property
    def model(self) -> str | None: ...

    @property
    def max_image_pixels(self) -> int: ...

    @property
    def options(self) -> Mapping[str, Any]: ...

    @property
    def freed(self) -> bool:
        """True once ``free_resources()`` ran."""
        ...

    @property
    def crashed(self) -> bool:
        """True once an isolated backend's process died; every later call raises."""
        ...

    def recognize(self, image: Any, layout: str = "page") -> Any:
        """A :class:`~ocrkit.Page` for one image, a list of them for a list of images."""
        ...

    def free_resources(self) -> None:
        """Release the model and everything it holds (idempotent)."""
        ...
