"""``ocrkit eval DATASET --backend NAME``: accuracy, speed and memory of a backend
on a folder of images with ground truth (docs/eval.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import OcrkitError
from .languages import add_lang_argument

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "eval",
        help="measure a backend on a dataset: CER, WER, bag-of-words F1, reading order, latency, memory",
        description=(
            "Run a backend over a dataset folder (a manifest.jsonl with image, text and "
            "granularity per line; see docs/eval.md) and report accuracy (CER, WER, "
            "bag-of-words F1, reading-order score), per-image latency (median, p95), throughput, model load "
            "time and peak resident memory. Line images are read with layout='line'."
        ),
    )
    p.add_argument("dataset", type=Path, help="dataset folder containing manifest.jsonl")
    p.add_argument("-b", "--backend", required=True, help="backend name (see `ocrkit backends`)")
    p.add_argument("-m", "--model", default=None, help="model name (the backend's default otherwise)")
    add_lang_argument(p)
    p.add_argument(
        "-o", "--option", dest="options", action="append", default=[], metavar="KEY=VALUE",
        help="backend option, repeatable (e.g. -o psm=6)",
    )
    p.add_argument("-i", "--ignore-case", action="store_true", help="compare case-insensitively")
    p.add_argument("-n", "--limit", type=int, default=None, metavar="N", help="evaluate the first N samples only")
    p.add_argument(
        "--batch-size", type=int, default=1, metavar="N",
        help="images per recognize() call (default 1; batching speeds up line recognition)",
    )
    p.add_argument("--json", dest="json_path", type=Path, default=None, metavar="PATH",
                   help="also write the full report (with per-image results) as JSON; '-' for stdout")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                     help="always show the progress bar on stderr (default: only on a terminal)")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._languages import route
    from .._progress import Progress, ProgressMode
    from .._registry import get_registry
    from ..eval import evaluate, load_dataset

    dataset = load_dataset(args.dataset, args.limit)
    options = get_registry().require(args.backend).parse_options(args.options)
    model = route(args.backend, args.lang, args.model) if args.lang else args.model
    # default: a bar on a terminal, nothing in a log; --progress: plain lines in a log too
    mode: ProgressMode
    if args.progress is None:
        mode = "bar" if sys.stderr.isatty() else "quiet"
    else:
        mode = "auto" if args.progress else "quiet"
    with Progress(f"eval {args.backend}", len(dataset), unit="img", mode=mode) as progress:
        report = evaluate(
            dataset, args.backend, model=model, options=options,
            ignore_case=args.ignore_case, batch_size=args.batch_size, progress=progress,
        )
    if args.json_path is not None and str(args.json_path) == "-":
        print(report.to_json())
        return 0
    print(report.format())
    if args.json_path is not None:
        try:
            args.json_path.parent.mkdir(parents=True, exist_ok=True)
            args.json_path.write_text(report.to_json() + "\n", encoding="utf-8")
        except OSError as exc:
            raise OcrkitError(f"cannot write {args.json_path}: {exc}") from exc
    return 0
