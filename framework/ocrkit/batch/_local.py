"""The batch on this machine: in the calling process (``jobs=1``), or on N worker
processes that each open the engine once (in an :class:`~ocrkit._pool.EnginePool`,
which reopens an isolated backend that crashed), read one file at a time, and free
the engine when they leave.

Workers are fresh interpreters (``spawn``: the caller may hold threads and native
libraries that ``fork`` would copy half-way). Each has its own pipe, so the
driver always knows which file a worker was reading: a worker that dies (a native
crash, the OOM killer) fails that one file and is replaced. ``max_pages`` retires a
worker after that many pages, and a fresh one takes its place, which bounds the
memory a long run can accumulate. Ctrl-C reaches only the driver (workers ignore
SIGINT); the driver then stops the workers, which discard the file in flight
(its outputs are never half-written), free their engines and exit.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from .._isolation._channel import _describe_exit
from .._pool import EnginePool
from ..errors import OcrkitError
from ._read import read_file
from ._records import BatchSettings, FileResult, Job, PagesRead

__all__ = ["run_inline", "run_workers"]

#: How long stopped workers get to free their engines and exit before they are killed.
STOP_TIMEOUT = 15.0


def run_inline(jobs: Sequence[Job], settings: BatchSettings) -> Generator[PagesRead | FileResult, None, None]:
    """Every job in this process with one engine (freed when the generator ends; an
    isolated backend that crashed is reopened by the pool for the next file)."""
    with EnginePool(max_image_pixels=settings.max_image_pixels) as pool, pool.engine(settings.spec) as engine:
        for job in jobs:
            yield from read_file(engine, job, settings, worker=str(os.getpid()))


class _Stop(BaseException):
    """Raised in a worker by SIGTERM: discard the file in flight, free, exit."""


def _stop(signum: int, frame: Any) -> None:
    raise _Stop


def _worker_main(conn: Connection, settings: BatchSettings, max_pages: int | None) -> None:
    """A worker process: open the engine, then read the jobs the driver sends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    signal.signal(signal.SIGTERM, _stop)
    pool = EnginePool(max_image_pixels=settings.max_image_pixels)
    try:
        engine = pool.hold(settings.spec)
    except _Stop:
        pool.close()
        return
    except Exception as exc:
        pool.close()
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    worker, pages = str(os.getpid()), 0
    try:
        conn.send(("ready", None))
        while True:
            job = conn.recv()
            if job is None:
                break
            for event in read_file(engine, job, settings, worker=worker):
                conn.send(("event", event))
                pages += isinstance(event, PagesRead)
            if max_pages and pages >= max_pages:
                break  # retire: the driver starts a fresh worker if work is left
            conn.send(("idle", None))
    except (_Stop, EOFError, BrokenPipeError):
        pass
    finally:
        pool.close()
        conn.close()


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    job: Job | None = None
    ready: bool = False
    done: bool = field(default=False)  # told to leave, or retired


def run_workers(
    jobs: Sequence[Job], settings: BatchSettings, n: int, max_pages: int | None = None,
) -> Generator[PagesRead | FileResult, None, None]:
    """Every job on *n* worker processes; results in the order they finish."""
    ctx = multiprocessing.get_context("spawn")
    pending = deque(jobs)
    workers: list[_Worker] = []

    def start() -> None:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker_main, args=(child, settings, max_pages), daemon=True,
                           name="ocrkit-batch-worker")
        proc.start()
        child.close()
        workers.append(_Worker(proc, parent))

    def give_work(w: _Worker) -> None:
        if pending:
            w.job = pending.popleft()
            w.conn.send(w.job)
        else:
            w.done = True
            w.conn.send(None)

    try:
        for _ in range(min(n, len(pending))):
            start()
        while workers:
            ready = wait([w.conn for w in workers] + [w.process.sentinel for w in workers])
            for w in list(workers):
                if w.conn in ready:
                    try:
                        kind, payload = w.conn.recv()
                    except (EOFError, OSError):
                        kind, payload = "gone", None
                    if kind == "event":
                        if isinstance(payload, FileResult):
                            w.job = None
                        yield payload
                        continue
                    if kind in ("ready", "idle"):
                        w.ready = True
                        give_work(w)
                        continue
                    if kind == "fatal":
                        raise OcrkitError(f"a batch worker could not open its engine: {payload}")
                elif w.process.sentinel not in ready:
                    continue
                # The worker's pipe closed or its process ended: it retired, left, or died.
                w.process.join()
                workers.remove(w)
                w.conn.close()
                if not w.ready:
                    raise OcrkitError(f"a batch worker died while starting ({_describe_exit(w.process.exitcode)})")
                if w.job is not None:
                    yield _died(w)
                if pending and len(workers) < n:
                    start()
    finally:
        _stop_workers(workers)


def _died(w: _Worker) -> FileResult:
    job = w.job
    assert job is not None
    how = _describe_exit(w.process.exitcode)
    return FileResult(
        source=str(job.source), name=job.name, status="failed", error_class="BackendCrashedError",
        error=f"the worker process reading it {how}; with --isolation process the backend runs "
        "in a child process of its own and the error says more",
        worker=str(w.process.pid),
    )


def _stop_workers(workers: list[_Worker]) -> None:
    """Ask every worker to stop (SIGTERM: it frees its engine), kill those that do not."""
    for w in workers:
        if w.process.is_alive():
            w.process.terminate()
    for w in workers:
        w.process.join(STOP_TIMEOUT)
        if w.process.is_alive():
            w.process.kill()
            w.process.join()
        w.conn.close()
    workers.clear()
