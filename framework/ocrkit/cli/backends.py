"""``ocrkit backends``: every backend, its version, whether it can run here, and how
many models discovery finds for it. Discovery only: no model is loaded and no
inference library is imported."""

from __future__ import annotations

import argparse
from typing import Any

from .._registry import BackendStatus, DiscoveryError, Registry, get_registry
from ..store import ModelStore
from ._util import print_json, print_table

__all__ = ["add_parser", "run", "backend_rows"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "backends",
        help="list the OCR backends, their status and models",
        description="List every registered backend (built-in and third-party) with its version, "
        "status (ok / unavailable / broken, with the reason) and the number of models discovery finds.",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="also show capabilities, options and models")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


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


def run(args: argparse.Namespace) -> int:
    rows = backend_rows(get_registry(), ModelStore(), args.verbose)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no backends registered (is OCRKIT_DISABLE_PLUGIN_AUTOLOAD set?)")
        return 0
    print_table(
        ("NAME", "VERSION", "STATUS", "MODELS", "DETAILS"),
        (
            (
                r["name"],
                r["version"] or "-",
                r["status"],
                "-" if r["models"] is None else r["models"],
                r["reason"] or "; ".join(r.get("discovery_errors", [])),
            )
            for r in rows
        ),
    )
    if args.verbose:
        for r in rows:
            _print_details(r)
    return 0


def _print_details(r: dict[str, Any]) -> None:
    print(f"\n{r['name']} ({r['status']})")
    source = r["plugin"] + (f" from {r['distribution']}" if r["distribution"] else "")
    print(f"  plugin:       {source}")
    if r["reason"]:
        print(f"  reason:       {r['reason']}")
    if "description" not in r:
        return
    print(f"  description:  {r['description']}")
    print(f"  capabilities: {', '.join(r['capabilities']) or '-'}")
    print(f"  formats:      {', '.join(r['model_formats']) or '-'}")
    print(f"  requires:     {', '.join(r['requires']) or '-'}")
    print(f"  store:        {r['store']}")
    for o in r["options"]:
        print(f"  option {o['name']} ({o['type']}, default {o['default']!r}): {o['help']}")
    for m in r["model_list"]:
        print(f"  model {m['name']:<20} {m['source']:<8} {m['path']}")
    for e in r.get("discovery_errors", []):
        print(f"  discovery error: {e}")
