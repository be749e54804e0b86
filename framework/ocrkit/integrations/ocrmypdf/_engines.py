"""One ocrkit engine per OCRmyPDF worker process, reused for every page, freed when
OCRmyPDF finishes.

OCRmyPDF runs pages in threads by default (every thread shares this process's
engine: ocrkit engines are thread-safe) or, with ``use_threads=False``, in worker
processes (each opens its own on its first page). It has no "job finished" hook, so
the plugin wraps OCRmyPDF's executor: while any executor call of this process runs,
engines stay open; when the last one returns, they are freed. A worker process
frees its engine when it exits (a ``multiprocessing`` finalizer).
"""

from __future__ import annotations

import atexit
import functools
import logging
import multiprocessing.util
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..._pool import EnginePool, PooledEngine
from ...documents import ReadSpec
from ._settings import EngineConfig

__all__ = ["EngineCache", "ENGINES", "FreeingExecutor"]

log = logging.getLogger(__name__)


class EngineCache:
    """This process's engines, one per configuration, held from ocrkit's one engine
    pool (which reopens an isolated backend that crashed). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = EnginePool()
        self._held: dict[str, PooledEngine] = {}
        self._jobs = 0

    @property
    def opened(self) -> int:
        """Engines opened in this process so far (tests check reuse)."""
        return self._pool.opened

    def get(self, config: EngineConfig) -> PooledEngine:
        """The engine for *config*, opened (and its model loaded) on first use."""
        with self._lock:
            engine = self._held.get(config.key)
            if engine is None or engine.freed:
                spec = ReadSpec(config.backend, config.model, config.options, config.isolation)
                engine = self._held[config.key] = self._pool.hold(spec)
                log.debug("ocrkit: opened %r", engine)
            return engine

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)

    @contextmanager
    def job(self) -> Iterator[None]:
        """Keep engines open while the block (one OCRmyPDF executor call) runs; the
        last block to end frees them."""
        with self._lock:
            self._jobs += 1
        try:
            yield
        finally:
            with self._lock:
                self._jobs -= 1
                last = self._jobs == 0
            if last:
                self.free_all()

    def free_all(self) -> None:
        """Free every engine (idempotent)."""
        with self._lock:
            held, self._held = list(self._held.values()), {}
        for engine in held:
            engine.release()
        self._pool.free_all()
        log.debug("ocrkit: freed %d engine(s)", len(held))


#: The engines of this process.
ENGINES = EngineCache()
atexit.register(ENGINES.free_all)


def _init_worker_process(inner: Callable[[], None] | None) -> None:
    """OCRmyPDF's worker initializer, plus: free this worker's engine when it exits."""
    if inner is not None:
        inner()
    multiprocessing.util.Finalize(ENGINES, ENGINES.free_all, exitpriority=10)


class FreeingExecutor:
    """OCRmyPDF's executor (whichever plugin provides it) with engine freeing around
    each call."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __call__(self, **kwargs: Any) -> Any:
        if not kwargs.get("use_threads", True):
            kwargs["worker_initializer"] = functools.partial(_init_worker_process, kwargs.get("worker_initializer"))
        with ENGINES.job():
            return self._inner(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
