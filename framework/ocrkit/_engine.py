"""The engine returned by ``ocrkit.open()``: one backend, its loaded model, its lifecycle.

:class:`_EngineBase` is what every engine kind shares (this in-process
:class:`Engine` and the process-isolated one in :mod:`ocrkit._isolation`): the
checks at open and at each call, model management (the store and discovery run
in the caller's process, whatever the engine kind) and documents.

Lifecycle: *open* (every method works) -> *freed* (``free_resources()`` again is a
no-op; everything else raises :class:`ResourcesFreedError`). Freeing is
idempotent, thread-safe, and waits for recognitions in flight; an engine that
is garbage-collected while open frees itself and warns with ``ResourceWarning``.
"""

from __future__ import annotations

import os
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, overload

from . import documents
from ._in_use import mark_in_use
from ._memory import limit_malloc_arenas, release_memory
from ._model_lookup import resolve_import_source
from ._records import LAYOUTS, BackendInfo, ModelHandle, ModelRecord
from ._registry import Registry, get_registry
from .analysis import orders_its_own_layout, structure_page
from .errors import (
    OcrkitError,
    PluginWarning,
    ResourcesFreedError,
    UnknownOptionError,
)
from .images import ImageInput, PageImage, checked_max_pixels, load_image, max_pixels_from_env
from .results import Page
from .store import AuditEntry, ModelStore, PruneResult

__all__ = ["Engine"]

_E = TypeVar("_E", bound="_EngineBase")


class _Lifecycle:
    """Counts calls in flight and lets ``close`` wait for them (thread-safe)."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._cond = threading.Condition()
        self._active = 0
        self._closed = False
        self._depth = threading.local()  # calls in flight on the current thread

    @property
    def closed(self) -> bool:
        return self._closed

    def check(self) -> None:
        if self._closed:
            raise ResourcesFreedError(
                f"{self._what} was freed with free_resources(); open a new engine with ocrkit.open()"
            )

    @contextmanager
    def call(self) -> Iterator[None]:
        with self._cond:
            self.check()
            self._active += 1
        self._depth.n = getattr(self._depth, "n", 0) + 1
        try:
            yield
        finally:
            self._depth.n -= 1
            with self._cond:
                self._active -= 1
                if self._active == 0:
                    self._cond.notify_all()

    def close(self, timeout: float | None = None, on_timeout: Callable[[], None] | None = None) -> bool:
        """Refuse new calls, wait for running ones; True if this call did the closing.

        With *timeout*, calls still running after that many seconds get *on_timeout*
        (which must make them end: the isolated engine kills its child), then the wait
        goes on until they have."""
        if getattr(self._depth, "n", 0):
            raise OcrkitError(
                f"free_resources() was called on {self._what} from inside one of its own calls; "
                "it would wait for itself forever. Free it after that call returns."
            )
        with self._cond:
            if self._closed:
                return False
            self._closed = True
            if timeout is not None and not self._cond.wait_for(lambda: not self._active, timeout):
                if on_timeout is not None:
                    on_timeout()
            while self._active:
                self._cond.wait()
            return True


def _free_handle(registry: Registry, handle: ModelHandle | None, owner_key: Any) -> None:
    """Free a handle and drop its in-use marks; shared by free_resources and the finalizer.

    A plugin whose free fails is reported as a :class:`PluginWarning`, not raised:
    the engine is freed either way, and the results already delivered must not be
    lost to an exception on the way out of a ``with`` block."""
    try:
        if handle is not None:
            registry.free(handle)
    except OcrkitError as exc:
        warnings.warn(f"{exc}; the engine is marked freed anyway", PluginWarning, stacklevel=4)
    finally:
        if handle is not None:
            handle.state = None
        mark_in_use(owner_key, ())
        release_memory()


def claim_unfreed(holder: dict[str, Any], desc: str) -> bool:
    """For an engine's finalizer: True when the engine was never freed (this call then
    frees it, and has warned with ``ResourceWarning`` as Python does for files)."""
    if holder.get("freed"):
        return False
    holder["freed"] = True
    warnings.warn(
        f"{desc} was never freed; call free_resources() or use it as a context manager",
        ResourceWarning,
        stacklevel=3,
    )
    return True


def _finalize_unfreed(registry: Registry, holder: dict[str, Any], owner_key: Any, desc: str) -> None:
    if not claim_unfreed(holder, desc):
        return
    try:
        _free_handle(registry, holder.get("handle"), owner_key)
    except Exception:  # pragma: no cover - finalizers must not raise
        pass


class _InUseKey:
    """A weak-referenceable token under which an engine's loaded files are marked in use."""


class _EngineBase:
    """What every engine kind (in process, isolated) does the same way: the backend
    and its declared options checked at open, the layout and images at each call;
    model management in this process (the store and discovery are plain files);
    documents; the freed state and the context manager. Subclasses load,
    recognise and free."""

    info: BackendInfo
    backend: str
    model: str | None
    options: dict[str, Any]
    store: ModelStore
    max_image_pixels: int
    _registry: Registry
    _life: _Lifecycle

    def _configure(
        self,
        backend: str,
        model: str | None,
        registry: Registry | None,
        store: ModelStore | None,
        max_image_pixels: int | None,
        options: dict[str, Any],
    ) -> None:
        """Refuse an unknown backend or undeclared options before anything is loaded."""
        self._registry = registry or get_registry()
        self.info = self._registry.require(backend)
        unknown = set(options) - self.info.option_names
        if unknown:
            raise UnknownOptionError(backend, unknown, self.info.option_names)
        self.backend = backend
        self.model = model
        self.options = dict(options)
        self.store = store or ModelStore()
        self.max_image_pixels = max_pixels_from_env() if max_image_pixels is None else checked_max_pixels(max_image_pixels)

    def _check(self) -> None:
        """Raise unless the engine can be used (freed; for an isolated engine, crashed)."""
        self._life.check()

    # -- model management -------------------------------------------------------

    def get_local_path(self) -> str:
        """This backend's directory in the model store (created if missing)."""
        self._check()
        return str(self.store.path(self.backend))

    def list_local(self) -> list[str]:
        """Model file names in :meth:`get_local_path`, joinable with it."""
        self._check()
        return self.store.list_local(self.backend)

    def list_models(self) -> list[ModelRecord]:
        """Every model discovery finds for this backend: store, env, packages, system."""
        self._check()
        return self._registry.discover(self.backend, self.store.path(self.backend, create=False))

    def remove_model(self, name: str) -> Path:
        """Delete a model from the store; loaded models raise :class:`ModelInUseError`."""
        self._check()
        return self.store.remove(self.backend, name)

    def prune(
        self,
        prefix: str | None = None,
        predicate: Callable[[str], bool] | None = None,
        dry_run: bool = False,
    ) -> PruneResult:
        """Remove store models by prefix/predicate (default: those audited OLD).

        Loaded models are skipped: the result is the list of names removed, with
        ``.skipped`` mapping each skipped name to the reason."""
        self._check()
        return self.store.prune(self.backend, prefix=prefix, predicate=predicate, dry_run=dry_run)

    def audit(self) -> list[AuditEntry]:
        """Name, path, size, sha256 and OLD/CURRENT status of every store model."""
        self._check()
        return self.store.audit(self.backend)

    def import_model(self, model: str | ModelRecord | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Copy a model into this backend's store directory and return the new entry.

        *model* is a name discovery found outside the store (``list_models()``),
        a :class:`ModelRecord`, or a path to a model file or directory. The
        backend's ``ocrkit_import_model`` hook does the copy when it implements
        one; otherwise the files are copied as they are, atomically.
        """
        self._check()
        record = resolve_import_source(self._registry, self.store, self.backend, model)
        return self.store.import_model(record, importer=self._registry.import_model, overwrite=overwrite)

    def recognize(self, image: Any, layout: str = "page") -> Any:
        """Recognise an image or a list of them; each engine kind defines how."""
        raise NotImplementedError

    def _inputs(self, image: Any, layout: str) -> tuple[list[PageImage], bool]:
        """The decoded, checked images of a call and whether it was a list; bad
        input raises here, before any backend (or child process) sees it."""
        if layout not in LAYOUTS and layout not in self.info.capabilities:
            known = sorted(set(LAYOUTS) | {c for c in self.info.capabilities if c == "detect"})
            raise OcrkitError(f"unknown layout {layout!r} for backend {self.backend!r}; use one of {known}")
        batch = isinstance(image, (list, tuple))
        inputs = list(image) if batch else [image]
        return [load_image(item, self.max_image_pixels) for item in inputs], batch

    def _structured(self, pages: list[Page], layout: str) -> list[Page]:
        """Pages of a backend that returns bare lines in the core's reading order, as
        paragraphs and areas (see :mod:`ocrkit.analysis`); a backend with its own
        layout (capability ``layout``) and ``layout="line"`` keep theirs."""
        if layout == "line" or orders_its_own_layout(self.info.capabilities):
            return pages
        return [structure_page(page) for page in pages]

    def read_document(
        self,
        source: Any,
        *,
        pages: Any = None,
        dpi: float = documents.DEFAULT_DPI,
        password: str | None = None,
        layout: str = "page",
        errors: str = "raise",
        batch: int = documents.DEFAULT_BATCH,
        analysis: Any = None,
    ) -> Iterator[Page | documents.PageError]:
        """Recognise a document page by page: an iterator of :class:`Page` results in
        page order, each as soon as it is done (see :func:`ocrkit.documents.read_pages`).

        *source* is an image, a multi-page TIFF or a PDF (path or bytes); *pages* selects
        pages (``"1-3,7"``); *dpi* is the PDF rendering resolution; *password* opens an
        encrypted PDF. PDF pages render in a worker process within a time and memory budget,
        a few ahead of recognition.
        ``errors="collect"`` yields a :class:`~ocrkit.documents.PageError` for a failed
        page instead of raising, and goes on. *analysis*: page analysis settings
        (:class:`ocrkit.analysis.AnalysisSettings`, a mapping of them, or ``False`` for
        none); by default pages are turned upright and straightened, boxes staying in the
        input's pixels (docs/documents-and-formats.md, "Page analysis").
        """
        self._check()
        extra = {} if analysis is None else {"analysis": analysis}
        spec = documents.spec_for(self, pages=pages, dpi=dpi, password=password, layout=layout, **extra)
        return documents.read_pages(self, source, spec, errors=errors, batch=batch)

    def recognize_document(self, source: Any, **kwargs: Any) -> documents.Document:
        """The whole of :meth:`read_document` as one :class:`~ocrkit.documents.Document`."""
        self._check()
        return documents.recognize_document(self, source, **kwargs)

    # -- freeing -------------------------------------------------------------------

    def free_resources(self) -> None:
        """Release the model and everything it holds; each engine kind frees its own way."""
        raise NotImplementedError

    @property
    def freed(self) -> bool:
        """True once :meth:`free_resources` ran."""
        return self._life.closed

    @property
    def crashed(self) -> bool:
        """Never, in this process (a native crash takes the process with it); the
        isolated engine reports its child's death here."""
        return False

    def close(self) -> None:
        """The same as :meth:`free_resources`."""
        self.free_resources()

    def __enter__(self: _E) -> _E:
        self._life.check()
        return self

    def __exit__(self, *exc: object) -> None:
        self.free_resources()


class Engine(_EngineBase):
    """One backend with its loaded model. Create with :func:`ocrkit.open`."""

    def __init__(
        self,
        backend: str,
        model: str | None = None,
        *,
        registry: Registry | None = None,
        store: ModelStore | None = None,
        lazy: bool = False,
        max_image_pixels: int | None = None,
        **options: Any,
    ) -> None:
        self._configure(backend, model, registry, store, max_image_pixels, options)
        self._life = _Lifecycle(f"ocrkit engine {backend!r}")
        self._load_lock = threading.Lock()
        self._serial = threading.Lock() if "threadsafe" not in self.info.capabilities else None
        self._in_use_key = _InUseKey()
        # The finalizer must not reference self; it shares this holder instead.
        self._holder: dict[str, Any] = {"handle": None, "freed": False}
        self._finalizer = weakref.finalize(
            self, _finalize_unfreed, self._registry, self._holder, self._in_use_key,
            f"ocrkit engine {backend!r}",
        )
        if not lazy:
            try:
                self.load()
            except BaseException:
                self._life.close()
                self._finalizer.detach()
                raise

    # -- loading -----------------------------------------------------------------

    def load(self) -> ModelHandle:
        """Load the model now (``ocrkit.open`` does unless ``lazy=True``)."""
        with self._life.call():
            return self._ensure_loaded()

    def _ensure_loaded(self) -> ModelHandle:
        handle = self._holder["handle"]
        if handle is not None:
            return handle
        with self._load_lock:
            if self._holder["handle"] is None:
                records = self._registry.discover(self.backend, self.store.path(self.backend, create=False))
                limit_malloc_arenas()  # every backend, before its threads allocate (see _memory)
                handle = self._registry.load(self.backend, self.model, records, self.options)
                self._holder["handle"] = handle
                mark_in_use(self._in_use_key, handle.files())
            return self._holder["handle"]

    @property
    def handle(self) -> ModelHandle:
        """The loaded model's handle (loads it if ``lazy``)."""
        with self._life.call():
            return self._ensure_loaded()

    @property
    def loaded_models(self) -> list[ModelRecord]:
        """The records of the models this engine has loaded (empty before a lazy load)."""
        self._life.check()
        handle = self._holder["handle"]
        return list(handle.models) if handle is not None else []

    # -- recognition ---------------------------------------------------------------

    @overload
    def recognize(self, image: ImageInput | PageImage, layout: str = ...) -> Page: ...
    @overload
    def recognize(
        self, image: list[ImageInput | PageImage] | tuple[ImageInput | PageImage, ...], layout: str = ...
    ) -> list[Page]: ...

    def recognize(self, image: Any, layout: str = "page") -> Page | list[Page]:
        """Recognise one image (returns a :class:`Page`) or a list (returns a list).

        *layout*: ``"page"`` finds the text on the page; ``"line"`` treats each
        image as one text line. Backends may declare more (``"detect"``).
        """
        self._life.check()
        images, batch = self._inputs(image, layout)
        if not images:
            return []
        with self._life.call():
            handle = self._ensure_loaded()
            if self._serial is not None:
                with self._serial:
                    pages = self._registry.recognize(handle, images, layout)
            else:
                pages = self._registry.recognize(handle, images, layout)
        for page, img in zip(pages, images, strict=True):
            page.backend = page.backend or self.backend
            page.model = page.model or handle.name
            page.source = page.source or img.source
        pages = self._structured(pages, layout)
        return pages if batch else pages[0]

    # -- freeing -------------------------------------------------------------------

    def free_resources(self) -> None:
        """Release the model and everything native it holds. Idempotent, thread-safe;
        waits for recognitions in flight. Afterwards every other method raises
        :class:`ResourcesFreedError`."""
        if not self._life.close():
            return
        self._finalizer.detach()
        self._holder["freed"] = True
        handle, self._holder["handle"] = self._holder["handle"], None
        _free_handle(self._registry, handle, self._in_use_key)

    def __repr__(self) -> str:
        state = "freed" if self.freed else ("loaded" if self._holder["handle"] is not None else "open")
        return f"<ocrkit.Engine backend={self.backend!r} model={self.model!r} {state}>"
