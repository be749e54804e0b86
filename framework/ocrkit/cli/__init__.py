"""The ``ocrkit`` command. Each command group lives in its own module with an
``add_parser(subparsers)`` function; this module only assembles them and turns
ocrkit errors into one line on stderr and a non-zero exit code."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..errors import OcrkitError

__all__ = ["main", "build_parser"]

#: Command modules, in ``--help`` order. Importing them must stay cheap: no
#: backend library is imported until a command runs.
COMMAND_MODULES = ("read", "batch", "backends", "languages", "models", "eval", "serve")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on ONE stderr line (subparsers inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ocrkit",
        description="One OCR API over many engines: read images, manage models, list backends.",
    )
    parser.add_argument("--version", action="version", version=f"ocrkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").add_parser(subparsers)
    return parser


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    """Warnings on one line, like errors: no source path, no code line."""
    print(f"ocrkit: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or EXIT_OK)
    except OcrkitError as exc:
        print(f"ocrkit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("ocrkit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # an unwritable --output, a full disk: the user's to fix, no traceback
        print(f"ocrkit: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
