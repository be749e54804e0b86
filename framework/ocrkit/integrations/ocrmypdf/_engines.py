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

from ... import open as open_engine
from ._settings import EngineConfig

__all__ = ["EngineCache", "ENGINES", "FreeingExecutor"]

log = logging.getLogger(__name__)


class EngineCache:
    """This process's open engines, one per configuration. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[str, Any] = {}
        self._jobs = 0
        self.opened = 0  # engines opened in this process so far (tests check reuse)

    def get(self, config: EngineConfig) -> Any:
        """The engine for *config*, opened (and its model loaded) on first use."""
        with self._lock:
            engine = self._engines.get(config.key)
            if engine is None or engine.freed:
                engine = open_engine(config.backend, config.model, isolation=config.isolation, **config.options)
                self._engines[config.key] = engine
                self.opened += 1
                log.debug("ocrkit: opened %r", engine)
            return engine

    def __len__(self) -> int:
        with self._lock:
            return len(self._engines)

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
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.free_resources()
            log.debug("ocrkit: freed %r", engine)


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
