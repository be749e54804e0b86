"""The read pipeline: a document's pages through an engine, in page order, each a
:class:`Page` the caller hands to a writer (:mod:`ocrkit.formats`).

    source -> pages (rendered/decoded in a background thread, a few ahead)
           -> analyse_page (same thread)            -> engine.recognize (a few pages a call)
           -> finish_page -> Page with source, page_number and dpi set (here, once)

``ocrkit read``, ``ocrkit batch``, ``ocrkit serve``, ``engine.read_document`` and the
integrations all read through :func:`read_pages` / :func:`read_sources`. A bounded
queue between the render thread and recognition keeps at most about 2 x *batch*
pages in memory, whatever the document's length.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._memory import release_memory
from ..errors import OcrkitError, ReadDeadlineError, ResourcesFreedError
from ..results import Page
from ._document import Document, PageError
from ._sources import SourcePage, check_errors, source_name, source_pages
from ._spec import ReadSpec
from ._stages import PageTransform, analyse_page, finish_page

if TYPE_CHECKING:
    from .._protocol import OcrEngine

__all__ = ["read_pages", "read_sources", "read_document", "recognize_document", "DEFAULT_BATCH", "Progress"]

#: Pages recognised in one ``engine.recognize`` call (lets a backend overlap pages or
#: use several cores) and rendered ahead of them: at most about 2x this many pages
#: are in memory at once.
DEFAULT_BATCH = 4
#: Told ``(pages done, pages known so far)`` after every page (``ocrkit._progress.Progress`` is one).
Progress = Callable[[int, "int | None"], None]
_DONE = object()


@dataclass
class _Ready:
    """A page rendered and analysed, waiting for recognition."""

    page: SourcePage
    transform: PageTransform | None


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


class _Count:
    """Pages done and pages known, reported to a :data:`Progress` callback."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0
        self.known = 0

    def add_known(self, n: int) -> None:  # from the render thread: one int add
        self.known += n

    def page_done(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, max(self.known, self.done))


def read_pages(
    engine: OcrEngine,
    source: Any,
    spec: ReadSpec,
    *,
    name: str | None = None,
    errors: str = "raise",
    batch: int = DEFAULT_BATCH,
    deadline: float | None = None,
    progress: Progress | None = None,
) -> Iterator[Page | PageError]:
    """Recognise the pages *spec* selects of *source* (a path, bytes, an image) with
    *engine*, yielding each :class:`Page` in page order as soon as it is done.

    *name* names the source in results and messages (``"<stdin>"``, an upload's name).
    ``errors="collect"`` yields a :class:`PageError` for a page that fails to render or
    recognise and goes on; a document that cannot be opened always raises. *deadline*
    (a ``time.monotonic()`` value): past it the read stops between pages with
    :class:`ReadDeadlineError`. *progress* is told ``(done, known)`` after each page.
    The arguments are checked at the call, the document when iteration starts.
    """
    collect = check_errors(errors) == "collect"
    _check_call(engine, spec, batch)
    count = _Count(progress)
    pages = source_pages(source, name or source_name(source), spec.pages, spec.dpi, spec.password,
                         engine.max_image_pixels, collect, count.add_known)
    return _read(engine, pages, spec, collect, batch, deadline, count)


def read_sources(
    engine: OcrEngine,
    sources: Iterable[Any],
    spec: ReadSpec | None = None,
    *,
    batch: int = DEFAULT_BATCH,
    deadline: float | None = None,
    progress: Progress | None = None,
    **fields: Any,
) -> Iterator[Page | PageError]:
    """Every page of several sources in one stream (pages of different files share
    recognition calls, so many one-page files keep every core busy). Errors are
    collected: a page that fails is a :class:`PageError`, a source that cannot be
    opened one with ``page_number=None``, and the next follows. A source is a path,
    bytes, an image, or a ``(name, source)`` pair naming it in results. Without a
    *spec*, *fields* (``pages``, ``dpi``, ``password``, ``layout``) make one for *engine*.
    """
    spec = spec or spec_for(engine, **fields)
    _check_call(engine, spec, batch)
    count = _Count(progress)
    limit = engine.max_image_pixels

    def chained() -> Iterator[SourcePage | PageError]:
        for item in sources:
            name, source = item if isinstance(item, tuple) else (source_name(item), item)
            try:
                yield from source_pages(source, name, spec.pages, spec.dpi, spec.password, limit, True,
                                        count.add_known)
            except OcrkitError as exc:
                yield PageError(None, name, exc)

    return _read(engine, chained(), spec, True, batch, deadline, count)


def _check_call(engine: OcrEngine, spec: ReadSpec, batch: int) -> None:
    """Refuse a bad layout or batch at the call, not once per page: an empty
    ``recognize`` checks the layout without touching the backend."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise OcrkitError(f"batch must be a whole number of pages, at least 1; got {batch!r}")
    engine.recognize([], layout=spec.layout)


def _analysed(
    pages: Iterator[SourcePage | PageError], spec: ReadSpec, engine: OcrEngine
) -> Iterator[_Ready | PageError]:
    """The page-analysis stage, run in the render thread."""
    try:
        for item in pages:
            yield item if isinstance(item, PageError) else _Ready(*analyse_page(item, spec, engine))
    finally:
        pages.close()  # type: ignore[attr-defined]


def _read(
    engine: OcrEngine, pages: Iterator[SourcePage | PageError], spec: ReadSpec, collect: bool, batch: int,
    deadline: float | None, count: _Count,
) -> Iterator[Page | PageError]:
    prefetch = _Prefetch(_analysed(pages, spec, engine), batch)
    try:
        done = False
        while not done:
            chunk: list[_Ready | PageError] = []
            while len(chunk) < batch:
                item = prefetch.get()
                if item is _DONE:
                    done = True
                    break
                chunk.append(item)
            _check_deadline(deadline, count)
            for result in _recognize(engine, chunk, spec, collect):
                yield result
                count.page_done()
            chunk.clear()
            # The pages just recognised are freed; hand their memory back to the OS so a
            # long document's freed page buffers do not pile up in the allocator.
            release_memory()
    finally:
        prefetch.close()


def _check_deadline(deadline: float | None, count: _Count) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ReadDeadlineError(
            f"the read ran past its time limit after {count.done} page(s); the remaining pages were not read "
            "(select fewer pages with pages=, or allow more time)"
        )


def _recognize(
    engine: OcrEngine, chunk: list[_Ready | PageError], spec: ReadSpec, collect: bool
) -> Iterator[Page | PageError]:
    ready = [item for item in chunk if isinstance(item, _Ready)]
    try:
        pages: list[Page | PageError] = list(engine.recognize([r.page.image for r in ready], layout=spec.layout))
    except ResourcesFreedError:
        raise
    except OcrkitError as exc:
        if not collect:
            raise
        if len(ready) > 1:  # find the page at fault: the others still count
            for item in chunk:
                yield from _recognize(engine, [item], spec, collect)
            return
        pages = [PageError(r.page.number, r.page.source, exc) for r in ready]
    results = iter(pages)
    for item in chunk:
        if isinstance(item, PageError):
            yield item
            continue
        result = next(results)
        if isinstance(result, Page):
            result = finish_page(result, item.transform, spec)
            result.page_number = item.page.number
            result.dpi = item.page.dpi
            result.source = item.page.source
        yield result


def read_document(engine: OcrEngine, source: Any, *, errors: str = "raise", batch: int = DEFAULT_BATCH,
                  **fields: Any) -> Iterator[Page | PageError]:
    """:func:`read_pages` with the spec's document fields (``pages``, ``dpi``,
    ``password``, ``layout``) given as keywords, for *engine*'s own backend."""
    return read_pages(engine, source, spec_for(engine, **fields), errors=errors, batch=batch)


def recognize_document(engine: OcrEngine, source: Any, **kwargs: Any) -> Document:
    """:func:`read_document` gathered into one :class:`Document`."""
    document = Document(source_name(source))
    for item in read_document(engine, source, **kwargs):
        if isinstance(item, PageError):
            document.errors.append(item)
        else:
            document.pages.append(item)
    return document


def spec_for(engine: OcrEngine, **fields: Any) -> ReadSpec:
    """A :class:`ReadSpec` for reading with an engine already open (its backend, model
    and options), with *fields* (``pages``, ``dpi``, ``password``, ``layout``)."""
    return ReadSpec(engine.backend, engine.model, engine.options, **fields)
