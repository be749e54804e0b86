"""``ocrkit read FILE...``: recognise images, multi-page TIFFs and PDFs and print (or
write) them as text, JSON, hOCR, ALTO or TSV.

A file or page that fails (not a usable image, not a valid PDF, refused by the
backend) gets one error line naming it and the others are still read; the exit
code is then 1. ``-`` reads image or PDF bytes from stdin.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import formats
from .._records import BackendInfo
from .._registry import get_registry
from ..documents import DEFAULT_DPI, DocumentWarning, PageError, parse_pages, read_sources
from ..documents._sources import check_dpi
from ..errors import OcrkitError
from ..results import Page

__all__ = ["add_parser", "parse_options"]

DEFAULT_BACKEND = "tesseract"
#: Pages decoded and recognised together (a batch lets a backend use every core);
#: bounded so that reading thousands of pages does not hold them all in memory.
BATCH = 8


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "read",
        help="recognise text in images and documents (PDF, multi-page TIFF)",
        description="Recognise the text in image files (PNG, JPEG, ...), multi-page TIFFs and PDFs "
        "(or - for stdin) and print it as text, JSON, hOCR, ALTO or TSV.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="image, TIFF or PDF files; - reads one from stdin")
    p.add_argument("--backend", "-b", default=DEFAULT_BACKEND, help=f"OCR backend (default: {DEFAULT_BACKEND}; see `ocrkit backends`)")
    p.add_argument("--model", "-m", help="model name, e.g. a tesseract language such as eng or deu+eng (default: the backend's)")
    p.add_argument("--layout", default="page", metavar="page|line",
                   help="page: find the text on the page (default); line: each image is one text line")
    p.add_argument("--format", "-f", choices=formats.FORMATS, default="text",
                   help="output format: text, json, hocr (hOCR 1.2), alto (ALTO 4.4), tsv (tesseract's columns); "
                   "default: text")
    p.add_argument("--pages", metavar="LIST", help="pages to read from each document, 1-based: 1-3,7 or 5- (default: all)")
    p.add_argument("--dpi", type=float, default=DEFAULT_DPI,
                   help=f"resolution PDF pages are rendered at (default: {DEFAULT_DPI:g}); lowered, with a warning, "
                   "for a page that would exceed OCRKIT_MAX_IMAGE_PIXELS")
    p.add_argument("--password", help="password of encrypted PDFs")
    p.add_argument("--output", "-O", metavar="PATH", help="write to PATH instead of stdout")
    p.add_argument("-o", "--option", dest="options", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option (repeatable; see `ocrkit backends -v` for each backend's options)")
    p.add_argument("--isolation", choices=("none", "process"), default="none",
                   help="process: run the backend in a child process, so a native crash on a hostile "
                   "image is reported as an error instead of killing ocrkit (default: none)")
    p.set_defaults(func=run)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert_one(value: str, type_name: str) -> Any:
    """*value* as *type_name*; ``ValueError`` when it is not one."""
    type_name = type_name.strip().replace(" ", "")
    if type_name == "int":
        return int(value)
    if type_name == "float":
        return float(value)
    if type_name == "bool":
        if value.lower() not in _TRUE | _FALSE:
            raise ValueError(value)
        return value.lower() in _TRUE
    if type_name.startswith("list"):
        return [v for v in value.replace("+", ",").split(",") if v]
    if type_name.startswith("dict"):
        if value.lstrip().startswith("{"):
            parsed = json.loads(value)
            if not isinstance(parsed, dict):
                raise ValueError(value)
            return parsed
        pairs = [p.partition(":") for p in value.split(",") if p]
        if any(not sep for _, sep, _ in pairs):
            raise ValueError(value)
        return {k: v for k, _, v in pairs}
    return value


def _convert(key: str, value: str, type_name: str) -> Any:
    """Convert by the declared type; ``int|str`` tries each alternative in order."""
    for alternative in type_name.split("|"):
        try:
            return _convert_one(value, alternative)
        except ValueError:
            continue
    hint = " (JSON or key:value,key:value)" if "dict" in type_name else ""
    raise OcrkitError(f"option {key}={value!r}: expected a value of type {type_name}{hint}")


def parse_options(pairs: Sequence[str], info: BackendInfo) -> dict[str, Any]:
    """``["psm=6", "lang=deu"]`` -> ``{"psm": 6, ...}``, typed by the backend's :class:`OptionSpec` s.

    Unknown keys are passed on: the engine rejects them with the list of accepted options.
    """
    types = {o.name: o.type for o in info.options}
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise OcrkitError(f"backend option {pair!r} must look like KEY=VALUE")
        options[key] = _convert(key, value, types.get(key, "str"))
    return options


def _sources(files: Sequence[str]) -> Iterator[tuple[str, Any]]:
    for name in files:
        yield ("<stdin>", sys.stdin.buffer.read()) if name == "-" else (name, Path(name))


def _render_text(pages: list[Page]) -> str:
    """One file: its text. Several: each file's text under a ``==> name <==`` header."""
    names = list(dict.fromkeys(page.source for page in pages))
    if len(names) == 1:
        return formats.render(pages, "text")
    parts = []
    for name in names:
        text = formats.render([p for p in pages if p.source == name], "text").rstrip("\n")
        parts.append(f"==> {name} <==\n{text}\n")
    return "\n".join(parts)


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Document warnings (a page rendered at a lower DPI...) as ``ocrkit: warning:`` lines."""
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, DocumentWarning):
                print(f"ocrkit: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


def run(args: argparse.Namespace) -> int:
    import ocrkit

    info = get_registry().require(args.backend)
    options = parse_options(args.options, info)
    pages_spec = parse_pages(args.pages)
    dpi = check_dpi(args.dpi)
    results: list[Page] = []
    failed = 0
    with _warnings_as_lines(), ocrkit.open(args.backend, args.model, isolation=args.isolation, **options) as engine:
        stream = read_sources(
            engine, _sources(args.files), pages=pages_spec, dpi=dpi, password=args.password,
            layout=args.layout, batch=BATCH,
        )
        for item in stream:
            if isinstance(item, PageError):
                print(f"ocrkit: error: {item}", file=sys.stderr)
                failed += 1
            else:
                results.append(item)
    if results:
        out = _render_text(results) if args.format == "text" else formats.render(results, args.format)
        if args.output:
            Path(args.output).write_text(out, encoding="utf-8")
        else:
            sys.stdout.write(out)
    return 1 if failed else 0
