"""A pool of tesseract API instances: one per concurrent recognition, never shared.

Why a pool and not one locked instance: tesserocr releases the GIL while
tesseract works, so N instances recognise N images at once on N cores. One
``TessBaseAPI`` must never be used by two threads at a time; the pool hands each
instance to one caller and takes it back. Instances are created lazily, up to
``size``, so a single-threaded user pays for one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ocrkit.backend import ResourcesFreedError

__all__ = ["ApiPool", "freed_error"]


def freed_error() -> ResourcesFreedError:
    """What every call on a freed tesseract model raises."""
    return ResourcesFreedError("this tesseract model was freed; open a new engine with ocrkit.open()")


class ApiPool:
    """Up to *size* instances made by *factory*; ``close()`` ends them all.

    ``close`` refuses new borrowers, ends the idle instances, and waits until the
    borrowed ones come back to end them too (the engine frees only after calls in
    flight return, so that wait is short).
    """

    def __init__(self, factory: Callable[[], Any], size: int, end: Callable[[Any], None]) -> None:
        self._factory = factory
        self._end = end
        self.size = size
        self._cond = threading.Condition()
        self._idle: list[Any] = []
        self._created = 0  # live instances, idle or borrowed, plus those being built
        self._closed = False

    @property
    def created(self) -> int:
        with self._cond:
            return self._created

    @property
    def closed(self) -> bool:
        return self._closed

    def _freed(self) -> ResourcesFreedError:
        return freed_error()

    def prefill(self, count: int) -> None:
        """Make sure *count* instances (at most ``size``) exist, building the missing
        ones on the calling thread.

        Why the caller's thread: glibc serves each thread from its own arena, and an
        instance built inside a short-lived batch worker leaves its long-lived data
        in that worker's arena, where the recognitions that follow fragment it and
        ``malloc_trim`` cannot give it back (RSS then creeps up a few MiB per cycle).
        """
        items = []
        try:
            while True:
                with self._cond:
                    if self._closed:
                        raise self._freed()
                    if self._created >= min(count, self.size):
                        break
                    self._created += 1
                items.append(self._build())
        finally:
            for item in items:
                self._give_back(item)

    def _build(self) -> Any:
        try:
            return self._factory()
        except BaseException:
            with self._cond:
                self._created -= 1
                self._cond.notify_all()
            raise

    def _give_back(self, api: Any) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(api)
                self._cond.notify()
                return
        self._end_one(api)

    def _end_one(self, api: Any) -> None:
        try:
            self._end(api)
        finally:
            with self._cond:
                self._created -= 1
                self._cond.notify_all()

    @contextmanager
    def borrow(self) -> Iterator[Any]:
        """An instance for this thread alone, until the block ends."""
        with self._cond:
            while True:
                if self._closed:
                    raise self._freed()
                if self._idle:
                    api = self._idle.pop()
                    break
                if self._created < self.size:
                    self._created += 1
                    api = None
                    break
                self._cond.wait()
        if api is None:
            api = self._build()
        try:
            yield api
        finally:
            self._give_back(api)

    def close(self) -> None:
        """End every instance; idempotent, safe from any thread."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for api in idle:
            self._end_one(api)
        with self._cond:
            while self._created > 0:
                self._cond.wait()
