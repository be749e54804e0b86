"""What the LangChain, LlamaIndex and Haystack adapters share: their reading settings,
checked once when the adapter is made; the pages of a source, read through ocrkit's
read pipeline with an engine from an engine pool; and the metadata a retrieval user
needs, built the same way for every client.

Each adapter is a thin caller of :class:`PageReader` in its client's convention.
"""

from __future__ import annotations

import collections
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypedDict, TypeVar

from .._languages import route
from .._open import DEFAULT_BACKEND
from .._pool import EnginePool
from ..documents import DEFAULT_DPI, ReadSpec, parse_pages, read_pages
from ..errors import InvalidOptionError
from ..results import Block, Line, Page

__all__ = [
    "ReadSettings",
    "PageReader",
    "ClosingAdapter",
    "EnginePool",
    "page_metadata",
    "mean_confidence",
    "block_metadata",
    "client_import_error",
    "DEFAULT_BACKEND",
    "DEFAULT_IDLE_TIMEOUT",
]

#: Seconds an engine may sit unused before it is freed (it reopens on the next read).
DEFAULT_IDLE_TIMEOUT = 300.0


class ReadSettings(TypedDict, total=False):
    """The keyword arguments every adapter takes (all optional).

    ``backend``/``model``/``lang``/``options``/``isolation`` choose the engine, as
    ``ocrkit.open`` does; ``pages``/``dpi``/``password`` how documents are read, as ``ocrkit read`` does;
    ``blocks`` puts the page's text blocks with their boxes into the metadata;
    ``idle_timeout`` frees the engine after that many idle seconds (``None``: only on
    close); ``pool`` is an engine pool to share with other adapters (their owner closes it).
    """

    backend: str
    model: str | None
    lang: str | Sequence[str] | None
    options: Mapping[str, Any] | None
    isolation: str
    pages: str | Sequence[int] | None
    dpi: float
    password: str | None
    blocks: bool
    idle_timeout: float | None
    pool: EnginePool | None


def client_import_error(module: str, package: str, extra: str, exc: ImportError) -> ImportError:
    """The one-line error of an adapter whose client library is not installed."""
    return ImportError(f"{module} needs {package} ({exc}): pip install \"ocrkit[{extra}]\"")


def _read_spec(settings: Mapping[str, Any]) -> ReadSpec:
    """The adapter's read request, checked now without loading a model: a wrong backend,
    option, language, page list or dpi fails when the adapter is made, not on the first
    document."""
    unknown = set(settings) - set(ReadSettings.__annotations__)
    if unknown:
        raise InvalidOptionError(
            f"unknown setting(s) {', '.join(sorted(unknown))}; use {', '.join(ReadSettings.__annotations__)}")
    idle = settings.get("idle_timeout", DEFAULT_IDLE_TIMEOUT)
    if idle is not None and (isinstance(idle, bool) or not isinstance(idle, (int, float)) or idle <= 0):
        raise InvalidOptionError(f"idle_timeout must be a positive number of seconds or None, got {idle!r}")
    backend = settings.get("backend", DEFAULT_BACKEND)
    model = settings.get("model")
    lang = settings.get("lang")
    if lang is not None:
        model = route(backend, lang, model)  # the model that reads lang, chosen once
    spec = ReadSpec(backend, model, options=dict(settings.get("options") or {}),
                    isolation=settings.get("isolation", "none"), pages=parse_pages(settings.get("pages")),
                    dpi=settings.get("dpi", DEFAULT_DPI), password=settings.get("password"))
    spec.check()
    return spec


def _close_soon(pool: EnginePool) -> None:
    """Close a dropped adapter's pool. A finalizer runs in whatever thread collects the
    adapter, maybe the pool's own idle thread, which ``close()`` waits for: close it
    from a thread of its own (in this one at interpreter exit, when none can start)."""
    try:
        threading.Thread(target=pool.close, name="ocrkit-pool-close", daemon=True).start()
    except RuntimeError:
        pool.close()


class PageReader:
    """One adapter's reading: its settings, checked once, and its engine pool.

    Without a ``pool`` setting the adapter owns a pool of its own: :meth:`close` frees
    its engine (so does collecting the adapter) and the next read opens a new one.
    With one, the pool's owner frees it.
    """

    def __init__(self, **settings: Any) -> None:
        self.settings: dict[str, Any] = {k: v for k, v in settings.items() if k != "pool"}
        self._spec = _read_spec(settings)
        self.include_blocks = bool(settings.get("blocks", True))
        self._idle_free = settings.get("idle_timeout", DEFAULT_IDLE_TIMEOUT)
        self._shared_pool: EnginePool | None = settings.get("pool")
        self._own_pool: EnginePool | None = None
        self._lock = threading.Lock()
        #: the engines this reader read with, latest last (diagnostics: their ``freed`` state)
        self.engines: collections.deque[Any] = collections.deque(maxlen=8)

    def _pool(self) -> EnginePool:
        if self._shared_pool is not None:
            return self._shared_pool
        with self._lock:
            if self._own_pool is None:
                self._own_pool = EnginePool(idle_free=self._idle_free)
                # an adapter a client made and dropped (DirectoryLoader makes one per file)
                # frees its engine when it is collected: nobody else could close it
                weakref.finalize(self, _close_soon, self._own_pool)
            return self._own_pool

    def warm_up(self) -> None:
        """Open the engine now rather than on the first document."""
        with self._pool().engine(self._spec):
            pass

    def read(self, source: Any, name: str | None = None) -> Iterator[Page]:
        """The pages of *source* (a path, bytes, a PIL image or numpy array; a PDF,
        TIFF or image) in page order, each as soon as it is recognised; *name* names
        the source in results and messages.

        :raises OcrkitError: a source that is not a readable document, a page that fails.
        """
        with self._pool().engine(self._spec) as pooled:
            engine = pooled.engine
            if not self.engines or self.engines[-1] is not engine:
                self.engines.append(engine)
            for page in read_pages(pooled, source, self._spec, name=name):
                assert isinstance(page, Page)  # errors="raise": a page that fails raises
                yield page

    def close(self) -> None:
        """Free the engine of this reader's own pool (a shared pool's owner closes that)."""
        with self._lock:
            pool, self._own_pool = self._own_pool, None
        if pool is not None:
            pool.close()

    def __getstate__(self) -> dict[str, Any]:
        """A reader pickles as its settings (clients copy readers into worker processes,
        where a pool of their own serves them)."""
        return {"settings": self.settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state["settings"])  # type: ignore[misc]


_A = TypeVar("_A", bound="ClosingAdapter")


class ClosingAdapter:
    """What every adapter does with its :class:`PageReader`: ``close()`` (or leaving a
    ``with`` block) frees its engine; the next document opens a new one."""

    reader: PageReader

    def close(self) -> None:
        """Free the engine now."""
        self.reader.close()

    def __enter__(self: _A) -> _A:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mean_confidence(items: Sequence[Line | Page]) -> float:
    """Mean confidence of lines (or pages) weighted by text length, as :attr:`Page.confidence`."""
    items = [item for item in items if item.text]
    total = sum(len(item.text) for item in items)
    return sum(item.confidence * len(item.text) for item in items) / total if total else 0.0


def block_metadata(block: Block) -> dict[str, Any]:
    """A text block as plain data: its text, box ``[x0, y0, x1, y1]`` in page pixels, confidence."""
    return {
        "text": block.text,
        "bbox": list(block.bbox or (0, 0, 0, 0)),
        "confidence": round(mean_confidence(block.lines), 4),
    }


def page_metadata(page: Page, *, blocks: bool) -> dict[str, Any]:
    """What a retrieval user needs about a page: where it comes from, who read it how
    well, and (with *blocks*) where its text sits. JSON types only."""
    meta: dict[str, Any] = {
        "source": page.source,
        "page_number": page.page_number,
        "backend": page.backend,
        "model": page.model,
        "confidence": round(page.confidence, 4),
        "dpi": None if page.dpi is None else round(float(page.dpi), 2),
        "width": page.width,
        "height": page.height,
    }
    if blocks:
        meta["blocks"] = [block_metadata(b) for b in page.blocks if b.text.strip()]
    return meta
