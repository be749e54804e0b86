"""The server's engine cache: one engine per (backend, model, options), shared by
every request that asks for it, freed when idle or when too many are open.

Engines are thread-safe, so concurrent requests share one instead of each
loading its own copy of a model. An engine in use is never freed under a
request: eviction (``max_engines``, least recently used first) and the idle
timer only take engines nobody is using; an engine whose isolated backend
process crashed is dropped at once, so the next request opens a fresh one.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ocrkit

from ..errors import BackendCrashedError

__all__ = ["EngineCache", "EngineKey"]

EngineKey = tuple[str, "str | None", str]


def engine_key(backend: str, model: str | None, options: dict[str, Any]) -> EngineKey:
    """A hashable key; option values (lists, dicts) compared by their JSON form."""
    return backend, model, json.dumps(options, sort_keys=True, default=str)


class _Entry:
    def __init__(self, key: EngineKey, pinned: bool) -> None:
        self.key = key
        self.engine: Any = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.users = 0
        self.last_used = time.monotonic()
        self.pinned = pinned
        self.dropped = False  # no longer in the cache; freed when its last user leaves
        self.drop_reason = ""
        self.freed = False


class EngineCache:
    """Open-on-first-use, shared, LRU-bounded, idle-freed engines.

    *on_event(kind)* is told about ``"load"`` and ``"free:<reason>"`` (reasons:
    ``idle``, ``lru``, ``crash``, ``shutdown``) for the metrics.
    """

    def __init__(
        self,
        *,
        max_engines: int,
        idle_free: float | None = None,
        isolation: str = "none",
        max_image_pixels: int | None = None,
        on_event: Callable[[str], None] = lambda kind: None,
    ) -> None:
        self.max_engines = max_engines
        self.idle_free = idle_free
        self.isolation = isolation
        self.max_image_pixels = max_image_pixels
        self._on_event = on_event
        self._lock = threading.Lock()
        self._entries: OrderedDict[EngineKey, _Entry] = OrderedDict()
        self._closed = False
        self._stop = threading.Event()
        self._janitor: threading.Thread | None = None
        if idle_free is not None:
            self._janitor = threading.Thread(target=self._free_idle_loop, name="ocrkit-serve-idle", daemon=True)
            self._janitor.start()

    # -- use -------------------------------------------------------------------------

    @contextmanager
    def use(self, backend: str, model: str | None, options: dict[str, Any], *, pin: bool = False) -> Iterator[Any]:
        """The shared engine for this key, opened if needed, held for the block."""
        entry = self._acquire(engine_key(backend, model, options), pin, backend, model, options)
        try:
            yield entry.engine
        except BackendCrashedError:
            self._drop(entry, "crash")
            raise
        finally:
            self._release(entry)

    def preload(self, backend: str, model: str | None) -> None:
        """Open (and pin: never idle-freed or evicted) the engine a request without options gets."""
        with self.use(backend, model, {}, pin=True):
            pass

    def _acquire(self, key: EngineKey, pin: bool, backend: str, model: str | None, options: dict[str, Any]) -> _Entry:
        with self._lock:
            if self._closed:
                raise ocrkit.ResourcesFreedError("the server is shutting down; no engine can be opened")
            entry = self._entries.get(key)
            opening = entry is None
            if entry is None:
                entry = self._entries[key] = _Entry(key, pin)
            entry.pinned = entry.pinned or pin
            entry.users += 1
            self._entries.move_to_end(key)
        if opening:
            try:
                entry.engine = ocrkit.open(
                    backend, model, isolation=self.isolation, max_image_pixels=self.max_image_pixels, **options
                )
            except BaseException as exc:
                entry.error = exc
                with self._lock:
                    if self._entries.get(key) is entry:
                        del self._entries[key]
                    entry.dropped = True
                raise
            finally:
                entry.ready.set()
            self._on_event("load")
        else:
            entry.ready.wait()
            if entry.error is not None:
                with self._lock:
                    entry.users -= 1
                raise entry.error
        return entry

    def _release(self, entry: _Entry) -> None:
        with self._lock:
            entry.users -= 1
            entry.last_used = time.monotonic()
            free_now = entry.dropped and entry.users == 0 and entry.engine is not None and not entry.freed
            if free_now:
                entry.freed = True
        if free_now:
            self._free(entry, entry.drop_reason)
        self._evict_over_limit()

    def _drop(self, entry: _Entry, reason: str) -> None:
        """Take *entry* out of the cache; its last user frees it (see ``_release``)."""
        with self._lock:
            if self._entries.get(entry.key) is entry:
                del self._entries[entry.key]
            entry.dropped = True
            entry.drop_reason = reason

    # -- freeing ---------------------------------------------------------------------------

    def _free(self, entry: _Entry, reason: str) -> None:
        try:
            entry.engine.free_resources()
        finally:
            self._on_event(f"free:{reason}")

    def _take_idle(self, predicate: Callable[[_Entry], bool], limit: int | None = None) -> list[_Entry]:
        """Remove and return unused, unpinned, loaded entries matching *predicate*, oldest first."""
        taken: list[_Entry] = []
        with self._lock:
            for entry in list(self._entries.values()):
                if limit is not None and len(taken) >= limit:
                    break
                if entry.users or entry.pinned or entry.engine is None or not predicate(entry):
                    continue
                del self._entries[entry.key]
                entry.dropped = entry.freed = True
                taken.append(entry)
        return taken

    def _evict_over_limit(self) -> None:
        with self._lock:
            excess = len(self._entries) - self.max_engines
        if excess > 0:
            for entry in self._take_idle(lambda e: True, limit=excess):
                self._free(entry, "lru")

    def free_idle(self) -> int:
        """Free every engine unused for ``idle_free`` seconds; how many were freed."""
        if self.idle_free is None:
            return 0
        deadline = time.monotonic() - self.idle_free
        idle = self._take_idle(lambda e: e.last_used <= deadline)
        for entry in idle:
            self._free(entry, "idle")
        return len(idle)

    def _free_idle_loop(self) -> None:
        assert self.idle_free is not None
        interval = min(1.0, self.idle_free / 4)
        while not self._stop.wait(interval):
            try:
                self.free_idle()
            except Exception:  # a backend's failing free must not stop the timer for the others
                continue

    def close(self) -> None:
        """Free every engine (waiting for calls in flight); no engine opens afterwards."""
        with self._lock:
            self._closed = True
            entries = list(self._entries.values())
            self._entries.clear()
            for entry in entries:
                entry.dropped = True
        self._stop.set()
        if self._janitor is not None:
            self._janitor.join()
        for entry in entries:
            entry.ready.wait()
            if entry.engine is not None and not entry.freed:
                entry.freed = True
                self._free(entry, "shutdown")

    # -- inspection ------------------------------------------------------------------------

    @property
    def open_count(self) -> int:
        with self._lock:
            return sum(1 for e in self._entries.values() if e.engine is not None)

    def describe(self) -> list[dict[str, Any]]:
        """The open engines, for ``/readyz``: backend, model, users, seconds idle."""
        now = time.monotonic()
        with self._lock:
            return [
                {"backend": e.key[0], "model": e.key[1], "options": json.loads(e.key[2]), "in_use": e.users,
                 "idle_seconds": round(now - e.last_used, 1), "preloaded": e.pinned}
                for e in self._entries.values() if e.engine is not None
            ]
