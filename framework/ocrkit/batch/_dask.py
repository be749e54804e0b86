"""The same batch as Dask tasks, on any ``dask.distributed`` cluster.

Every worker opens the engine once through a :class:`EnginePlugin` (``setup``: an
:class:`~ocrkit._pool.EnginePool`, which reopens an isolated backend that crashed)
and frees it when the plugin is removed or the worker closes (``teardown`` closes
the pool): the lifecycle contract carried to every worker. A task
reads one input file and writes its outputs itself, to a path every worker can
reach (a shared filesystem); only the small :class:`FileResult` travels back, so
results are never funnelled through the scheduler. The driver keeps the journal
and the failure log, exactly as in a local run.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from distributed import Client, Future, LocalCluster, WorkerPlugin, as_completed, get_worker

from .._pool import EnginePool
from ..errors import OcrkitError
from ._inputs import plan
from ._read import check_formats, read_file
from ._records import BatchSettings, FileResult, Job, PagesRead

__all__ = ["EnginePlugin", "DaskEngines", "connect", "run_dask"]

log = logging.getLogger("ocrkit.batch")


class EnginePlugin(WorkerPlugin):
    """Opens one engine per worker at ``setup``; frees it at ``teardown``."""

    def __init__(self, settings: BatchSettings) -> None:
        self.settings = settings
        self.name = f"ocrkit-engine-{settings.fingerprint}-{settings.isolation}"
        self.pool: EnginePool | None = None
        self.engine: Any = None

    def setup(self, worker: Any) -> None:
        self.pool = EnginePool(max_image_pixels=self.settings.max_image_pixels)
        self.engine = self.pool.hold(self.settings.spec)

    def teardown(self, worker: Any) -> None:
        pool, self.pool, self.engine = self.pool, None, None
        if pool is not None:
            pool.close()
            log.info("ocrkit: freed the %s engine on worker %s", self.settings.backend, worker.address)


def _read_on_worker(job: Job, settings: BatchSettings, plugin_name: str) -> FileResult:
    """The Dask task: one input with this worker's engine."""
    worker = get_worker()
    plugin: Any = worker.plugins[plugin_name]  # our EnginePlugin, registered under this name
    result: FileResult | None = None
    for event in read_file(plugin.engine, job, settings, worker=worker.address):
        if isinstance(event, FileResult):
            result = event
    assert result is not None
    return result


class DaskEngines:
    """Engines on every worker of *client*'s cluster, for as long as the block lasts::

        with DaskEngines(client, BatchSettings(backend="tesseract", formats=("text", "json"))) as engines:
            futures = engines.map(["/shared/scans"], "/shared/out", recursive=True)
            for future in distributed.as_completed(futures):
                print(future.result())
        # every worker has freed its engine here
    """

    def __init__(self, client: Client, settings: BatchSettings) -> None:
        check_formats(list(settings.formats))
        self.client = client
        self.settings = settings
        self.plugin = EnginePlugin(settings)

    @property
    def name(self) -> str:
        return self.plugin.name

    def __enter__(self) -> DaskEngines:
        self.client.register_plugin(self.plugin, name=self.plugin.name)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the plugin: every worker's ``teardown`` frees its engine."""
        try:
            self.client.unregister_worker_plugin(self.plugin.name)
        except (ValueError, KeyError, OSError):  # already removed, or the cluster is gone
            pass

    def submit(self, jobs: Sequence[Job]) -> list[Future]:
        """A future per job; each resolves to the job's :class:`FileResult`."""
        return self.client.map(
            _read_on_worker, list(jobs), settings=self.settings, plugin_name=self.plugin.name,
            # a key is UTF-8 on the wire: a name that is not (Latin-1 bytes) shows as \xe9
            key=[f"ocrkit-read-{self.settings.fingerprint}-{os.fsencode(job.name).decode(errors='backslashreplace')}"
                 for job in jobs], pure=False,
        )

    def map(self, inputs: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str],
            recursive: bool = False) -> list[Future]:
        """Plan *inputs* (files, folders, globs) into *out* and submit them (no journal:
        use ``ocrkit.batch.run(..., dask=client)`` for resume and a failure log)."""
        return self.submit(plan(inputs, Path(out), self.settings.formats, recursive))


@contextmanager
def _workers_ignore_sigint() -> Iterator[None]:
    """Start local workers with SIGINT ignored (a spawned process keeps an ignored
    signal ignored): Ctrl-C in a terminal reaches the whole process group, and
    only the driver should act on it, stopping the cluster in order, as the local
    runner's workers leave it to their driver. Killed by it, the workers made the
    scheduler print 5-6 tracebacks (~85 lines)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _quiet_teardown() -> Iterator[None]:
    """Closing a local cluster (above all after Ctrl-C, with tasks in flight) makes
    distributed, tornado and asyncio log connection errors that say nothing to the
    user of ``--dask local:N``; failures reach them as results already."""
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado", "asyncio")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def connect(target: Any) -> tuple[Client, LocalCluster | None]:
    """A client for ``"local:N"`` (a new LocalCluster of N worker processes on
    127.0.0.1), a scheduler address, or an existing client (returned as it is)."""
    if isinstance(target, Client):
        return target, None
    text = str(target)
    if text.startswith("local:"):
        try:
            n = int(text.partition(":")[2])
            if n < 1:
                raise ValueError
        except ValueError:
            raise OcrkitError(f"--dask {text!r}: use local:N with N worker processes, e.g. local:2") from None
        with _workers_ignore_sigint():
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=":0", silence_logs=logging.CRITICAL)  # ":0": 8787 may be taken
        return Client(cluster), cluster
    try:
        return Client(text, timeout=30), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise OcrkitError(f"cannot reach the Dask scheduler at {text!r} ({exc}); check the address "
                          "(tcp://host:8786) and that the scheduler is running") from None


def run_dask(jobs: Sequence[Job], settings: BatchSettings, target: Any) -> Generator[PagesRead | FileResult, None, None]:
    """Every job as a Dask task; results in the order they finish."""
    client, cluster = connect(target)
    futures: list[Future] = []
    try:
        with DaskEngines(client, settings) as engines:
            futures = engines.submit(jobs)
            by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
            try:
                for future in as_completed(futures):
                    try:
                        result: FileResult = future.result()
                    except Exception as exc:
                        job = by_key[future.key]
                        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                        result = FileResult(source=str(job.source), name=job.name, status="failed",
                                            error_class=type(exc).__name__, error=message)
                    if result.pages:
                        yield PagesRead(result.name, result.pages)
                    yield result
            finally:
                client.cancel([f for f in futures if not f.done()])
    finally:
        if cluster is not None:
            with _quiet_teardown():  # a cluster we started: its shutdown chatter is not the user's
                client.close()
                cluster.close()
