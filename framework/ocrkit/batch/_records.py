"""What a batch is made of: its settings (sent to every worker), one job per input
file, and the events a run yields (a result per file, progress snapshots)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._open import open as open_engine
from ..documents import DEFAULT_DPI, PageSelection, ReadSpec, parse_pages
from ..errors import InvalidOptionError

__all__ = ["BatchSettings", "Job", "PagesRead", "FileResult", "Progress", "Summary", "Status", "JOURNAL_NAME", "FAILURES_NAME"]

#: In the output directory: what is done (for resuming) and what failed in the last run.
JOURNAL_NAME = ".ocrkit-batch.jsonl"
FAILURES_NAME = "failures.jsonl"

Status = Literal["done", "failed", "skipped"]


@dataclass(frozen=True)
class ExistingPages(PageSelection):
    """A batch's page selection: the selected pages each document has. ``--pages 1-2``
    over a folder reads page 1 of a one-page PDF instead of failing it; a document
    that has none of the selected pages fails with that reason."""

    def numbers(self, count: int, what: str = "the document") -> list[int]:
        if self.everything:
            return super().numbers(count, what)
        there = tuple((a, b if b is None or b <= count else count) for a, b in self.ranges if a <= count)
        if not there:
            raise InvalidOptionError(
                f"page selection {self} selects no page of {what}, which has {count} page{'s' if count != 1 else ''}"
            )
        return PageSelection(there).numbers(count, what)


@dataclass(frozen=True)
class BatchSettings:
    """How every input is read: the engine to open and what to write.

    Picklable on purpose: the local runner sends it to its worker processes and
    the Dask runner to every worker of a cluster, where it opens the same engine.
    """

    backend: str = "tesseract"
    model: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    layout: str = "page"
    formats: tuple[str, ...] = ("text",)
    dpi: float = DEFAULT_DPI
    pages: str | None = None
    password: str | None = None
    isolation: str = "none"
    max_image_pixels: int | None = None

    def open_engine(self) -> Any:
        """A new engine for these settings (the caller frees it)."""
        return open_engine(
            self.backend, self.model, isolation=self.isolation,
            max_image_pixels=self.max_image_pixels, **self.options,
        )

    @property
    def selection(self) -> ExistingPages:
        """The pages to read of each document (those of ``pages`` it has)."""
        return ExistingPages(parse_pages(self.pages).ranges)

    @property
    def spec(self) -> ReadSpec:
        """These settings as the read pipeline's request (checked: a bad value raises)."""
        return ReadSpec(self.backend, self.model, self.options, self.isolation, self.selection,
                        self.dpi, self.password, self.layout)

    @property
    def fingerprint(self) -> str:
        """Changes when the outputs would: a journal entry made with other settings
        does not count as done. The password is not part of it (nor stored)."""
        key = {k: v for k, v in asdict(self).items() if k not in ("password", "isolation", "formats")}
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Job:
    """One input file and the output file of each format."""

    source: Path
    name: str  # the input's path relative to its input root, as mirrored under the output dir
    outputs: tuple[tuple[str, Path], ...]  # (format, output path)
    size: int = 0  # the input's size and mtime when the run planned it (the journal keeps them)
    mtime_ns: int = 0


@dataclass(frozen=True)
class PagesRead:
    """A worker finished *count* more pages of the input *name* (for progress)."""

    name: str
    count: int = 1


@dataclass(frozen=True)
class FileResult:
    """What happened to one input. ``error_class``/``error`` are set when it failed."""

    source: str
    name: str
    status: Status
    outputs: tuple[str, ...] = ()
    pages: int = 0
    seconds: float = 0.0
    error_class: str | None = None
    error: str | None = None
    worker: str | None = None  # which worker read it (pid, or the Dask worker address)
    worker_rss: int | None = None  # that worker's resident memory after the file, bytes

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass(frozen=True)
class Progress:
    """A snapshot of the whole run, yielded after every page and every file."""

    files_total: int
    files_done: int
    files_skipped: int
    files_failed: int
    pages_done: int
    elapsed: float

    @property
    def files_finished(self) -> int:
        return self.files_done + self.files_skipped + self.files_failed

    @property
    def pages_per_second(self) -> float:
        return self.pages_done / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class Summary:
    """The end of a run (also after Ctrl-C: ``interrupted`` is then True)."""

    out: Path
    files_total: int = 0
    files_done: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    pages_done: int = 0
    elapsed: float = 0.0
    interrupted: bool = False
    force: bool = False  # the run redid everything: the same command would start over

    @property
    def files_left(self) -> int:
        return self.files_total - self.files_done - self.files_skipped - self.files_failed

    @property
    def failures_path(self) -> Path:
        return self.out / FAILURES_NAME

    def line(self) -> str:
        """One human line: what was done, what failed, what is left."""
        parts = [f"{self.files_done} done", f"{self.files_skipped} already done", f"{self.files_failed} failed"]
        if self.files_left:
            parts.append(f"{self.files_left} left")
        text = f"{', '.join(parts)} of {self.files_total} files; {self.pages_done} pages in {self.elapsed:.1f} s"
        if self.files_failed:
            text += f"; failures in {self.failures_path}"
        if self.interrupted:
            if self.force:  # what this run finished is in the journal: without --force it is skipped
                text += "; interrupted: run it again without --force to finish (with --force it starts over)"
            else:
                text += "; interrupted: run the same command again to finish"
        return text
