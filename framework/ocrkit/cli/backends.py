"""``ocrkit backends``: every backend, its version, whether it can run here, and how
many models discovery finds for it. Discovery only: no model is loaded and no
inference library is imported."""

from __future__ import annotations

import argparse
from typing import Any

from .._inventory import backend_rows
from .._registry import get_registry
from ..store import ModelStore
from ._util import print_json, print_table

__all__ = ["add_parser", "run"]


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
