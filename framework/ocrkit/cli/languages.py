"""``ocrkit languages``: every language code ocrkit can read here, by which backend and
model; ``--available`` adds what the model catalogue can pull. A thin caller of
:func:`ocrkit.languages` (discovery only: nothing loads)."""

from __future__ import annotations

import argparse

from .._languages import languages
from ._util import print_json, print_table

__all__ = ["add_parser", "add_lang_argument", "run"]

#: Catalogue names shown per row in the table (``--json`` has them all).
SHOWN_PULLS = 3


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "languages",
        help="list the languages the installed models read (and what can be pulled)",
        description="List every language code (Tesseract-style ISO 639-2, as -l/--lang takes it) that an "
        "installed model reads, with the backend and models. --available adds the languages the model "
        "catalogue can add, with the name to give `ocrkit models pull`.",
    )
    p.add_argument("--available", action="store_true", help="also list what the catalogue can pull")
    p.add_argument("-b", "--backend", help="only this backend")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    """``-l/--lang``, the same on every command that reads (read, batch, eval)."""
    parser.add_argument(
        "-l", "--lang", metavar="CODES", default=None,
        help="languages to read, e.g. fra or fra+eng (ISO 639-2 as `ocrkit languages` lists them; en, de... "
        "work too): picks the installed model that reads them, or says what to pull",
    )


def run(args: argparse.Namespace) -> int:
    rows = languages(available=args.available, backend=args.backend)
    if args.json:
        print_json([r.to_dict() for r in rows])
        return 0
    if not rows:
        print("no installed model declares its languages" + ("" if args.available else " (try --available)"))
        return 0
    headers = ("CODE", "LANGUAGE", "BACKEND", "MODELS") + (("PULL",) if args.available else ())
    print_table(headers, (
        (r.code, r.name, r.backend, ", ".join(r.models) or "-") + ((_pulls(r.pulls),) if args.available else ())
        for r in rows
    ))
    return 0


def _pulls(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:SHOWN_PULLS]) or "-"
    return shown + (f" (+{len(names) - SHOWN_PULLS} more)" if len(names) > SHOWN_PULLS else "")
