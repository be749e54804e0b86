"""``python -m benchmarks``: run the side-by-side benchmarks (docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from ocrkit import OcrkitError, get_registry

from ._suite import BACKENDS, BenchConfig, run_benchmarks

DEFAULT_DATASETS = ("uw3-lines", "sroie-receipts")
DOCS_BEGIN = "<!-- bench:latest:begin -->"
DOCS_END = "<!-- bench:latest:end -->"


def _default_datasets_dir() -> Path:
    env = os.environ.get("OCRKIT_SHARED_DATASETS")
    return Path(env) if env else Path("..") / "shared" / "datasets"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark ocrkit's backends side by side with the tesseract command, pytesseract, "
        "raw tesserocr, RapidOCR and the pure onnxruntime session.run time, on the same images in one process.",
    )
    p.add_argument("--dataset", dest="datasets", action="append", type=Path, metavar="DIR",
                   help="dataset folder with a manifest.jsonl (repeatable; default: uw3-lines and "
                   "sroie-receipts under --datasets-dir)")
    p.add_argument("--datasets-dir", type=Path, default=None,
                   help="where the default datasets live (default: $OCRKIT_SHARED_DATASETS or ../shared/datasets)")
    p.add_argument("--backend", dest="backends", action="append", choices=BACKENDS,
                   help="benchmark only this backend and its anchors (repeatable; default: both)")
    p.add_argument("-o", "--option", dest="options", action="append", default=[], metavar="BACKEND:KEY=VALUE",
                   help="open ocrkit's BACKEND with this option (what-if runs, e.g. onnx:rec_batch_size=1; "
                   "RapidOCR follows onnx options that change what is read)")
    p.add_argument("-n", "--limit", type=int, default=None, help="first N images of each dataset (quick runs)")
    p.add_argument("--line-batch", type=int, default=32, help="lines per recognize() call for ocrkit onnx (default 32)")
    p.add_argument("--warmup", type=int, default=1, help="untimed images per reader before measuring (default 1)")
    p.add_argument("--rounds", type=int, default=1,
                   help="run every reader R times, rotating the order, keep each one's best (default 1)")
    p.add_argument("--sequential", dest="interleave", action="store_false",
                   help="run each reader over the whole dataset in turn instead of interleaving them chunk by chunk")
    p.add_argument("--chunk", type=int, default=None,
                   help="images per turn when interleaving (default: --line-batch for lines, 1 for pages)")
    p.add_argument("--memory-images", type=int, default=5,
                   help="images per reader in the separate peak-memory pass of interleaved runs (0: skip)")
    p.add_argument("--no-parallel", dest="parallel", action="store_false", help="skip the parallel check")
    p.add_argument("--no-int8", dest="int8", action="store_false",
                   help="do not make int8 sets (ocrkit models quantize) nor read them beside fp32")
    p.add_argument("--per-call-lines", type=int, default=64,
                   help="lines read one per call by ocrkit onnx fp32/int8 and RapidOCR (default 64; 0: skip)")
    p.add_argument("--parallel-limit", type=int, default=None,
                   help="images in the parallel batch per dataset (default: 128 lines or 12 pages, at most --limit)")
    p.add_argument("--out", type=Path, default=Path("docs") / "benchmarks",
                   help="folder for latest.md, latest.json and latest.png (default: docs/benchmarks)")
    p.add_argument("--no-chart", dest="chart", action="store_false", help="do not draw latest.png")
    p.add_argument("--update-docs", type=Path, default=None, metavar="MD",
                   help=f"also replace the text between {DOCS_BEGIN} and {DOCS_END} in this markdown file")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when a measured target is not met")
    return p


def _parse_options(pairs: Sequence[str]) -> dict[str, dict[str, object]]:
    """``["onnx:rec_batch_size=1"]`` -> ``{"onnx": {"rec_batch_size": 1}}``, typed like ``ocrkit read -o``."""
    grouped: dict[str, list[str]] = {}
    for pair in pairs:
        backend, sep, rest = pair.partition(":")
        if not sep or backend not in BACKENDS:
            raise OcrkitError(f"--option {pair!r}: expected BACKEND:KEY=VALUE with BACKEND one of {list(BACKENDS)}")
        grouped.setdefault(backend, []).append(rest)
    return {b: get_registry().require(b).parse_options(p) for b, p in grouped.items()}


def _update_docs(doc: Path, table: str) -> None:
    text = doc.read_text(encoding="utf-8")
    if DOCS_BEGIN not in text or DOCS_END not in text:
        raise OcrkitError(f"{doc} has no {DOCS_BEGIN} ... {DOCS_END} section to update")
    head, rest = text.split(DOCS_BEGIN, 1)
    _, tail = rest.split(DOCS_END, 1)
    doc.write_text(f"{head}{DOCS_BEGIN}\n{table}\n{DOCS_END}{tail}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ._output import to_json, to_markdown, write_chart

    datasets = args.datasets or [(args.datasets_dir or _default_datasets_dir()) / n for n in DEFAULT_DATASETS]
    missing = [str(d) for d in datasets if not (d / "manifest.jsonl").is_file()]
    if missing:
        print(f"ocrkit bench: error: dataset(s) not found: {', '.join(missing)} "
              "(use --dataset DIR or --datasets-dir DIR)", file=sys.stderr)
        return 1
    try:
        options = _parse_options(args.options)
    except OcrkitError as exc:
        print(f"ocrkit bench: error: {exc}", file=sys.stderr)
        return 2
    config = BenchConfig(
        datasets=datasets,
        backends=tuple(dict.fromkeys(args.backends or BACKENDS)),
        limit=args.limit,
        line_batch=args.line_batch,
        warmup=args.warmup,
        rounds=args.rounds,
        interleave=args.interleave,
        chunk=args.chunk,
        memory_images=args.memory_images,
        parallel=args.parallel,
        parallel_limit=args.parallel_limit,
        options=options,
        int8=args.int8,
        per_call_lines=args.per_call_lines,
    )
    try:
        results = run_benchmarks(config)
    except OcrkitError as exc:
        print(f"ocrkit bench: error: {exc}", file=sys.stderr)
        return 1
    command = "python -m benchmarks" + ("" if argv is None and len(sys.argv) < 2 else " ") + \
        " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    table = to_markdown(results, command.strip())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(table, encoding="utf-8")
    (args.out / "latest.json").write_text(to_json(results) + "\n", encoding="utf-8")
    if args.chart:
        try:
            write_chart(results, args.out / "latest.png")
        except ImportError:
            print('ocrkit bench: matplotlib not installed, no chart (pip install -e ".[bench]")', file=sys.stderr)
    if args.update_docs is not None:
        _update_docs(args.update_docs, table)
    print(table)
    print(f"written to {args.out}/latest.md, latest.json" + (", latest.png" if args.chart else ""), file=sys.stderr)
    if args.strict and any(t.met is False for t in results.targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
