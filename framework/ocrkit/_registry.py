"""The registry: a typed facade over pluggy's PluginManager.

It loads plugins from the ``ocrkit`` entry-point group (built-ins included),
keeps going when one of them fails to import (and remembers why), validates
hook names with ``check_pending()``, and turns "no plugin answered" into clear
errors that list what is known.

Environment (mirrors pytest's ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``/``PYTEST_PLUGINS``):

``OCRKIT_DISABLE_PLUGIN_AUTOLOAD=1``
    do not load the ``ocrkit`` entry points, except those named in ``OCRKIT_PLUGINS``.
``OCRKIT_PLUGINS=name,pkg.module``
    comma-separated entry-point names or importable module names; modules are
    always registered, entry-point names matter only when autoload is off.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import os
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from ._names import check_store_name
from ._plugin_checks import REQUIRED_BACKEND_HOOKS, analysis_problem, backend_info_problem, checked_pages, record_problem
from ._records import SOURCE_PRECEDENCE, BackendInfo, ModelHandle, ModelRecord
from .errors import BackendUnavailableError, OcrkitError, PluginError, PluginWarning, UnknownBackendError
from .images import PageImage
from .results import Page, PageAnalysis

__all__ = [
    "Registry",
    "BackendStatus",
    "get_registry",
    "set_default_registry",
    "ENTRY_POINT_GROUP",
    "DISABLE_AUTOLOAD_ENV",
    "PLUGINS_ENV",
]

ENTRY_POINT_GROUP = "ocrkit"
DISABLE_AUTOLOAD_ENV = "OCRKIT_DISABLE_PLUGIN_AUTOLOAD"
PLUGINS_ENV = "OCRKIT_PLUGINS"
#: The distribution whose plugins are the built-ins (they keep their backend names).
_OWN_DISTRIBUTION = "ocrkit"


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


@dataclass(frozen=True)
class DiscoveryError:
    """A plugin whose ``ocrkit_discover_models`` failed (reported, not fatal for others)."""

    plugin: str
    backend: str
    reason: str


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _env_plugin_names() -> list[str]:
    return [n.strip() for n in os.environ.get(PLUGINS_ENV, "").split(",") if n.strip()]


def _describe_exc(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class Registry:
    """Plugins, backends and the typed calls into them.

    ``Registry(autoload=True)`` loads the ``ocrkit`` entry points unless
    ``OCRKIT_DISABLE_PLUGIN_AUTOLOAD=1``; with autoload off, ``OCRKIT_PLUGINS``
    (comma-separated entry-point names) still loads the named ones.
    ``Registry(autoload=False)`` starts empty: tests and embedders ``register()``
    exactly the plugins they want.
    """

    def __init__(self, autoload: bool = True) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self._lock = threading.RLock()
        self._broken: dict[str, BackendStatus] = {}
        self._backends: dict[str, BackendStatus] | None = None
        self._distributions: dict[str, str] = {}
        if autoload:
            self.load_entrypoints()

    # -- plugins -----------------------------------------------------------------

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Register every entry point in *group* and the modules in ``OCRKIT_PLUGINS``.

        A plugin that fails to import or to validate is recorded as broken (shown
        by ``ocrkit backends`` with the reason); the others keep working.
        """
        requested = _env_plugin_names()
        only = set(requested) if _truthy(os.environ.get(DISABLE_AUTOLOAD_ENV)) else None
        entry_names: set[str] = set()
        for ep in importlib.metadata.entry_points(group=group):
            entry_names.add(ep.name)
            if only is not None and ep.name not in only:
                continue
            if self.pm.get_plugin(ep.name) is not None or ep.name in self._broken:
                continue
            dist = getattr(ep, "dist", None)
            dist_label = f"{dist.name} {dist.version}" if dist is not None else None
            try:
                plugin = ep.load()
                self.register(plugin, name=ep.name)
            except Exception as exc:  # a third-party plugin must not break the others
                self._mark_broken(ep.name, f"failed to load entry point {ep.value!r}: {_describe_exc(exc)}", dist_label)
                continue
            if dist_label:
                self._distributions[ep.name] = dist_label
        for name in requested:
            if name in entry_names or self.pm.get_plugin(name) is not None or name in self._broken:
                continue
            try:
                module = importlib.import_module(name)
                if self.pm.is_registered(module):  # already in through an entry point
                    continue
                self.register(module, name=name)
            except Exception as exc:
                self._mark_broken(name, f"failed to import {PLUGINS_ENV} module {name!r}: {_describe_exc(exc)}")
        self._backends = None

    def _mark_broken(self, name: str, reason: str, distribution: str | None = None) -> None:
        with self._lock:
            self._broken[name] = BackendStatus(name, name, "broken", reason=reason, distribution=distribution)
            self._backends = None

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object/module explicitly.

        A hook implementation whose name is not a hook (``ocrkit_recognise``) or
        whose arguments do not match its spec raises :class:`PluginError` here,
        and the plugin is not registered.
        """
        if isinstance(plugin, (str, bytes, os.PathLike)):
            raise PluginError(
                f"Registry.register() takes a plugin module or object, not {type(plugin).__name__} {plugin!r}; "
                f"import it first (importlib.import_module) or name it in {PLUGINS_ENV}"
            )
        with self._lock:
            try:
                registered = self.pm.register(plugin, name=name)
            except pluggy.PluginValidationError as exc:
                raise PluginError(f"plugin {name or plugin!r} does not match the ocrkit hook specs: {exc}") from exc
            if registered is None:
                raise PluginError(f"plugin {name or plugin!r} is blocked or already registered")
            try:
                self.pm.check_pending()
            except pluggy.PluginValidationError as exc:
                self.pm.unregister(plugin)
                known = ", ".join(sorted(n for n in dir(hookspecs) if n.startswith("ocrkit_")))
                raise PluginError(f"{exc}; the ocrkit hooks are: {known}") from exc
            self._backends = None
        self._warn_unmarked_hooks(plugin, registered)
        return registered

    def _warn_unmarked_hooks(self, plugin: object, name: str) -> None:
        """A function named like a hook but not marked ``@hookimpl`` is never called:
        say so, since the plugin would otherwise just silently lack that hook."""
        marker = f"{hookspecs.PROJECT_NAME}_impl"
        for attr in dir(plugin):
            if not attr.startswith(f"{hookspecs.PROJECT_NAME}_"):
                continue
            value = getattr(plugin, attr, None)
            if callable(value) and not hasattr(value, marker):
                hint = " (not a hook name either)" if not hasattr(hookspecs, attr) else ""
                warnings.warn(
                    f"plugin {name!r} has a function {attr}{hint} that is not marked @ocrkit.hookimpl; "
                    "ocrkit never calls it",
                    PluginWarning,
                    stacklevel=3,
                )

    def unregister(self, name: str) -> None:
        with self._lock:
            self.pm.unregister(name=name)
            self._broken.pop(name, None)
            self._backends = None

    def plugin_names(self) -> list[str]:
        """Names of the registered plugins (backends and model packs)."""
        return sorted(name for name, _ in self.pm.list_name_plugin())

    # -- backends ----------------------------------------------------------------

    def _is_builtin(self, plugin_name: str) -> bool:
        return (self._distributions.get(plugin_name) or "").split(" ")[0] == _OWN_DISTRIBUTION

    def _label(self, plugin_name: str) -> str:
        """``plugin 'x' (dist 1.0)``: how messages name a plugin and its distribution."""
        dist = self._distributions.get(plugin_name)
        return f"plugin {plugin_name!r} ({dist})" if dist else f"plugin {plugin_name!r}"

    def _implemented(self, plugin_name: str) -> set[str]:
        plugin = self.pm.get_plugin(plugin_name)
        return {caller.name for caller in self.pm.get_hookcallers(plugin) or ()}

    def _missing_hooks(self, plugin_name: str) -> list[str]:
        implemented = self._implemented(plugin_name)
        return [h for h in REQUIRED_BACKEND_HOOKS if h not in implemented]

    def _describe_all(self) -> dict[str, BackendStatus]:
        table: dict[str, BackendStatus] = {}
        impls = self.pm.hook.ocrkit_describe_backend.get_hookimpls()
        # Built-ins claim their names first, whatever order entry points load in: a
        # third-party plugin never takes over "tesseract" silently.
        impls = sorted(impls, key=lambda impl: not self._is_builtin(impl.plugin_name))
        for impl in impls:
            self._describe_one(impl, table)
        return table

    def _describe_one(self, impl: Any, table: dict[str, BackendStatus]) -> None:
        """Ask one plugin to describe its backend: into *table*, or marked broken."""
        plugin_name = impl.plugin_name
        dist = self._distributions.get(plugin_name)

        def broken(reason: str, info: BackendInfo | None = None) -> None:
            self._broken[plugin_name] = BackendStatus(
                plugin_name, plugin_name, "broken", info, reason=reason, distribution=dist
            )

        try:
            info = impl.function()
        except Exception as exc:
            broken(f"ocrkit_describe_backend raised {_describe_exc(exc)}")
            return
        if info is None:
            return
        if not isinstance(info, BackendInfo):
            broken(f"ocrkit_describe_backend returned {type(info).__name__}, not BackendInfo")
            return
        problem = backend_info_problem(info)
        if problem:
            broken(f"ocrkit_describe_backend: {problem}")
            return
        if info.name in table:
            holder = table[info.name].plugin
            broken(
                f"backend name {info.name!r} is already provided by {self._label(holder)}; "
                f"{self._label(plugin_name)} is not used (uninstall one of them or rename its backend)",
                info,
            )
            return
        missing = self._missing_hooks(plugin_name)
        if missing:
            broken(f"describes backend {info.name!r} but does not implement {', '.join(missing)}", info)
            return
        missing = [m for m in info.requires if importlib.util.find_spec(m.split(".")[0]) is None]
        if missing:
            reason = f"missing Python module(s): {', '.join(missing)}"
            if info.install_hint:
                reason += f"; install with: {info.install_hint}"
            table[info.name] = BackendStatus(info.name, plugin_name, "unavailable", info, reason, dist)
        else:
            table[info.name] = BackendStatus(info.name, plugin_name, "ok", info, "", dist)
    def statuses(self) -> list[BackendStatus]:
        """Every backend and every broken plugin, sorted by name."""
        with self._lock:
            if self._backends is None:
                self._backends = self._describe_all()
            rows = dict(self._broken)
            rows.update(self._backends)
            return sorted(rows.values(), key=lambda s: s.name)

    def backend_names(self) -> list[str]:
        """Backends that exist (usable or unavailable); broken plugins are not backends."""
        return [s.name for s in self.statuses() if s.status != "broken"]

    def backend(self, name: str) -> BackendStatus:
        """The status of backend *name*.

        :raises UnknownBackendError: nobody provides *name* (the message lists the known ones).
        :raises BackendUnavailableError: the plugin named *name* failed to load.
        """
        rows = self.statuses()
        for status in rows:
            if status.name == name and status.status != "broken":
                return status
        for status in rows:
            if status.name == name:
                raise BackendUnavailableError(f"backend {name!r} is broken: {status.reason}")
        raise UnknownBackendError(name, self.backend_names(), [s.name for s in rows if s.status == "broken"])

    def require(self, name: str) -> BackendInfo:
        """The info of a usable backend; unavailable ones raise with the install hint."""
        status = self.backend(name)
        if status.status != "ok" or status.info is None:
            raise BackendUnavailableError(f"backend {name!r} cannot run here: {status.reason}")
        return status.info

    # -- typed hook calls ----------------------------------------------------------

    def discover(
        self, backend: str, store_dir: Path, errors: list[DiscoveryError] | None = None
    ) -> list[ModelRecord]:
        """Every model any plugin knows for *backend*, best source first.

        Each plugin is asked on its own, so one failing model pack does not hide
        the others' models. A failure of *backend*'s own plugin raises, unless
        *errors* is given (the CLI passes a list and reports what is in it);
        failures of other plugins go to *errors*, or warn.
        """
        try:
            owner = self.backend(backend).plugin
        except OcrkitError:
            owner = None
        kwargs = {"backend": backend, "store_dir": store_dir}
        records: list[ModelRecord] = []
        for impl in self.pm.hook.ocrkit_discover_models.get_hookimpls():
            try:
                answer: Any = impl.function(*[kwargs[a] for a in impl.argnames])
                if isinstance(answer, (str, bytes, ModelRecord)):
                    raise PluginError(f"returned {type(answer).__name__}, not a list of ModelRecord")
                found = list(answer or ())
                problem = next((p for p in (record_problem(r, backend) for r in found) if p), None)
                if problem:
                    raise PluginError(problem)
            except Exception as exc:
                reason = str(exc) if isinstance(exc, PluginError) else _describe_exc(exc)
                failure = DiscoveryError(impl.plugin_name, backend, reason)
                if errors is not None:
                    errors.append(failure)
                    continue
                if impl.plugin_name == owner:
                    if isinstance(exc, OcrkitError) and not isinstance(exc, PluginError):
                        raise
                    raise PluginError(
                        f"{self._where(impl.plugin_name, 'ocrkit_discover_models')} failed for {backend!r}: "
                        f"{failure.reason}"
                    ) from exc
                warnings.warn(
                    f"{self._where(impl.plugin_name, 'ocrkit_discover_models')} failed for {backend!r}: "
                    f"{failure.reason}; its models are skipped",
                    PluginWarning,
                    stacklevel=2,
                )
                continue
            records.extend(r for r in found if r.backend == backend)

        def rank(r: ModelRecord) -> int:
            return SOURCE_PRECEDENCE.index(r.source) if r.source in SOURCE_PRECEDENCE else len(SOURCE_PRECEDENCE)

        # One file reached twice (a model pack's hook and a directory scan) is listed once,
        # under its best source.
        unique: dict[tuple[str, str], ModelRecord] = {}
        for record in sorted(records, key=rank):
            unique.setdefault((record.name, os.path.realpath(record.path)), record)
        return list(unique.values())

    def _where(self, plugin: str, hook: str) -> str:
        """``plugin 'x' (dist 1.0)'s ocrkit_recognize``: how errors name a hook of a plugin."""
        return f"{self._label(plugin)}'s {hook}"

    def _guarded(self, plugin: str, hook: str, call: Callable[[], Any]) -> Any:
        """Run plugin code; an exception that is neither an :class:`OcrkitError` nor an
        ``OSError`` becomes a :class:`PluginError` naming the plugin and hook (the
        original as ``__cause__``)."""
        try:
            return call()
        except (OcrkitError, OSError):
            raise  # meant by the plugin, or the machine's (disk full, permissions): not a plugin fault
        except Exception as exc:
            raise PluginError(f"{self._where(plugin, hook)} failed: {_describe_exc(exc)}") from exc

    def load(
        self, backend: str, model: str | None, models: Sequence[ModelRecord], options: Mapping[str, Any]
    ) -> ModelHandle:
        owner = self.backend(backend).plugin
        kwargs = {"backend": backend, "model": model, "models": list(models), "options": dict(options)}
        for impl in reversed(self.pm.hook.ocrkit_load_model.get_hookimpls()):  # pluggy's call order
            if impl.plugin_name in self._broken:  # an impostor or broken plugin loads nothing
                continue
            args = [kwargs[a] for a in impl.argnames]
            handle = self._guarded(impl.plugin_name, "ocrkit_load_model", functools.partial(impl.function, *args))
            if handle is None:
                continue
            if not isinstance(handle, ModelHandle) or handle.backend != backend:
                raise PluginError(
                    f"{self._where(impl.plugin_name, 'ocrkit_load_model')} returned {handle!r:.80}, "
                    f"not a ModelHandle for backend {backend!r}"
                )
            return handle
        raise PluginError(
            f"{self._where(owner, 'ocrkit_load_model')} returned None for model={model!r}: "
            f"no plugin loaded a model for backend {backend!r}"
        )

    def _owner_call(self, hook_name: str, backend: str, **kwargs: Any) -> tuple[Any, str]:
        """Call *hook_name* on the plugin that describes *backend* only: (answer, where)."""
        owner = self.backend(backend).plugin
        others = [p for name, p in self.pm.list_name_plugin() if name != owner]
        caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
        return self._guarded(owner, hook_name, lambda: caller(**kwargs)), self._where(owner, hook_name)

    def recognize(self, handle: ModelHandle, images: Sequence[PageImage], layout: str) -> list[Page]:
        images = list(images)
        answer, where = self._owner_call("ocrkit_recognize", handle.backend, handle=handle, images=images, layout=layout)
        return checked_pages(answer, images, where)

    def free(self, handle: ModelHandle) -> None:
        """The owner's ``ocrkit_free_model``; for a backend without one, ``handle.state.free()``
        (the :class:`~ocrkit.backend.HandleState` convention), so the simplest backend
        needs no freeing hook of its own."""
        owner = self.backend(handle.backend).plugin
        if "ocrkit_free_model" in self._implemented(owner):
            self._owner_call("ocrkit_free_model", handle.backend, handle=handle)
            return
        state, handle.state = handle.state, None
        if state is None:
            return
        free = getattr(state, "free", None)
        if not callable(free):
            raise PluginError(
                f"{self._label(owner)} has no ocrkit_free_model and its handle.state ({type(state).__name__}) "
                "has no free() method: implement one of them"
            )
        self._guarded(owner, "handle.state.free", free)

    def import_model(self, record: ModelRecord, dest_dir: Path) -> Path | None:
        """The owner's import of *record* into *dest_dir*, or ``None`` for a plain copy."""
        answer, where = self._owner_call("ocrkit_import_model", record.backend, record=record, dest_dir=dest_dir)
        if answer is not None and not isinstance(answer, Path):
            raise PluginError(f"{where} returned {type(answer).__name__}, not a pathlib.Path or None")
        return answer

    def quantize_model(
        self, record: ModelRecord, dest_dir: Path, name: str | None = None, calibration: Path | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> Path:
        """The owner's int8 model made from *record* in *dest_dir*; a backend that
        cannot quantise raises :class:`BackendUnavailableError`. A *name* the store
        would not list is refused before the backend spends any time on it."""
        if name is not None:
            check_store_name(name)
        made, where = self._owner_call(
            "ocrkit_quantize_model", record.backend,
            record=record, dest_dir=dest_dir, name=name, calibration=calibration, progress=progress,
        )
        if made is None:
            raise BackendUnavailableError(
                f"backend {record.backend!r} cannot quantise models (it does not implement ocrkit_quantize_model)"
            )
        if not isinstance(made, Path):
            raise PluginError(f"{where} returned {type(made).__name__}, not a pathlib.Path or None")
        return made

    def analyse_page(self, image: PageImage, backend: str) -> PageAnalysis | None:
        """The first page analyser plugin's checked answer for *image*, or ``None``
        when no plugin analyses pages (the built-in analyser then does)."""
        kwargs = {"image": image, "backend": backend}
        for impl in reversed(self.pm.hook.ocrkit_analyse_page.get_hookimpls()):  # pluggy's call order
            if impl.plugin_name in self._broken:
                continue
            args = [kwargs[a] for a in impl.argnames]
            answer = self._guarded(impl.plugin_name, "ocrkit_analyse_page", functools.partial(impl.function, *args))
            if answer is None:
                continue
            problem = analysis_problem(answer)
            if problem:
                raise PluginError(f"{self._where(impl.plugin_name, 'ocrkit_analyse_page')} {problem}")
            return answer
        return None


_default: Registry | None = None
_default_lock = threading.Lock()


def set_default_registry(registry: Registry | None) -> None:
    """Make *registry* the process-wide one (``None``: build it again on next use).
    For a process that assembles its own registry, such as an isolated backend's child."""
    global _default
    with _default_lock:
        _default = registry


def get_registry() -> Registry:
    """The process-wide registry, created (and entry points loaded) on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default
