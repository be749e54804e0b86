"""``ocrkit models list|path|audit|rm|prune|import|quantize``: the model store from the shell.

Store commands never touch anything outside ``$OCRKIT_HOME/<backend>``: names
with separators or ``..``, absolute paths and symlinks leading out are refused.
``pull``/``verify`` come from ``cli/models_pull.py`` when it is installed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any

from .._inventory import model_rows
from .._model_lookup import backend_for_path, backend_with_model, owning_backend, resolve_import_source, store_backends
from .._progress import format_bytes
from .._records import ModelRecord
from .._registry import DiscoveryError, Registry, get_registry
from ..errors import ModelNotFoundError, OcrkitError
from ..store import ModelStore
from ._util import print_json, print_table

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "models",
        help="list, audit, import and remove models",
        description="Manage the model store ($OCRKIT_HOME/<backend>, default: the platform's user data dir).",
    )
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    sub = p.add_subparsers(dest="models_command", metavar="SUBCOMMAND")

    def command(
        name: str, help: str, func: Any, json: bool = True, dry_run: bool = False,
        backend_help: str = "only this backend (default: all)",
    ) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        c.add_argument("--backend", "-b", metavar="B", help=backend_help)
        if json:
            c.add_argument("--json", action="store_true", help="machine-readable output")
        if dry_run:
            c.add_argument("--dry-run", "-n", action="store_true", help="show what would change, change nothing")
        c.set_defaults(func=func)
        return c

    c = command("list", "list the models discovery finds (store, env, packages, system)", _list)
    c.add_argument("--local", action="store_true", help="only the store's entries (names joinable with `models path`)")
    c = command("path", "print the store directory (of one backend with BACKEND or --backend)", _path, json=False,
                backend_help="print this backend's directory instead of the store root")
    c.add_argument("backend_name", nargs="?", metavar="BACKEND", help="print this backend's directory (same as --backend)")
    command("audit", "size, sha256 and OLD/CURRENT status of every model in the store", _audit)
    c = command("rm", "delete models from the store by name", _rm, dry_run=True,
                backend_help="the backend whose store holds NAME (default: the one that has it)")
    c.add_argument("names", nargs="+", metavar="NAME",
                   help="model names as `models list` shows them (eng), or store entry names (eng.traineddata)")
    c = command("prune", "delete OLD models (or those with --prefix) from the store", _prune, dry_run=True)
    c.add_argument("--prefix", help="delete entries whose name starts with PREFIX instead of the OLD ones")
    c = command("import", "copy a discovered model or a model file/directory into the store", _import, dry_run=True,
                backend_help="the backend the model is for (default: found by name, or guessed from the file format)")
    c.add_argument("source", metavar="NAME_OR_PATH", help="a model name from `models list`, or a path")
    c.add_argument("--force", action="store_true", help="replace an entry of the same name")

    c = command("quantize", "make an int8 copy of a model in the store (checked against the original first)",
                _quantize, backend_help="the backend the model is for (default: the one that has it)")
    c.add_argument("source", metavar="SET", help="a model name from `models list` (e.g. ppocrv6-small)")
    c.add_argument("--calibrate", metavar="DIR", type=Path,
                   help="calibrate on your own pages or text-line images in DIR (default: a built-in calibration "
                        "that needs no download)")
    c.add_argument("--name", help="the new store entry's name (default: SET-int8)")

    try:
        pull = importlib.import_module(f"{__package__}.models_pull")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.models_pull":
            raise
    else:
        pull.add_subcommands(sub)


# -- list / path / audit --------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    registry, store = get_registry(), ModelStore()
    rows: list[dict[str, Any]] = []
    if args.local:
        for backend in store_backends(registry, store, args.backend):
            directory = store.path(backend, create=False)
            rows += [{"backend": backend, "name": n, "path": str(directory / n)} for n in store.list_local(backend)]
        if args.json:
            print_json(rows)
        elif not rows:
            print(f"no models in the store ({store.root})")
        else:
            print_table(("BACKEND", "NAME", "PATH"), ((r["backend"], r["name"], r["path"]) for r in rows))
        return 0
    errors: list[DiscoveryError] = []
    rows = model_rows(registry, store, args.backend, errors)
    if args.json:
        print_json(rows)
    elif not rows:
        print("no models found (see `ocrkit models path` for where the store is)")
    else:
        print_table(
            ("BACKEND", "NAME", "SOURCE", "SIZE", "PATH"),
            ((r["backend"], r["name"], r["source"], format_bytes(r["size"]),
              r["path"] + (f"  ({d})" if (d := _derivation(r)) else "")) for r in rows),
        )
    for e in errors:
        print(f"ocrkit: warning: plugin {e.plugin!r} failed to discover {e.backend} models: {e.reason}",
              file=sys.stderr)
    return 0


def _path(args: argparse.Namespace) -> int:
    store = ModelStore()
    if args.backend and args.backend_name and args.backend != args.backend_name:
        raise OcrkitError(f"two backends given ({args.backend_name} and --backend {args.backend}); give one")
    backend = args.backend or args.backend_name
    if backend:
        print(store.path(backend, create=False).resolve())
    else:
        print(store.root.resolve())
    return 0


def _audit(args: argparse.Namespace) -> int:
    registry, store = get_registry(), ModelStore()
    backends = store_backends(registry, store, args.backend)
    entries = [(backend, e) for backend in backends for e in store.audit(backend)]
    derived = {
        (b, Path(r.path).resolve()): _derivation(r.to_dict())
        for b in backends for r in registry.discover(b, store.path(b, create=False), errors=[])
        if r.source == "store"
    }
    if args.json:
        print_json([{"backend": b, **e.to_dict(), "derived_from": derived.get((b, e.path.resolve())) or None}
                    for b, e in entries])
        return 0
    if not entries:
        print(f"no models in the store ({store.root})")
        return 0
    print_table(
        ("STATUS", "BACKEND", "SIZE", "SHA256", "PATH"),
        (
            (e.status, b, format_bytes(e.size), e.sha256[:16] or "-",
             str(e.path) + (f"  ({note})" if (note := "; ".join(
                 filter(None, [derived.get((b, e.path.resolve()), ""), e.reason]))) else ""))
            for b, e in entries
        ),
    )
    return 0


# -- rm / prune ---------------------------------------------------------------------------


def _store_entry(registry: Registry, store: ModelStore, name: str, backend: str | None) -> tuple[str, str]:
    """``(backend, entry name)`` for *name*: a store entry name (``eng.traineddata``), or
    a model name as every other command takes it (``eng``) whose copy is in the store."""
    try:
        return owning_backend(registry, store, name, backend), name
    except ModelNotFoundError:
        entries = {
            (b, Path(r.path).resolve().relative_to(root).parts[0])
            for b in store_backends(registry, store, backend)
            if (root := store.path(b, create=False).resolve()).is_dir()
            for r in registry.discover(b, root, errors=[])
            if r.source == "store" and r.name == name and Path(r.path).resolve().is_relative_to(root)
        }
        if len(entries) != 1:
            raise
        return entries.pop()


def _rm(args: argparse.Namespace) -> int:
    registry, store = get_registry(), ModelStore()
    removed: list[dict[str, str]] = []
    for asked in args.names:
        backend, name = _store_entry(registry, store, asked, args.backend)
        if args.dry_run:
            path = store.resolve(backend, name)
            store.check_not_in_use(name, path)
        else:
            path = store.remove(backend, name)
        removed.append({"backend": backend, "name": name, "path": str(path)})
        if not args.json:
            print(f"{'Would delete' if args.dry_run else 'Deleted'} {path}")
    if args.json:
        print_json({"dry_run": args.dry_run, "removed": removed})
    return 0


def _prune(args: argparse.Namespace) -> int:
    registry, store = get_registry(), ModelStore()
    removed: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    for backend in store_backends(registry, store, args.backend):
        directory = store.path(backend, create=False).resolve()
        result = store.prune(backend, prefix=args.prefix, dry_run=args.dry_run)
        removed += [{"backend": backend, "name": name, "path": str(directory / name)} for name in result]
        skipped += [{"backend": backend, "name": n, "reason": r} for n, r in result.skipped.items()]
    if args.json:
        print_json({"dry_run": args.dry_run, "removed": removed, "skipped": skipped})
        return 0
    for r in removed:
        print(f"{'Would delete' if args.dry_run else 'Deleted'} {r['path']}")
    for s in skipped:
        print(f"Skipped {s['backend']}/{s['name']}: {s['reason']}")
    if not removed and not skipped:
        print("nothing to prune")
    return 0


# -- import ----------------------------------------------------------------------------------


def _import(args: argparse.Namespace) -> int:
    registry, store = get_registry(), ModelStore()
    source = args.source
    is_path = os.sep in source or Path(source).exists()
    if is_path:
        backend = args.backend or backend_for_path(registry, Path(source).expanduser())
    else:
        backend = backend_with_model(registry, store, source, args.backend)
        if not backend:
            raise ModelNotFoundError(f"no model {source!r} found outside the store for any backend and no such file")
    registry.backend(backend)
    record: ModelRecord = resolve_import_source(registry, store, backend, Path(source) if is_path else source)
    if args.dry_run:
        targets = [str(t) for _, t in store.import_targets(record)]
        result = {"dry_run": True, "backend": backend, "name": record.name, "from": str(record.path), "to": targets}
        if args.json:
            print_json(result)
        else:
            print(f"Would import {record.path} -> {', '.join(targets)}")
        return 0
    made = store.import_model(record, importer=registry.import_model, overwrite=args.force)
    if args.json:
        print_json({"dry_run": False, "backend": backend, "name": record.name, "from": str(record.path), "to": [str(made)]})
    else:
        print(f"Imported {record.path} -> {made}")
    return 0


# -- quantize --------------------------------------------------------------------------------


def _derivation(record: dict[str, Any]) -> str:
    """``int8 of NAME`` for a record (as ``to_dict``) its backend describes as derived, else ``""``."""
    derived = record.get("extra", {}).get("derived")
    if not isinstance(derived, dict) or not derived.get("from"):
        return ""
    return f"{derived.get('precision', 'derived')} of {derived['from']}"


def _check_lines(derived: dict[str, Any]) -> list[str]:
    """The accuracy check's figures, as the backend recorded them, one line per part."""
    check = derived.get("check") or {}
    out = []
    if check.get("held_out_lines"):
        out.append(f"  {check['held_out_lines']} held-out lines: {check['line_cer_vs_fp32']:.2%} of characters "
                   f"read differently, word agreement {check['line_bow_f1_vs_fp32']:.3f}")
    if check.get("held_out_pages"):
        boxes = check.get("box_match_vs_fp32")
        out.append(f"  {check['held_out_pages']} held-out pages: word agreement {check['page_bow_f1_vs_fp32']:.3f}"
                   + (f", {boxes:.1%} of line boxes found again" if boxes is not None else ""))
    return out


def _quantize(args: argparse.Namespace) -> int:
    registry, store = get_registry(), ModelStore()
    backends = [args.backend] if args.backend else registry.backend_names()
    found = [
        r for b in backends for r in registry.discover(b, store.path(b, create=False), errors=[])
        if r.name == args.source and "error" not in r.extra
    ]
    if not found:
        known = sorted({r.name for b in backends for r in registry.discover(b, store.path(b, create=False), errors=[])})
        raise ModelNotFoundError(f"no model {args.source!r} to quantise", known)
    if len({r.backend for r in found}) > 1:
        raise OcrkitError(f"model {args.source!r} exists for several backends "
                          f"({', '.join(sorted({r.backend for r in found}))}); choose one with --backend")
    record = found[0]  # discovery lists the store's copy first
    quiet = args.json
    made = registry.quantize_model(
        record, store.path(record.backend), name=args.name, calibration=args.calibrate,
        progress=None if quiet else (lambda line: print(f"ocrkit: {line}", file=sys.stderr, flush=True)),
    )
    new = next((r for r in registry.discover(record.backend, store.path(record.backend, create=False), errors=[])
                if Path(r.path) == made), None)
    derived = new.extra.get("derived", {}) if new is not None else {}
    if args.json:
        print_json({"backend": record.backend, "name": made.name, "from": record.name, "path": str(made),
                    "derived": derived})
        return 0
    print(f"Made {made.name} ({_derivation(new.to_dict()) if new else 'int8'}) -> {made}")
    for line in _check_lines(derived):
        print(line)
    return 0
