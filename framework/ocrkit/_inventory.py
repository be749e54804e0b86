"""What the command and the server both list: the backends with their status and
models, and the models discovery finds. Rows are plain dicts, the shape of
``ocrkit backends --json`` / ``ocrkit models list --json`` and of ``GET /v1/backends``
/ ``GET /v1/models``: the CLI prints them, the server answers them."""

from __future__ import annotations

from typing import Any

from ._languages import installed_languages
from ._registry import BackendStatus, DiscoveryError, Registry
from .store import ModelStore

__all__ = ["backend_rows", "model_rows"]


def backend_rows(registry: Registry, store: ModelStore, verbose: bool = False) -> list[dict[str, Any]]:
    """What ``ocrkit backends --json`` prints (and ``GET /v1/backends`` answers)."""
    return [_row(s, registry, store, verbose) for s in registry.statuses()]


def _row(status: BackendStatus, registry: Registry, store: ModelStore, verbose: bool) -> dict[str, Any]:
    info = status.info
    row: dict[str, Any] = {
        "name": status.name,
        "version": info.version if info else None,
        "status": status.status,
        "reason": status.reason,
        "plugin": status.plugin,
        "distribution": status.distribution,
        "models": None,
    }
    if status.status == "broken":
        return row
    errors: list[DiscoveryError] = []
    records = registry.discover(status.name, store.path(status.name, create=False), errors=errors)
    row["models"] = len(records)
    row["languages"] = installed_languages(records)
    row["discovery_errors"] = [f"{e.plugin}: {e.reason}" for e in errors]
    if verbose and info is not None:
        row.update(
            description=info.description,
            capabilities=sorted(info.capabilities),
            model_formats=list(info.model_formats),
            options=[
                {"name": o.name, "type": o.type, "default": o.default, "help": o.help} for o in info.options
            ],
            requires=list(info.requires),
            model_list=[r.to_dict() for r in records],
            store=str(store.path(status.name, create=False)),
        )
    return row



def model_rows(
    registry: Registry, store: ModelStore, backend: str | None = None, errors: list[DiscoveryError] | None = None
) -> list[dict[str, Any]]:
    """What ``ocrkit models list --json`` prints (and ``GET /v1/models`` answers): every
    model discovery finds, of one backend or all; an unknown backend raises listing the known."""
    rows: list[dict[str, Any]] = []
    for name in [backend] if backend else registry.backend_names():
        registry.backend(name)  # unknown -> error listing the known ones
        rows += [r.to_dict() for r in registry.discover(name, store.path(name, create=False), errors=errors)]
    return rows
