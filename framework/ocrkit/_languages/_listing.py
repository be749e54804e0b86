"""``ocrkit.languages()``: every language ocrkit can read here, by backend and model,
and (``available=True``) what the catalogue could add. Discovery only: nothing loads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._records import ModelRecord
from .._registry import Registry, get_registry
from ..store import ModelStore
from ._catalogued import catalog_for_hints, entry_languages
from ._codes import language_name
from ._routing import usable

__all__ = ["LanguageSupport", "languages", "installed_languages"]


@dataclass(frozen=True)
class LanguageSupport:
    """One language on one backend: the installed models that read it (best first)
    and, when asked for, the catalogue models that would (``ocrkit models pull NAME``)."""

    code: str
    name: str
    backend: str
    models: tuple[str, ...] = ()
    pulls: tuple[str, ...] = ()

    @property
    def installed(self) -> bool:
        return bool(self.models)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "backend": self.backend, "installed": self.installed,
                "models": list(self.models), "pulls": list(self.pulls)}


def installed_languages(records: Iterable[ModelRecord]) -> list[str]:
    """The sorted codes that the usable *records* read (``GET /v1/backends``'s ``languages``)."""
    return sorted({c for r in records if usable(r) for c in r.languages})


def languages(
    *, registry: Registry | None = None, store: ModelStore | None = None, available: bool = False,
    backend: str | None = None,
) -> list[LanguageSupport]:
    """What ``ocrkit languages`` lists, sorted by code then backend: the languages the
    installed models of every usable backend (or only *backend*) read; with *available*,
    also those the catalogue's models would add."""
    registry = registry or get_registry()
    store = store or ModelStore()
    if backend is not None:
        registry.require(backend)  # an unknown or unusable backend is an error, not an empty list
    models: dict[tuple[str, str], list[str]] = {}
    backends = [s.name for s in registry.statuses() if s.usable and backend in (None, s.name)]
    for name in backends:
        for record in registry.discover(name, store.path(name, create=False), errors=[]):
            if usable(record):
                for code in record.languages:
                    names = models.setdefault((code, name), [])
                    if record.name not in names:
                        names.append(record.name)
    pulls: dict[tuple[str, str], list[str]] = {}
    catalog = catalog_for_hints() if available else None
    for entry in catalog or ():
        if entry.backend not in backends:
            continue
        for code in entry_languages(entry):
            if entry.name not in models.get((code, entry.backend), ()):
                pulls.setdefault((code, entry.backend), []).append(entry.name)
    for (code, _), names in pulls.items():  # the catalogue's best reader first, as errors suggest
        names.sort(key=lambda n: (n != code, len(entry_languages(catalog.get(n))) if catalog else 0, n))
    keys = sorted(set(models) | set(pulls))
    return [LanguageSupport(code, language_name(code), name, tuple(models.get((code, name), ())),
                            tuple(pulls.get((code, name), ()))) for code, name in keys]
