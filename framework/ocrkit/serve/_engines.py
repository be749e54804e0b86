"""The server's engines: one :class:`~ocrkit._pool.EnginePool` for every request.

One engine per (backend, model, options), shared by every request that asks for it,
freed when idle (``--idle-free``) or when more than ``--max-engines`` are open (least
recently used first); an engine whose isolated backend process crashed is dropped at
once, so the next request opens a fresh one. The pool is ocrkit's one engine pool:
this module only says how the server configures it.
"""

from __future__ import annotations

from collections.abc import Callable

from .._pool import EnginePool

__all__ = ["EngineCache"]


class EngineCache(EnginePool):
    """The server's engine pool (the name ``/readyz`` and the metrics speak of)."""

    def __init__(
        self,
        *,
        max_engines: int,
        idle_free: float | None = None,
        max_image_pixels: int | None = None,
        on_event: Callable[[str], None] = lambda kind: None,
    ) -> None:
        super().__init__(max_engines=max_engines, idle_free=idle_free, max_image_pixels=max_image_pixels,
                         on_event=on_event)
