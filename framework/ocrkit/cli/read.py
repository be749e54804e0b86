"""``ocrkit read FILE...``: recognise images, multi-page TIFFs and PDFs and print (or
write) them as text, JSON, hOCR, ALTO or TSV, or as a searchable PDF (through OCRmyPDF).

A file or page that fails (not a usable image, not a valid PDF, refused by the
backend) gets one error line naming it and the others are still read; the exit
code is then 1. ``-`` reads image or PDF bytes from stdin (at most
``--max-stdin-bytes``). The reading itself is the library's read pipeline
(:func:`ocrkit.documents.read_sources`); this module parses and prints.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from .. import formats
from .._languages import route
from .._open import DEFAULT_BACKEND
from .._pool import EnginePool
from .._progress import Progress
from ..documents import DEFAULT_BATCH, DEFAULT_DPI, DocumentWarning, PageError, ReadSpec, check_dpi, read_sources
from ..errors import BackendUnavailableError, OcrkitError
from ..results import Page
from ._analysis import add_analysis_arguments, analysis_settings
from .languages import add_lang_argument

__all__ = ["add_parser"]

#: Pages decoded and recognised together (a batch lets a backend use every core); the
#: next batch renders meanwhile, so about twice this many pages are in memory at most.
BATCH = DEFAULT_BATCH
#: A searchable PDF (the image plus an invisible text layer), written by OCRmyPDF
#: with the ocrkit engine: one PDF implementation, not a renderer of our own.
PDF_FORMAT = "pdf"
#: ``--format pdf`` on a PDF that already has text: OCRmyPDF's choices, by its names.
EXISTING_TEXT_FLAGS = {
    "skip": ("--skip-text", "leave pages that already have text as they are"),
    "redo": ("--redo-ocr", "replace an earlier OCR text layer, keep other text"),
    "force": ("--force-ocr", "rasterise every page and OCR it (existing text is lost)"),
}
#: The most bytes ``-`` reads from stdin (a document on stdin is held in memory whole,
#: as an upload is by the server); a larger one is refused: give its path instead.
DEFAULT_MAX_STDIN_BYTES = 256 * 1024 * 1024
_STDIN_CHUNK = 1 << 20


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "read",
        help="recognise text in images and documents (PDF, multi-page TIFF)",
        description="Recognise the text in image files (PNG, JPEG, ...), multi-page TIFFs and PDFs "
        "(or - for stdin) and print it as text, JSON, hOCR, ALTO or TSV.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="image, TIFF or PDF files; - reads one from stdin")
    p.add_argument("--backend", "-b", default=DEFAULT_BACKEND,
                   help=f"OCR backend (default: {DEFAULT_BACKEND}; see `ocrkit backends`)")
    p.add_argument("--model", "-m", help="model name, e.g. a tesseract language such as eng or deu+eng (default: the backend's)")
    add_lang_argument(p)
    add_analysis_arguments(p)
    p.add_argument("--layout", default="page", metavar="page|line",
                   help="page: find the text on the page (default); line: each image is one text line")
    p.add_argument("--format", "-f", choices=(*formats.FORMATS, PDF_FORMAT), default="text",
                   help="output format: text, json, hocr (hOCR 1.2), alto (ALTO 4.4), tsv (tesseract's columns), "
                   "pdf (searchable PDF via OCRmyPDF; one FILE and -O); default: text")
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
                   "image is reported as an error instead of killing ocrkit, and the next file gets a "
                   "fresh one (default: none)")
    existing = p.add_mutually_exclusive_group()
    for choice, (flag, what) in EXISTING_TEXT_FLAGS.items():
        existing.add_argument(flag, dest="existing_text", action="store_const", const=choice,
                              help=f"--format pdf, for a PDF that already has text: {what} (as in OCRmyPDF)")
    p.add_argument("--max-stdin-bytes", type=int, default=DEFAULT_MAX_STDIN_BYTES, metavar="N",
                   help=f"the most bytes - reads from stdin (default: {DEFAULT_MAX_STDIN_BYTES // (1024 * 1024)} MiB)")
    p.set_defaults(func=run)


def read_stdin(stream: BinaryIO, limit: int) -> bytes:
    """At most *limit* bytes of *stream*, read in chunks; more is a one-line error
    (a document on stdin is held whole in memory, so it is bounded like an upload)."""
    chunks, size = [], 0
    while chunk := stream.read(min(_STDIN_CHUNK, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise OcrkitError(f"stdin holds more than {limit} bytes (--max-stdin-bytes); "
                              "save the document to a file and give its path")
    return b"".join(chunks)


def _sources(files: Sequence[str], max_stdin_bytes: int) -> Iterator[tuple[str, Any]]:
    """Each FILE when its turn comes: stdin is read only then, and only up to the limit."""
    for name in files:
        yield ("<stdin>", read_stdin(sys.stdin.buffer, max_stdin_bytes)) if name == "-" else (name, Path(name))


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


class _PageProgress:
    """Pages done / known on a terminal, through :class:`Progress`, once there are two
    pages or more; nothing when *stream* is not a terminal (a log, a pipe)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self.bar: Progress | None = None

    def __call__(self, done: int, known: int | None) -> None:
        if self.bar is None:
            if not self.enabled or not known or known < 2:
                return
            self.bar = Progress("ocrkit read", total=known, unit="page", mode="bar", stream=self.stream)
        self.bar.update(done, known)

    def say(self, line: str) -> None:
        """A line of its own, without breaking the bar."""
        if self.bar is not None:
            self.bar.note(line)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def _warnings_as_lines(say: Any) -> Iterator[None]:
    """Document warnings (a page rendered at a lower DPI...) as ``ocrkit: warning:`` lines."""
    with warnings.catch_warnings():
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, DocumentWarning):
                say(f"ocrkit: warning: {message}")
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


def _write_pdf(args: argparse.Namespace) -> int:
    """``--format pdf``: OCRmyPDF's searchable PDF of one FILE, through its Python API."""
    if not args.output or len(args.files) != 1 or args.files[0] == "-":
        raise OcrkitError("--format pdf writes one searchable PDF: give one FILE (not -) and -O OUT.pdf")
    if args.password:
        raise OcrkitError("--format pdf cannot open encrypted PDFs (OCRmyPDF does not); decrypt the file first")
    try:
        from ..integrations.ocrmypdf import write_searchable_pdf
    except ImportError as exc:
        raise BackendUnavailableError(
            f'--format pdf needs OCRmyPDF 17 (Python >= 3.11): pip install "ocrkit[ocrmypdf]" ({exc})') from exc
    model = route(args.backend, args.lang, args.model) if args.lang else args.model
    write_searchable_pdf(args.files[0], args.output, backend=args.backend, model=model, options=args.options,
                         isolation=args.isolation, pages=args.pages, dpi=check_dpi(args.dpi),
                         existing_text=args.existing_text)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.format == PDF_FORMAT:
        return _write_pdf(args)
    if args.existing_text:
        raise OcrkitError(f"{EXISTING_TEXT_FLAGS[args.existing_text][0]} applies to --format pdf only")
    if args.max_stdin_bytes < 1:
        raise OcrkitError(f"--max-stdin-bytes must be at least 1, got {args.max_stdin_bytes}")
    spec = ReadSpec.from_arguments(
        args.backend, args.model, args.options, isolation=args.isolation, pages=args.pages, dpi=args.dpi,
        password=args.password, layout=args.layout, lang=args.lang, analysis=analysis_settings(args),
    )
    results: list[Page] = []
    failed = 0
    progress = _PageProgress(sys.stderr)
    # A pool of one: with --isolation process, a backend that crashes on one file is
    # replaced by a fresh one for the next pages instead of failing every one of them.
    with _warnings_as_lines(progress.say), EnginePool() as pool, pool.engine(spec) as engine:
        try:
            for item in read_sources(engine, _sources(args.files, args.max_stdin_bytes), spec, batch=BATCH,
                                     progress=progress):
                if isinstance(item, PageError):
                    progress.say(f"ocrkit: error: {item}")
                    failed += 1
                else:
                    results.append(item)
        finally:
            progress.close()
    if results:
        out = _render_text(results) if args.format == "text" else formats.render(results, args.format)
        if args.output:
            Path(args.output).write_text(out, encoding="utf-8")
        else:
            sys.stdout.write(out)
    return 1 if failed else 0
