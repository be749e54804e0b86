"""The registry: a typed facade over pluggy's PluginManager.

It loads plugins from the ``ocrkit`` entry-point group (built-ins included),
keeps going when one of them fails to import (and remembers why), validates
hook names with ``check_pending()``, and turns "no plugin answered" into clear
errors that list what is known.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from ._records import SOURCE_PRECEDENCE, BackendInfo, ModelHandle, ModelRecord
from .errors import BackendUnavailableError, OcrkitError, UnknownBackendError
from .images import PageImage
from .results import Page

__all__ = ["Registry", "BackendStatus", "get_registry", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "ocrkit"
DISABLE_AUTOLOAD_ENV = "OCRKIT_DISABLE_PLUGIN_AUTOLOAD"
PLUGINS_ENV = "OCRKIT_PLUGINS"


@dataclass(frozen=True)
class BackendStatus:
    """One row of ``ocrkit backends``: a plugin and whether it can be used."""

    name: str
    plugin: str
    status: str  # "ok" | "unavailable" | "broken"
    info: BackendInfo | None = None
    reason: str = ""
    distribution: str | None = None

    @property
    def usable(self) -> bool:
        return self.status == "ok"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


class Registry:
    """Plugins, backends and the typed calls into them.

    ``Registry(autoload=True)`` loads the ``ocrkit`` entry points unless
    ``OCRKIT_DISABLE_PLUGIN_AUTOLOAD=1``; with autoload off, ``OCRKIT_PLUGINS``
    (comma-separated entry-point names) still loads the named ones.
    """

    def __init__(self, autoload: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self._lock = threading.RLock()
        self._broken: dict[str, BackendStatus] = {}
        self._backends: dict[str, BackendStatus] | None = None
        if autoload:
            self.load_entrypoints()

    # -- plugins -----------------------------------------------------------------

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Register every entry point in *group*; a failing one is recorded as broken."""
        only: set[str] | None = None
        if _truthy(os.environ.get(DISABLE_AUTOLOAD_ENV)):
            only = {n.strip() for n in os.environ.get(PLUGINS_ENV, "").split(",") if n.strip()}
        for ep in importlib.metadata.entry_points(group=group):
            if only is not None and ep.name not in only:
                continue
            if self.pm.get_plugin(ep.name) is not None or ep.name in self._broken:
                continue
            dist = getattr(getattr(ep, "dist", None), "name", None)
            try:
                plugin = ep.load()
                self.register(plugin, name=ep.name)
            except Exception as exc:  # a third-party plugin must not break the others
                self._broken[ep.name] = BackendStatus(
                    name=ep.name,
                    plugin=ep.name,
                    status="broken",
                    reason=f"failed to load entry point {ep.value!r}: {type(exc).__name__}: {exc}",
                    distribution=dist,
                )
        self._backends = None

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object/module explicitly; misspelt hooks fail here."""
        with self._lock:
            registered = self.pm.register(plugin, name=name)
            if registered is None:
                raise OcrkitError(f"plugin {name or plugin!r} is blocked or already registered")
            try:
                self.pm.check_pending()
            except pluggy.PluginValidationError:
                self.pm.unregister(plugin)
                raise
            self._backends = None
            return registered

    def unregister(self, name: str) -> None:
        with self._lock:
            self.pm.unregister(name=name)
            self._backends = None

    # -- backends ----------------------------------------------------------------

    def _describe_all(self) -> dict[str, BackendStatus]:
        table: dict[str, BackendStatus] = {}
        for impl in self.pm.hook.ocrkit_describe_backend.get_hookimpls():
            plugin_name = impl.plugin_name
            try:
                info = impl.function()
            except Exception as exc:
                self._broken[plugin_name] = BackendStatus(
                    name=plugin_name, plugin=plugin_name, status="broken",
                    reason=f"ocrkit_describe_backend raised {type(exc).__name__}: {exc}",
                )
                continue
            if info is None:
                continue
            if not isinstance(info, BackendInfo):
                self._broken[plugin_name] = BackendStatus(
                    name=plugin_name, plugin=plugin_name, status="broken",
                    reason=f"ocrkit_describe_backend returned {type(info).__name__}, not BackendInfo",
                )
                continue
            missing = [m for m in info.requires if importlib.util.find_spec(m.split(".")[0]) is None]
            if missing:
                reason = f"missing Python module(s): {', '.join(missing)}"
                if info.install_hint:
                    reason += f"; install with: {info.install_hint}"
                table[info.name] = BackendStatus(info.name, plugin_name, "unavailable", info, reason)
            else:
                table[info.name] = BackendStatus(info.name, plugin_name, "ok", info)
        return table

    def statuses(self) -> list[BackendStatus]:
        """Every backend and every broken plugin, sorted by name."""
        with self._lock:
            if self._backends is None:
                self._backends = self._describe_all()
            rows = dict(self._broken)
            rows.update(self._backends)
            return sorted(rows.values(), key=lambda s: s.name)

    def backend_names(self) -> list[str]:
        return [s.name for s in self.statuses() if s.status != "broken"]

    def backend(self, name: str) -> BackendStatus:
        """The status of backend *name*; raises :class:`UnknownBackendError` listing known ones."""
        for status in self.statuses():
            if status.name == name and status.status != "broken":
                return status
        broken = [s.name for s in self.statuses() if s.status == "broken"]
        raise UnknownBackendError(name, self.backend_names(), broken)

    def require(self, name: str) -> BackendInfo:
        """The info of a usable backend; unavailable ones raise with the install hint."""
        status = self.backend(name)
        if status.status != "ok" or status.info is None:
            raise BackendUnavailableError(f"backend {name!r} cannot run here: {status.reason}")
        return status.info

    # -- typed hook calls ----------------------------------------------------------

    def discover(self, backend: str, store_dir: Path) -> list[ModelRecord]:
        """Every model any plugin knows for *backend*, best source first."""
        answers = self.pm.hook.ocrkit_discover_models(backend=backend, store_dir=store_dir)
        records = [r for answer in reversed(answers) if answer for r in answer if r.backend == backend]

        def rank(r: ModelRecord) -> int:
            return SOURCE_PRECEDENCE.index(r.source) if r.source in SOURCE_PRECEDENCE else len(SOURCE_PRECEDENCE)

        return sorted(records, key=rank)

    def load(
        self, backend: str, model: str | None, models: Sequence[ModelRecord], options: Mapping[str, Any]
    ) -> ModelHandle:
        handle = self.pm.hook.ocrkit_load_model(
            backend=backend, model=model, models=list(models), options=dict(options)
        )
        if handle is None:
            raise BackendUnavailableError(
                f"no plugin loaded a model for backend {backend!r} (model={model!r}); "
                "its plugin does not implement ocrkit_load_model"
            )
        if not isinstance(handle, ModelHandle) or handle.backend != backend:
            raise OcrkitError(f"plugin returned an invalid handle for backend {backend!r}: {handle!r}")
        return handle

    def _owner_caller(self, hook_name: str, backend: str) -> Any:
        owner = self.backend(backend).plugin
        others = [p for name, p in self.pm.list_name_plugin() if name != owner]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=others)

    def recognize(self, handle: ModelHandle, images: Sequence[PageImage], layout: str) -> list[Page]:
        pages = self._owner_caller("ocrkit_recognize", handle.backend)(
            handle=handle, images=list(images), layout=layout
        )
        if pages is None:
            raise BackendUnavailableError(f"backend {handle.backend!r} does not implement ocrkit_recognize")
        if len(pages) != len(images):
            raise OcrkitError(
                f"backend {handle.backend!r} returned {len(pages)} results for {len(images)} images"
            )
        return list(pages)

    def free(self, handle: ModelHandle) -> None:
        self._owner_caller("ocrkit_free_model", handle.backend)(handle=handle)

    def import_model(self, record: ModelRecord, dest_dir: Path) -> Path | None:
        """The owner's import of *record* into *dest_dir*, or ``None`` for a plain copy."""
        return self._owner_caller("ocrkit_import_model", record.backend)(record=record, dest_dir=dest_dir)


_default: Registry | None = None
_default_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, created (and entry points loaded) on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default
