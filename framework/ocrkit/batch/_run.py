"""A batch run, whatever executes it: plan the jobs, skip what the journal says is
done, hand the rest to a runner (in process, local workers, or Dask), and record
every result (journal, failure log) as it arrives. Events are yielded to the
caller as they happen: the CLI draws its progress from them, applications embed them."""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .._open import DEFAULT_BACKEND
from .._parallel import default_workers
from ..documents import DEFAULT_DPI
from ..errors import OcrkitError
from ._atomic import sweep_temporaries
from ._inputs import plan_inputs
from ._journal import FailureLog, Journal
from ._local import run_inline, run_workers
from ._read import check_formats
from ._records import BatchSettings, FileResult, Job, PagesRead, Progress, Summary

__all__ = ["BatchRun", "run", "default_jobs"]

Event = FileResult | Progress
LOCK_NAME = ".ocrkit-batch.lock"


def default_jobs() -> int:
    """Worker processes when ``jobs`` is not given: one per core this process may use
    (each worker reads one page at a time; see docs/benchmarks.md for the measurement)."""
    return default_workers()


class BatchRun:
    """One batch. Iterate it to run it: it yields a :class:`FileResult` per input
    and a :class:`Progress` after every page and file; :attr:`summary` says where
    it ended (also after Ctrl-C, which stops the workers and is then re-raised).
    """

    def __init__(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        out: str | os.PathLike[str],
        settings: BatchSettings,
        *,
        recursive: bool = False,
        force: bool = False,
        jobs: int | None = None,
        max_pages_per_worker: int | None = None,
        dask: Any = None,
    ) -> None:
        if jobs is not None and jobs < 1:
            raise OcrkitError(f"jobs must be at least 1, got {jobs}")
        if max_pages_per_worker is not None and max_pages_per_worker < 1:
            raise OcrkitError(f"max_pages_per_worker must be at least 1, got {max_pages_per_worker}")
        self.inputs = list(inputs)
        self.out = Path(out)
        self.settings = settings
        self.recursive = recursive
        self.force = force
        self.jobs = jobs or default_jobs()
        self.max_pages_per_worker = max_pages_per_worker
        self.dask = dask
        self.summary = Summary(out=self.out, force=force)
        self._started = False
        self._gen: Iterator[Event] | None = None

    def __iter__(self) -> Iterator[Event]:
        if self._started:
            raise OcrkitError("a BatchRun runs once; create a new one to run the batch again")
        self._started = True
        self._gen = self._events()
        return self._gen

    def _runner(self, todo: Sequence[Job]) -> Generator[PagesRead | FileResult, None, None]:
        if self.dask is not None:
            from ._dask import run_dask  # distributed is an optional extra

            return run_dask(todo, self.settings, self.dask)
        if self.jobs == 1 or len(todo) <= 1:
            return run_inline(todo, self.settings)
        return run_workers(todo, self.settings, self.jobs, self.max_pages_per_worker)

    def _progress(self, start: float) -> Progress:
        s = self.summary
        return Progress(s.files_total, s.files_done, s.files_skipped, s.files_failed, s.pages_done,
                        time.monotonic() - start)

    def _events(self) -> Iterator[Event]:
        s = self.summary
        jobs, unreadable = plan_inputs(self.inputs, self.out, self.settings.formats, self.recursive)
        self.out.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.out / LOCK_NAME)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise OcrkitError(
                f"another ocrkit batch is writing to {self.out}; wait for it or choose another --out"
            ) from None
        start = time.monotonic()
        s.files_total = len(jobs) + len(unreadable)
        journal = Journal(self.out)
        failures = FailureLog(self.out)
        by_name = {job.name: job for job in jobs}
        runner: Generator[PagesRead | FileResult, None, None] | None = None
        try:
            sweep_temporaries(self.out)  # left by a writer killed in an earlier run
            for failed in unreadable:  # found by the walk but cannot be opened
                s.files_failed += 1
                failures.record(failed)
                yield failed
            todo = []
            for job in jobs:
                if not self.force and journal.is_done(job, self.settings):
                    s.files_skipped += 1
                    yield FileResult(source=str(job.source), name=job.name, status="skipped",
                                     outputs=tuple(str(p) for _, p in job.outputs))
                else:
                    todo.append(job)
            yield self._progress(start)
            if todo:
                runner = self._runner(todo)
                for event in runner:
                    if isinstance(event, PagesRead):
                        s.pages_done += event.count
                    else:
                        if event.ok:
                            s.files_done += 1
                            journal.record(by_name[event.name], event, self.settings)
                        else:
                            s.files_failed += 1
                            failures.record(event)
                        yield event
                    yield self._progress(start)
        finally:
            if runner is not None:
                runner.close()  # stops and frees the workers when we leave early
            s.elapsed = time.monotonic() - start
            s.interrupted = s.files_left > 0
            journal.close()
            failures.close()
            sweep_temporaries(self.out)
            lock.release()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop a run that is being iterated (workers stop and free their engines)."""
        if self._gen is not None:
            self._gen.close()  # type: ignore[attr-defined]


def run(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    formats: Sequence[str] = ("text",),
    backend: str = DEFAULT_BACKEND,
    model: str | None = None,
    options: dict[str, Any] | None = None,
    layout: str = "page",
    dpi: float = DEFAULT_DPI,
    pages: str | None = None,
    password: str | None = None,
    isolation: str = "none",
    recursive: bool = False,
    force: bool = False,
    jobs: int | None = None,
    max_pages_per_worker: int | None = None,
    dask: Any = None,
) -> BatchRun:
    """Read every input (files, folders, glob patterns) into *out*, one output per
    input per format, mirroring the input tree; resumable and failure-tolerant.

    Returns a :class:`BatchRun`: iterate it to run the batch and receive its events::

        run = ocrkit.batch.run(["scans/"], "out", formats=["text", "json"], recursive=True)
        for event in run:
            if isinstance(event, ocrkit.batch.FileResult) and not event.ok:
                print(event.name, event.error)
        print(run.summary.line())

    *jobs*: worker processes (default: one per core; 1 runs in this process).
    *dask*: ``"local:N"``, a scheduler address ``"tcp://host:8786"``, or a
    ``distributed.Client``: the same batch as Dask tasks. Local workers are
    started with ``spawn``: a script that calls this needs the usual
    ``if __name__ == "__main__":`` guard.
    """
    settings = BatchSettings(
        backend=backend, model=model, options=dict(options or {}), layout=layout,
        formats=check_formats(list(formats)), dpi=dpi, pages=pages, password=password,
        isolation=isolation, max_image_pixels=None,
    )
    # Refuse an unknown backend, option, layout, page selection, dpi or isolation now, before any worker starts.
    settings.spec.check()
    return BatchRun(inputs, out, settings, recursive=recursive, force=force, jobs=jobs,
                    max_pages_per_worker=max_pages_per_worker, dask=dask)
