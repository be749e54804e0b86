"""An engine over a document: pages render in a background thread, a bounded queue
ahead of recognition, so the next pages render while the current ones are recognised
and a document of any length holds only a few rendered pages."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from .._memory import release_memory
from ..errors import OcrkitError, ResourcesFreedError
from ..results import Page
from ._document import Document, PageError
from ._selection import parse_pages
from ._sources import DEFAULT_DPI, SourcePage, check_dpi, iter_source_pages, source_name

__all__ = ["read_document", "read_sources", "recognize_document", "DEFAULT_BATCH"]

#: Pages recognised in one ``engine.recognize`` call (lets a backend overlap pages or
#: use several cores) and rendered ahead of them: at most about 2x this many pages
#: are in memory at once.
DEFAULT_BATCH = 4
_DONE = object()


class _Recognizer(Protocol):
    max_image_pixels: int

    def recognize(self, image: Any, layout: str = ...) -> Any: ...


class _Prefetch:
    """Runs a page generator in one thread, *depth* items ahead of the consumer."""

    def __init__(self, items: Iterator[Any], depth: int) -> None:
        self._items = items
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ocrkit-render", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_Failure(exc))
        finally:
            self._items.close()  # type: ignore[attr-defined]

    def get(self) -> Any:
        item = self._queue.get()
        if isinstance(item, _Failure):
            raise item.error
        return item

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_document(
    engine: _Recognizer,
    source: Any,
    *,
    pages: Any = None,
    dpi: float = DEFAULT_DPI,
    password: str | None = None,
    layout: str = "page",
    errors: str = "raise",
    batch: int = DEFAULT_BATCH,
) -> Iterator[Page | PageError]:
    """Recognise every selected page of *source* with *engine*, yielding each
    :class:`Page` (with ``page_number``, ``dpi``, ``source``) in page order.

    ``errors="collect"`` yields a :class:`PageError` for a page that fails to render
    or recognise and goes on; a document that cannot be opened always raises.
    Arguments are checked at the call, the document when iteration starts.
    """
    pending = iter_source_pages(
        source, pages=pages, dpi=dpi, password=password, max_pixels=engine.max_image_pixels, errors=errors
    )
    _check_call(engine, layout, batch)
    return _read(engine, pending, layout, errors == "collect", batch)


def _check_call(engine: _Recognizer, layout: str, batch: int) -> None:
    """Refuse a bad layout or batch at the call, not once per page: an empty
    ``recognize`` checks the layout without touching the backend."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise OcrkitError(f"batch must be a whole number of pages, at least 1; got {batch!r}")
    engine.recognize([], layout=layout)


def _read(
    engine: _Recognizer, pending: Iterator[SourcePage | PageError], layout: str, collect: bool, batch: int
) -> Iterator[Page | PageError]:
    prefetch = _Prefetch(pending, batch)
    try:
        done = False
        while not done:
            chunk: list[SourcePage | PageError] = []
            while len(chunk) < batch:
                item = prefetch.get()
                if item is _DONE:
                    done = True
                    break
                chunk.append(item)
            yield from _recognize(engine, chunk, layout, collect)
            chunk.clear()
            # The pages just recognised are freed; hand their memory back to the OS so a
            # long document's freed page buffers do not pile up in the allocator.
            release_memory()
    finally:
        prefetch.close()


def _recognize(
    engine: _Recognizer, chunk: list[SourcePage | PageError], layout: str, collect: bool
) -> Iterator[Page | PageError]:
    ready = [item for item in chunk if isinstance(item, SourcePage)]
    try:
        pages: list[Page | PageError] = list(engine.recognize([p.image for p in ready], layout=layout))
    except ResourcesFreedError:
        raise
    except OcrkitError as exc:
        if not collect:
            raise
        if len(ready) > 1:  # find the page at fault: the others still count
            for item in chunk:
                yield from _recognize(engine, [item], layout, collect)
            return
        pages = [PageError(p.number, p.source, exc) for p in ready]
    results = iter(pages)
    for item in chunk:
        if isinstance(item, PageError):
            yield item
            continue
        result = next(results)
        if isinstance(result, Page):
            result.page_number = item.number
            result.dpi = item.dpi
            result.source = item.source
        yield result


def read_sources(
    engine: _Recognizer,
    sources: Iterable[Any],
    *,
    pages: Any = None,
    dpi: float = DEFAULT_DPI,
    password: str | None = None,
    layout: str = "page",
    batch: int = DEFAULT_BATCH,
) -> Iterator[Page | PageError]:
    """Every page of several sources in one stream (pages of different files share
    recognition batches, so many one-page files keep every core busy). Errors are
    collected: a page that fails is a :class:`PageError`, a source that cannot be
    opened one with ``page_number=None``, and the next follows. A source is a path,
    bytes, an image, or a ``(name, source)`` pair naming it in results.
    """
    parse_pages(pages)
    check_dpi(dpi)
    _check_call(engine, layout, batch)
    limit = engine.max_image_pixels

    def chained() -> Iterator[SourcePage | PageError]:
        for item in sources:
            name, source = item if isinstance(item, tuple) else (source_name(item), item)
            try:
                yield from iter_source_pages(
                    source, pages=pages, dpi=dpi, password=password, max_pixels=limit, errors="collect", name=name
                )
            except OcrkitError as exc:
                yield PageError(None, name, exc)

    return _read(engine, chained(), layout, True, batch)


def recognize_document(engine: _Recognizer, source: Any, **kwargs: Any) -> Document:
    """:func:`read_document` gathered into one :class:`Document`."""
    document = Document(source_name(source))
    for item in read_document(engine, source, **kwargs):
        if isinstance(item, PageError):
            document.errors.append(item)
        else:
            document.pages.append(item)
    return document
