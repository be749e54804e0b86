"""The one engine pool: engines opened on first use, shared, reopened after a crash,
freed when idle, when too many are open, and all of them on close.

Every long-lived reader holds its engines here: ``ocrkit read``, the server (one pool
for all requests), a batch worker process, a Dask worker (its ``WorkerPlugin``) and
the OCRmyPDF plugin. Engines are thread-safe, so the threads asking for the same
:class:`ReadSpec` engine share one instead of each loading its own copy of a model.

An engine in use is never freed under its user: eviction (``max_engines``, least
recently used first) and the idle timer only take engines nobody holds. What a user
holds is a :class:`PooledEngine`: before each call it checks that its engine has not
crashed (an isolated backend's process died) and, if it has, drops it and carries on
with a fresh one, so one hostile file costs that file, not every later one.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ._open import open as open_engine
from ._protocol import OcrEngine
from .documents import EngineKey, ReadSpec
from .errors import ResourcesFreedError

__all__ = ["EnginePool", "PooledEngine"]


class _Entry:
    def __init__(self, key: EngineKey, pinned: bool) -> None:
        self.key = key
        self.engine: Any = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.users = 0
        self.last_used = time.monotonic()
        self.pinned = pinned
        self.dropped = False  # no longer in the pool; freed when its last user leaves
        self.drop_reason = ""
        self.freed = False


class EnginePool:
    """Open-on-first-use, shared, LRU-bounded, idle-freed engines. Thread-safe.

    *max_engines* bounds the engines kept open (``None``: no bound); *idle_free*
    frees an engine unused that many seconds (a background timer; ``None``: never).
    *max_image_pixels* is every engine's pixel limit. *on_event(kind)* hears
    ``"load"`` and ``"free:<reason>"`` (``idle``, ``lru``, ``crash``, ``shutdown``).
    """

    def __init__(
        self,
        *,
        max_engines: int | None = None,
        idle_free: float | None = None,
        max_image_pixels: int | None = None,
        on_event: Callable[[str], None] = lambda kind: None,
    ) -> None:
        self.max_engines = max_engines
        self.idle_free = idle_free
        self.max_image_pixels = max_image_pixels
        self.opened = 0  # engines opened so far (tests check reuse)
        self._on_event = on_event
        self._lock = threading.Lock()
        self._entries: OrderedDict[EngineKey, _Entry] = OrderedDict()
        self._closed = False
        self._stop = threading.Event()
        self._janitor: threading.Thread | None = None
        if idle_free is not None:
            self._janitor = threading.Thread(target=self._free_idle_loop, name="ocrkit-pool-idle", daemon=True)
            self._janitor.start()

    # -- use ---------------------------------------------------------------------------

    @contextmanager
    def engine(self, spec: ReadSpec, *, pin: bool = False) -> Iterator[PooledEngine]:
        """The shared engine for *spec* (opened if needed), held for the block."""
        pooled = self.hold(spec, pin=pin)
        try:
            yield pooled
        finally:
            pooled.release()

    def hold(self, spec: ReadSpec, *, pin: bool = False) -> PooledEngine:
        """The shared engine for *spec*, held until its :meth:`PooledEngine.release`
        (for a holder that outlives a block: a worker process, a Dask plugin)."""
        return PooledEngine(self, spec, self._acquire(spec, pin))

    def preload(self, spec: ReadSpec) -> None:
        """Open *spec*'s engine now and pin it: never idle-freed or evicted."""
        with self.engine(spec, pin=True):
            pass

    def _acquire(self, spec: ReadSpec, pin: bool) -> _Entry:
        key = spec.engine_key()
        while True:
            entry, opening = self._enter(key, pin)
            if opening:
                return self._open(entry, spec)
            entry.ready.wait()
            if entry.error is not None:
                self._release(entry)
                raise entry.error
            if not entry.engine.crashed and not entry.engine.freed:
                return entry
            self._drop(entry, "crash")  # found crashed: open a fresh one for this user
            self._release(entry)

    def _enter(self, key: EngineKey, pin: bool) -> tuple[_Entry, bool]:
        with self._lock:
            if self._closed:
                raise ResourcesFreedError("the engine pool is closed (shutting down); no engine can be opened")
            entry = self._entries.get(key)
            opening = entry is None
            if entry is None:
                entry = self._entries[key] = _Entry(key, pin)
            entry.pinned = entry.pinned or pin
            entry.users += 1
            self._entries.move_to_end(key)
            return entry, opening

    def _open(self, entry: _Entry, spec: ReadSpec) -> _Entry:
        try:
            entry.engine = open_engine(spec.backend, spec.model, lang=spec.lang, isolation=spec.isolation,
                                       max_image_pixels=self.max_image_pixels, **spec.options)
        except BaseException as exc:
            entry.error = exc
            with self._lock:
                if self._entries.get(entry.key) is entry:
                    del self._entries[entry.key]
                entry.dropped = True
                entry.users -= 1
            raise
        finally:
            entry.ready.set()
        with self._lock:
            self.opened += 1
        self._on_event("load")
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
        """Take *entry* out of the pool; its last user frees it (see ``_release``)."""
        with self._lock:
            if self._entries.get(entry.key) is entry:
                del self._entries[entry.key]
            if not entry.dropped:
                entry.dropped = True
                entry.drop_reason = reason

    # -- freeing -----------------------------------------------------------------------

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
        if self.max_engines is None:
            return
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

    def free_all(self) -> None:
        """Free every engine nobody holds now, pinned ones too; the pool stays usable."""
        for entry in self._take_idle(lambda e: True) + self._take_pinned():
            self._free(entry, "shutdown")

    def _take_pinned(self) -> list[_Entry]:
        with self._lock:
            for entry in self._entries.values():
                entry.pinned = False
        return self._take_idle(lambda e: True)

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
            with self._lock:
                free_now = entry.engine is not None and not entry.freed
                entry.freed = True
            if free_now:
                self._free(entry, "shutdown")

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- inspection --------------------------------------------------------------------

    def __len__(self) -> int:
        return self.open_count

    @property
    def open_count(self) -> int:
        with self._lock:
            return sum(1 for e in self._entries.values() if e.engine is not None)

    def describe(self) -> list[dict[str, Any]]:
        """The open engines: backend, model, options, users, seconds idle, preloaded."""
        now = time.monotonic()
        with self._lock:
            return [
                {"backend": e.key[0], "model": e.key[1], "options": json.loads(e.key[2]), "in_use": e.users,
                 "idle_seconds": round(now - e.last_used, 1), "preloaded": e.pinned}
                for e in self._entries.values() if e.engine is not None
            ]


class PooledEngine:
    """A pool's engine as its holder sees it (an :class:`OcrEngine`): each call goes
    to the current engine, and a crashed one is replaced by a fresh one first."""

    def __init__(self, pool: EnginePool, spec: ReadSpec, entry: _Entry) -> None:
        self._pool = pool
        self._spec = spec
        self._entry: _Entry | None = entry
        self._lock = threading.Lock()
        self.backend = spec.backend
        self.model = spec.model

    @property
    def engine(self) -> OcrEngine:
        """The engine calls go to now: a crashed one is dropped and replaced here."""
        with self._lock:
            entry = self._entry
            if entry is None:
                raise ResourcesFreedError("this pooled engine was released; hold a new one from the pool")
            if entry.engine.crashed:
                self._pool._drop(entry, "crash")
                self._pool._release(entry)
                self._entry = None
                self._entry = entry = self._pool._acquire(self._spec, entry.pinned)
            return entry.engine

    @property
    def options(self) -> Mapping[str, Any]:
        return self._spec.options

    @property
    def max_image_pixels(self) -> int:
        return self.engine.max_image_pixels

    @property
    def freed(self) -> bool:
        return self._entry is None or self._entry.engine.freed

    @property
    def crashed(self) -> bool:
        """False: a crashed engine is replaced before the next call."""
        return False

    def recognize(self, image: Any, layout: str = "page") -> Any:
        return self.engine.recognize(image, layout=layout)

    def release(self) -> None:
        """Give the engine back to the pool (idempotent); a crashed one is freed now."""
        with self._lock:
            entry, self._entry = self._entry, None
        if entry is not None:
            if entry.engine.crashed:
                self._pool._drop(entry, "crash")
            self._pool._release(entry)

    free_resources = release

    def __getattr__(self, name: str) -> Any:
        """Anything else (``read_document``, ``list_models``...) of the current engine."""
        if name.startswith("__") or name in ("_pool", "_spec", "_entry", "_lock"):  # not set yet: no recursion
            raise AttributeError(name)
        return getattr(self.engine, name)

    def __repr__(self) -> str:
        return f"<PooledEngine {self._spec.backend}:{self._spec.model or 'default'} -> {self._entry and self._entry.engine!r}>"
