"""``ocrkit models pull`` and ``ocrkit models verify``.

``cli/models.py`` calls :func:`add_subcommands` with its sub-command parsers.
Kept apart so the ``models`` group stays small and importing it stays cheap:
``ocrkit.pull`` is imported only when one of these commands runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .._progress import format_bytes

__all__ = ["add_subcommands"]

_CATALOG_HELP = (
    "catalogue file or URL to use instead of the shipped one "
    "(default: $OCRKIT_CATALOG, else the catalogue shipped with ocrkit)"
)


def _store(args: argparse.Namespace) -> Any:
    from ..store import ModelStore

    return ModelStore(getattr(args, "home", None))


def _print_catalog(args: argparse.Namespace) -> int:
    from ..pull import load_catalog
    from ._util import print_json, print_table

    catalog = load_catalog(args.catalog)
    rows = [e for e in catalog if not args.backend or e.backend == args.backend]
    if args.json:
        print_json([
            {"name": e.name, "backend": e.backend, "target": e.target, "size": e.size,
             "aliases": list(e.aliases), "description": e.description, "source": e.source,
             "provenance": e.provenance, "files": [f.name for f in e.files]}
            for e in rows
        ])
        return 0
    print(f"catalogue: {catalog.source}")
    print_table(
        ("NAME", "BACKEND", "SIZE", "DESCRIPTION"),
        ((e.name, e.backend, format_bytes(e.size) if e.size is not None else "?", e.description) for e in rows),
    )
    return 0


def _run_pull(args: argparse.Namespace) -> int:
    from ..pull import ProgressBar, pull_model

    if args.list:
        return _print_catalog(args)
    if not args.names:
        print("ocrkit models pull: give at least one model name (see --list)", file=sys.stderr)
        return 2
    store = _store(args)
    for name in args.names:
        bar = None if args.quiet else ProgressBar(sys.stderr)
        try:
            result = pull_model(
                name, store=store, catalog=args.catalog, backend=args.backend,
                force=args.force, progress=bar, timeout=args.timeout,
            )
        finally:
            if bar is not None:
                bar.close()
        if result.status == "present":
            print(f"{result.name}: already in the store, sha256 verified: {result.path}")
        else:
            how = " (resumed)" if result.resumed else ""
            print(f"{result.name}: {result.status}{how}, sha256 verified: {result.path}")
    return 0


def _run_verify(args: argparse.Namespace) -> int:
    from ..pull import MISMATCH, verify_store
    from ._util import print_json, print_table

    results = verify_store(args.backend, store=_store(args), catalog=args.catalog)
    if args.json:
        print_json([r.to_dict() for r in results])
    elif not results:
        print("no models in the store")
    else:
        print_table(
            ("STATUS", "BACKEND", "NAME", "DETAIL"),
            ((r.status, r.backend, r.name, ", ".join(r.entries) if r.status == "OK" else r.detail) for r in results),
        )
    bad = [r for r in results if r.status == MISMATCH]
    if bad:
        print(
            f"ocrkit: {len(bad)} model(s) do not match the catalogue; "
            "re-pull them with `ocrkit models pull NAME --force`",
            file=sys.stderr,
        )
        return 1
    return 0


def add_subcommands(subparsers: Any) -> None:
    """Add ``pull`` and ``verify`` to the ``ocrkit models`` sub-commands."""
    pull = subparsers.add_parser(
        "pull",
        help="download a catalogue model into the store (verified, resumable)",
        description="Download named models into the model store. Files are verified against the "
        "catalogue's sha256 before they appear in the store; an interrupted download resumes.",
    )
    pull.add_argument("names", nargs="*", metavar="NAME", help="catalogue model name(s), e.g. deu, eng-best, ppocrv6-small")
    pull.add_argument("--backend", "-b", metavar="B", help="only accept models of this backend")
    pull.add_argument("--catalog", metavar="FILE_OR_URL", help=_CATALOG_HELP)
    pull.add_argument("--force", action="store_true", help="replace a different model stored under the same name")
    pull.add_argument("--list", action="store_true", help="list the catalogue instead of pulling")
    pull.add_argument("--json", action="store_true", help="with --list: print JSON")
    pull.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    pull.add_argument("--timeout", type=float, default=30.0, help="network timeout in seconds (default 30)")
    pull.set_defaults(func=_run_pull)

    verify = subparsers.add_parser(
        "verify",
        help="re-check the sha256 of stored models against the catalogue",
        description="Hash every model in the store and compare it with the catalogue: OK, MISMATCH "
        "(exit status 1) or UNKNOWN (not in the catalogue).",
    )
    verify.add_argument("--backend", "-b", metavar="B", help="only this backend's models (default: every backend)")
    verify.add_argument("--catalog", metavar="FILE_OR_URL", help=_CATALOG_HELP)
    verify.add_argument("--json", action="store_true", help="print JSON")
    verify.set_defaults(func=_run_verify)
