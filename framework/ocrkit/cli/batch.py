"""``ocrkit batch INPUT... --out DIR``: read folders of images and documents into
one output file per input per format; resumable, failures logged, with progress.

Exit code: 0 when every input is done, 1 when any failed (see DIR/failures.jsonl),
130 when interrupted (run it again to finish; without --force, which would start over).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from .. import formats
from .._open import DEFAULT_BACKEND
from .._progress import Progress as ProgressBar
from ..batch import FileResult, Progress, default_jobs, run
from ..documents import DEFAULT_DPI, ReadSpec
from . import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from ._analysis import add_analysis_arguments, analysis_settings
from .languages import add_lang_argument

__all__ = ["add_parser"]

#: Seconds between plain progress lines when stderr is not a terminal (a log file, CI).
LOG_INTERVAL = 10.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "batch",
        help="read folders of images and PDFs into one output per file (resumable)",
        description="Read every input (files, folders, glob patterns) into DIR: one output per input per "
        "format, mirroring the input tree (scan.png -> DIR/scan.png.txt). A re-run skips what is done; "
        "failures go to DIR/failures.jsonl and make the exit code 1.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders or glob patterns ('scans/**/*.tif')")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (with --dask: a path every worker can write)")
    p.add_argument("--format", "-f", default="text", metavar="FORMATS",
                   help=f"comma-separated output formats (default: text; known: {','.join(formats.FORMATS)})")
    p.add_argument("-r", "--recursive", action="store_true", help="walk sub-folders of folder inputs")
    p.add_argument("--force", action="store_true", help="redo every input, even those already done")
    p.add_argument("--jobs", "-j", type=int, metavar="N",
                   help=f"worker processes, each with its own engine (default: {default_jobs()} here, one per core; "
                   "1 reads in this process)")
    p.add_argument("--max-pages-per-worker", type=int, metavar="N",
                   help="replace a worker by a fresh one after N pages (bounds memory over long runs)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask cluster: tcp://scheduler:8786, or local:N for a local cluster of N processes")
    p.add_argument("--backend", "-b", default=DEFAULT_BACKEND, help=f"OCR backend (default: {DEFAULT_BACKEND})")
    p.add_argument("--model", "-m", help="model name, e.g. a tesseract language such as eng or deu+eng")
    add_lang_argument(p)
    add_analysis_arguments(p)
    p.add_argument("--layout", default="page", metavar="page|line", help="page (default) or line: each image is one text line")
    p.add_argument("--dpi", type=float, default=DEFAULT_DPI,
                   help=f"resolution PDF pages are rendered at (default: {DEFAULT_DPI:g})")
    p.add_argument("--pages", metavar="SPEC", help="pages of each document to read, e.g. 1-3,7 (default: all)")
    p.add_argument("--password", help="password of encrypted PDFs")
    p.add_argument("-o", "--option", dest="options", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option (repeatable; see `ocrkit backends -v`)")
    p.add_argument("--isolation", choices=("none", "process"), default="none",
                   help="process: the backend of each worker runs in a child process of its own, so a native "
                   "crash on a hostile file is that file's failure with a clear error (default: none)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary; only errors")
    p.set_defaults(func=run_command)


class _Reporter:
    """A batch's events on stderr, through the one progress protocol (:class:`ocrkit._progress.Progress`):
    a bar of files on a terminal, a plain line every LOG_INTERVAL s elsewhere, nothing with
    ``--quiet``; a failed file is always one line."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.bar: ProgressBar | None = None
        self.latest: Progress | None = None

    def failed(self, result: FileResult) -> None:
        line = f"ocrkit: failed: {result.name}: {result.error_class}: {result.error}"
        if self.bar is not None and self.bar.mode == "bar":
            self.bar.note(line)
        else:
            print(line, file=self.stream, flush=True)

    def progress(self, p: Progress) -> None:
        self.latest = p
        if self.bar is None:
            self.bar = ProgressBar("ocrkit batch", p.files_total, unit="file", mode="quiet" if self.quiet else "auto",
                                   stream=self.stream, log_every=0, log_seconds=LOG_INTERVAL, describe=self._line)
        self.bar.postfix(self._detail(p))
        self.bar.update(p.files_finished, p.files_total)

    @staticmethod
    def _detail(p: Progress) -> str:
        return f"{p.pages_done} pages, {p.pages_per_second:.2f} pages/s, {p.files_failed} failed"

    def _line(self) -> str:
        p = self.latest
        assert p is not None
        return f"ocrkit batch: {p.files_finished}/{p.files_total} files, {self._detail(p)}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_command(args: argparse.Namespace) -> int:
    spec = ReadSpec.from_arguments(args.backend, args.model, args.options, isolation=args.isolation,
                                   pages=args.pages, dpi=args.dpi, password=args.password, layout=args.layout,
                                   lang=args.lang, analysis=analysis_settings(args))
    batch = run(
        args.inputs, args.out, formats=[f.strip() for f in args.format.split(",") if f.strip()],
        backend=spec.backend, model=spec.model, options=dict(spec.options), layout=spec.layout, dpi=spec.dpi,
        pages=args.pages, password=spec.password, isolation=spec.isolation, recursive=args.recursive,
        force=args.force, jobs=args.jobs, max_pages_per_worker=args.max_pages_per_worker, dask=args.dask,
    )
    reporter = _Reporter(sys.stderr, args.quiet)
    interrupted = False
    try:
        for event in batch:
            if isinstance(event, Progress):
                reporter.progress(event)
            elif event.status == "failed":
                reporter.failed(event)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        batch.close()
        reporter.close()
    summary = batch.summary
    if not args.quiet or summary.files_failed or interrupted:
        print(f"ocrkit batch: {summary.line()}", file=sys.stderr)
    if interrupted or summary.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_ERROR if summary.files_failed else EXIT_OK
