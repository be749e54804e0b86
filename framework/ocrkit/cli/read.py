"""``ocrkit read FILE...``: recognise images and print (or write) their text or JSON.

A file that is not a usable image gets one error line and the others are still
read; the exit code is then 1. ``-`` reads image bytes from stdin.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .._records import BackendInfo
from .._registry import get_registry
from ..errors import BadImageError, OcrkitError
from ..images import PageImage, load_image
from ..results import Page, dumps_json

__all__ = ["add_parser", "parse_options"]

DEFAULT_BACKEND = "tesseract"
#: Images decoded and recognised together (a batch lets a backend use every core);
#: bounded so that reading thousands of files does not hold them all in memory.
BATCH = 8


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "read",
        help="recognise text in images",
        description="Recognise the text in image files (PNG, JPEG, TIFF, ... or - for stdin) "
        "and print it as plain text or JSON.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="image files; - reads one image from stdin")
    p.add_argument("--backend", "-b", default=DEFAULT_BACKEND, help=f"OCR backend (default: {DEFAULT_BACKEND}; see `ocrkit backends`)")
    p.add_argument("--model", "-m", help="model name, e.g. a tesseract language such as eng or deu+eng (default: the backend's)")
    p.add_argument("--layout", default="page", metavar="page|line",
                   help="page: find the text on the page (default); line: each image is one text line")
    p.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format (default: text)")
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


def _images(files: Sequence[str], max_pixels: int) -> Iterator[tuple[str, PageImage | BadImageError]]:
    for name in files:
        try:
            source: Any = sys.stdin.buffer.read() if name == "-" else Path(name)
            yield name, load_image(source, max_pixels)
        except BadImageError as exc:
            yield name, exc


def _render(results: list[tuple[str, Page]], fmt: str) -> str:
    if fmt == "json":
        docs = [page.to_dict() for _, page in results]
        return dumps_json(docs[0] if len(docs) == 1 else docs) + "\n"
    if len(results) == 1:
        text = results[0][1].text
        return text if text.endswith("\n") or not text else text + "\n"
    parts = []
    for name, page in results:
        text = page.text.rstrip("\n")
        parts.append(f"==> {name} <==\n{text}\n")
    return "\n".join(parts)


def run(args: argparse.Namespace) -> int:
    import ocrkit

    info = get_registry().require(args.backend)
    options = parse_options(args.options, info)
    results: list[tuple[str, Page]] = []
    failed = 0
    with ocrkit.open(args.backend, args.model, isolation=args.isolation, **options) as engine:
        batch: list[tuple[str, PageImage]] = []

        def flush() -> None:
            if batch:
                pages = engine.recognize([img for _, img in batch], layout=args.layout)
                results.extend(zip([n for n, _ in batch], pages, strict=True))
                batch.clear()

        for name, image in _images(args.files, engine.max_image_pixels):
            if isinstance(image, BadImageError):
                print(f"ocrkit: error: {image}", file=sys.stderr)
                failed += 1
                continue
            if name == "-":
                image.source = "<stdin>"
            batch.append((name, image))
            if len(batch) >= BATCH:
                flush()
        flush()
    if results:
        out = _render(results, args.format)
        if args.output:
            Path(args.output).write_text(out, encoding="utf-8")
        else:
            sys.stdout.write(out)
    return 1 if failed else 0
