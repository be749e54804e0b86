"""``ocrkit.open(backend, isolation="process")``: the backend runs in a child process.

Why: a native crash (a segfault in a model runtime, an ``abort()`` in a C++
assertion) ends only the child and surfaces as :class:`BackendCrashedError` in
the caller; and freeing ends the process, which returns *everything* to the
operating system — heap the allocator would keep, accelerator memory, threads.

How: only what needs the loaded model crosses to the child (load, recognise,
free; :mod:`._child`); model listing and the store are plain files this process
reads itself (:class:`~ocrkit._engine._EngineBase`). Images are decoded and
validated here, and large pixel arrays cross through shared memory
(:mod:`._wire`). The channel's reader thread routes replies to the waiting
callers (:mod:`._channel`), so the engine is as thread-safe as the in-process
one, and notices the child's death at once.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
import weakref
from collections.abc import Sequence
from typing import Any, overload

from .._engine import _EngineBase, _InUseKey, _Lifecycle, claim_unfreed
from .._in_use import mark_in_use
from .._records import ModelHandle, ModelRecord
from .._registry import Registry
from ..errors import InvalidOptionError, PluginWarning
from ..images import ImageInput, PageImage
from ..results import Page
from ..store import ModelStore
from ._channel import DEFAULT_CALL_TIMEOUT, SHUTDOWN_TIMEOUT, Channel
from ._wire import ChildSpec, ImagePacker, plugin_specs, probe_memfd, shared_memory_supported

__all__ = ["ProcessEngine", "checked_call_timeout"]


def checked_call_timeout(value: object) -> float:
    """*value* as a call deadline in seconds: a positive number (``math.inf``: none)."""
    if value is None:
        return DEFAULT_CALL_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value <= 0:
        raise InvalidOptionError(f"call_timeout must be a positive number of seconds (math.inf: none), got {value!r}")
    return float(value)


def _what(images: Sequence[PageImage]) -> str:
    """``recognizing scan.png, page.tif and 6 more images``: the files by name (a crash
    report says which input it was), else the count."""
    names = [img.source for img in images if img.path is not None and img.source]
    if not names:
        return f"recognizing {len(images)} image{'s' if len(images) != 1 else ''}"
    rest = len(images) - min(len(names), 3)
    return "recognizing " + ", ".join(names[:3]) + (f" and {rest} more image{'s' if rest != 1 else ''}" if rest else "")


def _reissue(freeing_warnings: Sequence[str]) -> None:
    """The child's plugin warnings from freeing, as the caller's own."""
    for message in freeing_warnings:
        warnings.warn(message, PluginWarning, stacklevel=3)


def _finalize_unfreed(channel: Channel, holder: dict[str, Any], owner_key: Any, desc: str) -> None:
    if not claim_unfreed(holder, desc):
        return
    try:
        _reissue(channel.shutdown(timeout=5.0))
    except Exception:  # pragma: no cover - finalizers must not raise
        pass
    finally:
        mark_in_use(owner_key, ())


class ProcessEngine(_EngineBase):
    """An :class:`~ocrkit.Engine` whose backend runs in a child process.

    Same methods and lifecycle as ``Engine``; create it with
    ``ocrkit.open(backend, isolation="process")``. If the child dies (native
    crash, killed), calls raise :class:`BackendCrashedError`: free this engine and
    open a new one. ``free_resources()`` ends the child process.

    Every call has a deadline, *call_timeout* seconds (default
    :data:`~ocrkit._isolation._channel.DEFAULT_CALL_TIMEOUT`, per image for
    recognition): past it the child is killed and the call raises
    :class:`BackendTimeoutError` (opening and loading get at least the default).
    ``free_resources()`` waits at most *call_timeout*
    for calls in flight, then kills the child, so it returns even if the child hangs.
    """

    isolation = "process"

    def __init__(
        self,
        backend: str,
        model: str | None = None,
        *,
        registry: Registry | None = None,
        store: ModelStore | None = None,
        lazy: bool = False,
        max_image_pixels: int | None = None,
        call_timeout: float | None = None,
        **options: Any,
    ) -> None:
        # Refuse what we can here, without starting a process for it.
        self.call_timeout = checked_call_timeout(call_timeout)
        self._configure(backend, model, registry, store, max_image_pixels, options)
        registry = self._registry
        desc = f"ocrkit engine {backend!r} (process)"
        self._life = _Lifecycle(desc)
        self._in_use_key = _InUseKey()
        self._holder: dict[str, Any] = {"freed": False}

        plugins = plugin_specs(registry.pm.list_name_plugin())
        probe = probe_memfd() if shared_memory_supported() else None
        spec = ChildSpec(
            backend=backend,
            model=model,
            store=self.store,
            lazy=lazy,
            max_image_pixels=max_image_pixels,
            options=self.options,
            plugins=plugins,
            sys_path=[p for p in sys.path if isinstance(p, str)],
            probe=probe,
        )
        key = self._in_use_key
        try:
            self._channel = Channel(spec, desc)
            self._channel.on_loaded = lambda models: mark_in_use(key, [f for m in models for f in m.all_files()])
            try:
                hello = self._channel.start(spec, timeout=max(self.call_timeout, DEFAULT_CALL_TIMEOUT))
            except BaseException:
                self._channel.shutdown(timeout=5.0)
                mark_in_use(key, ())
                raise
        finally:
            if probe is not None:
                os.close(probe[1])
        self._shared_memory: bool = hello["shared_memory"]
        self._finalizer = weakref.finalize(self, _finalize_unfreed, self._channel, self._holder, key, desc)

    # -- the child ---------------------------------------------------------------------

    @property
    def pid(self) -> int:
        """The child process id (it is gone after ``free_resources()``)."""
        return self._channel.pid

    @property
    def crashed(self) -> bool:
        """True once the child died on its own; every call then raises ``BackendCrashedError``."""
        return self._channel.dead is not None and not self._life.closed

    # -- loading -----------------------------------------------------------------------

    def load(self) -> ModelHandle:
        """Load the model in the child now (``ocrkit.open`` does unless ``lazy=True``)."""
        with self._life.call():  # loading may take long: never a shorter deadline than the default
            models = self._channel.request(
                "load", what="loading the model", timeout=max(self.call_timeout, DEFAULT_CALL_TIMEOUT)
            )
        return self._handle_view(models)

    @property
    def handle(self) -> ModelHandle:
        """A description of the child's handle; its ``state`` stays in the child (``None`` here)."""
        return self.load()

    def _handle_view(self, models: Sequence[ModelRecord]) -> ModelHandle:
        return ModelHandle(
            backend=self.backend,
            name=models[0].name if models else (self.model or ""),
            models=tuple(models),
            state=None,
            options=dict(self.options),
        )

    @property
    def loaded_models(self) -> list[ModelRecord]:
        """The records of the models the child has loaded (empty before a lazy load).

        The child announces them with the reply of the call that loaded them."""
        self._life.check()
        return list(self._channel.loaded or ())

    def _check(self) -> None:
        """Freed, or the child died: every call but freeing raises."""
        self._life.check()
        if self._channel.dead is not None:
            raise self._channel.crashed_error()

    # -- recognition -----------------------------------------------------------------------

    @overload
    def recognize(self, image: ImageInput, layout: str = ...) -> Page: ...
    @overload
    def recognize(self, image: list[ImageInput] | tuple[ImageInput, ...], layout: str = ...) -> list[Page]: ...

    def recognize(self, image: Any, layout: str = "page") -> Page | list[Page]:
        """Recognise one image (returns a :class:`Page`) or a list (returns a list).

        Images are decoded and checked here (bad input never reaches the child);
        pixels cross to the child through shared memory.
        """
        self._life.check()
        images, batch = self._inputs(image, layout)
        if not images:
            return []
        with self._life.call(), ImagePacker(images, self._shared_memory) as packed:
            pages: list[Page] = self._channel.request(
                "recognize", packed, layout, what=_what(images), timeout=self.call_timeout * len(images)
            )
        pages = self._structured(pages, layout)
        return pages if batch else pages[0]

    # -- freeing -------------------------------------------------------------------------

    def free_resources(self) -> None:
        """Free the model and end the child process. Idempotent, thread-safe; waits for
        calls in flight, at most ``call_timeout`` seconds (then the child is killed and
        they raise :class:`BackendTimeoutError`). Afterwards every other method raises
        ``ResourcesFreedError``."""
        reason = (
            f"the {self.backend!r} backend process was killed: a call was still running {self.call_timeout:g} s "
            "(call_timeout) after free_resources() was called"
        )
        if not self._life.close(self.call_timeout, lambda: self._channel.kill(reason)):
            return
        self._finalizer.detach()
        self._holder["freed"] = True
        try:
            _reissue(self._channel.shutdown(timeout=min(SHUTDOWN_TIMEOUT, self.call_timeout)))
        finally:
            mark_in_use(self._in_use_key, ())

    def __repr__(self) -> str:
        if self.freed:
            state = "freed"
        elif self._channel.dead is not None:
            state = "crashed"
        else:
            state = f"pid={self.pid}"
        return f"<ocrkit.ProcessEngine backend={self.backend!r} model={self.model!r} {state}>"
