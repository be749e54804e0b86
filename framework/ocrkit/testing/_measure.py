"""Measure what an engine leaves behind after ``free_resources()``, in a fresh interpreter.

The protocol (documented in docs/resource-release.md), run by
``python -m ocrkit.testing`` with a JSON config on stdin:

A *cycle* is ``ocrkit.open`` -> ``recognize(image)`` -> ``free_resources()``; a
*threaded* cycle also recognises a batch of two and ``threads`` concurrent calls
(worker threads are what makes glibc keep memory in per-thread arenas).

1. import ocrkit, register the plugins, import the backend's ``requires`` modules
   (the backend library is imported: its import cost is not the model's);
2. **warm-up**: ``warmup`` threaded cycles. The first use of a
   library pays once per process for things no model owns: lazy imports inside the
   hooks, code pages of the native library touched for the first time, the
   allocator's own bookkeeping. Their cost is reported as ``first_use_mb``;
3. **baseline**: ``release_memory()``, then RSS, open descriptors and threads;
4. **one threaded cycle**: open (RSS "loaded"), recognise, ``free_resources()`` (which ends
   with ``release_memory()``), then RSS, descriptors, threads and any model file
   still open: ``release_mb`` = RSS after free - baseline;
5. **cycles**: ``cycles - 1`` more cycles, every ``threaded_every``-th one threaded;
   ``growth_mb`` = RSS after the last one - baseline (the figure covers all
   ``cycles`` cycles).

Everything runs in one fresh process per measurement, so other tests' allocations
cannot blur the figures.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import psutil

if TYPE_CHECKING:
    from ocrkit._registry import Registry

__all__ = ["ReleaseReport", "ReleaseMeasurement", "measure_release", "start_release_measurement"]

MB = 1 << 20


@dataclass
class ReleaseReport:
    """Figures of one measurement (bytes, counts, seconds)."""

    backend: str
    rss_imported: int
    rss_warm: int
    rss_before: int
    rss_loaded: int
    rss_after_free: int
    rss_after_cycles: int
    cycles: int
    fds_before: int
    fds_after: int
    new_fds: list[str]
    model_files_open: list[str]
    threads_before: int
    threads_after: int
    seconds_per_cycle: float
    texts_consistent: bool
    rss_series: list[int] = field(default_factory=list)

    @property
    def first_use_mb(self) -> float:
        return (self.rss_warm - self.rss_imported) / MB

    @property
    def loaded_mb(self) -> float:
        return (self.rss_loaded - self.rss_before) / MB

    @property
    def release_mb(self) -> float:
        return (self.rss_after_free - self.rss_before) / MB

    @property
    def growth_mb(self) -> float:
        return (self.rss_after_cycles - self.rss_before) / MB

    def summary(self) -> str:
        return (
            f"{self.backend}: loaded +{self.loaded_mb:.1f} MB, after free {self.release_mb:+.1f} MB, "
            f"after {self.cycles} cycles {self.growth_mb:+.1f} MB (first use {self.first_use_mb:+.1f} MB); "
            f"fds {self.fds_before}->{self.fds_after}, threads {self.threads_before}->{self.threads_after}, "
            f"{self.seconds_per_cycle:.3f} s/cycle"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _descriptors() -> tuple[int, list[str]]:
    """How many descriptors this process holds, and the regular files among them."""
    me = psutil.Process()
    return me.num_fds(), [f.path for f in me.open_files()]


def _registry_for(config: Mapping[str, Any]) -> Registry:
    """A registry with the configured plugins, the backend's ``requires`` modules imported
    (their import cost is the library's, not the model's)."""
    from ocrkit._registry import Registry

    registry = Registry()
    for module in config.get("plugins", ()):
        if registry.pm.get_plugin(module) is None:
            registry.register(importlib.import_module(module), name=module)
    for module in registry.require(config["backend"]).requires:
        importlib.import_module(module)
    return registry


class _Cycle:
    """One measured cycle: open an engine, recognise (alone, or also as a batch and from
    concurrent threads), free. ``texts`` collects every text read, to check they agree."""

    def __init__(self, config: Mapping[str, Any], registry: Registry) -> None:
        import ocrkit

        self.open = functools.partial(
            ocrkit.open, config["backend"], config.get("model"), registry=registry,
            store=ocrkit.ModelStore(config["store"]), **dict(config.get("options", {})),
        )
        self.image = config["image"]
        self.layout = config.get("layout", "page")
        self.threads = max(1, int(config.get("threads", 1)))
        self.texts: set[str] = set()

    def _read(self, engine: Any) -> None:
        self.texts.add(engine.recognize(self.image, layout=self.layout).text)

    def _recognize_all(self, engine: Any, threaded: bool) -> None:
        self._read(engine)
        if threaded and self.threads > 1:
            # a batch (backends spread it over their pool) and concurrent callers, as in
            # a server: worker threads allocate, each in its own glibc arena by default
            self.texts.update(p.text for p in engine.recognize([self.image, self.image], layout=self.layout))
            workers = [threading.Thread(target=self._read, args=(engine,)) for _ in range(self.threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()

    def __call__(self, threaded: bool) -> tuple[int, list[str]]:
        """Run one cycle: (RSS while loaded, the loaded model files)."""
        from ocrkit._memory import rss_bytes

        engine = self.open()
        loaded = rss_bytes()
        self._recognize_all(engine, threaded)
        files = [str(f) for m in engine.loaded_models for f in m.all_files()]
        engine.free_resources()
        return loaded, files


def _new_descriptors(before: tuple[int, list[str]], after: tuple[int, list[str]]) -> list[str]:
    """Descriptors held after that were not before: file paths, then a count of the rest."""
    (fds_before, files_before), (fds_after, files_after) = before, after
    remaining = list(files_after)
    for path in files_before:
        if path in remaining:
            remaining.remove(path)
    unnamed = (fds_after - fds_before) - len(remaining)
    if unnamed > 0:
        remaining.append(f"{unnamed} more (pipes, sockets or other non-files)")
    return remaining


def _run(config: Mapping[str, Any]) -> ReleaseReport:
    from ocrkit._memory import release_memory, rss_bytes

    cycle = _Cycle(config, _registry_for(config))
    release_memory()
    rss_imported = rss_bytes()
    for _ in range(max(1, int(config.get("warmup", 1)))):
        cycle(threaded=True)
    release_memory()
    rss_warm = rss_before = rss_bytes()
    before = _descriptors()
    threads_before = psutil.Process().num_threads()

    started = time.perf_counter()
    rss_loaded, files = cycle(threaded=True)
    rss_after_free = rss_bytes()
    after = _descriptors()
    threads_after = psutil.Process().num_threads()
    series = [rss_after_free]
    cycles = max(1, int(config.get("cycles", 100)))
    threaded_every = max(1, int(config.get("threaded_every", 10)))
    for i in range(1, cycles):
        cycle(threaded=i % threaded_every == 0)
        if (i + 1) % 10 == 0:
            series.append(rss_bytes())
    release_memory()
    rss_after_cycles = rss_bytes()
    elapsed = time.perf_counter() - started

    model_paths = {os.path.realpath(f) for f in files}
    return ReleaseReport(
        backend=config["backend"],
        rss_imported=rss_imported,
        rss_warm=rss_warm,
        rss_before=rss_before,
        rss_loaded=rss_loaded,
        rss_after_free=rss_after_free,
        rss_after_cycles=rss_after_cycles,
        cycles=cycles,
        fds_before=before[0],
        fds_after=after[0],
        new_fds=_new_descriptors(before, after),
        model_files_open=sorted({f for f in after[1] if os.path.realpath(f) in model_paths}),
        threads_before=threads_before,
        threads_after=threads_after,
        seconds_per_cycle=elapsed / cycles,
        texts_consistent=len(cycle.texts) == 1,
        rss_series=series,
    )


class ReleaseMeasurement:
    """A measurement running in its own interpreter; :meth:`result` waits for it.

    Started in the background (the kit starts it when a test class begins, so the
    cycles overlap with the other tests instead of adding to them).
    """

    def __init__(self, backend: str, config: Mapping[str, Any], env: Mapping[str, str], timeout: float) -> None:
        self.backend = backend
        self.timeout = timeout
        self._started = time.monotonic()
        # Files, not pipes: nobody reads while it runs, and a full pipe would block it.
        self._out = tempfile.TemporaryFile(mode="w+")
        self._err = tempfile.TemporaryFile(mode="w+")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "ocrkit.testing"],
            stdin=subprocess.PIPE,
            stdout=self._out,
            stderr=self._err,
            text=True,
            env=dict(env),
        )
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(dict(config)))
        self._proc.stdin.close()
        self._report: ReleaseReport | None = None

    def result(self) -> ReleaseReport:
        """Wait for the figures; raises if the measurement failed or timed out."""
        if self._report is not None:
            return self._report
        remaining = max(1.0, self.timeout - (time.monotonic() - self._started))
        try:
            self._proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise TimeoutError(f"release measurement of {self.backend!r} took over {self.timeout:.0f} s") from None
        self._out.seek(0)
        self._err.seek(0)
        out, err = self._out.read(), self._err.read()
        if self._proc.returncode != 0:
            raise RuntimeError(
                f"release measurement of backend {self.backend!r} failed (exit {self._proc.returncode}):\n{err[-4000:]}"
            )
        self._report = ReleaseReport(**json.loads(out.strip().splitlines()[-1]))
        return self._report

    def cancel(self) -> None:
        """Stop it if still running and drop its output."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._out.close()
        self._err.close()


def start_release_measurement(
    backend: str,
    image: str | os.PathLike[str],
    *,
    store: str | os.PathLike[str],
    layout: str = "page",
    model: str | None = None,
    options: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    cycles: int = 100,
    warmup: int = 1,
    threads: int = 8,
    threaded_every: int = 10,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> ReleaseMeasurement:
    """Start the protocol above for *backend* in a fresh interpreter; see :func:`measure_release`."""
    config = {
        "backend": backend,
        "image": str(image),
        "store": str(store),
        "layout": layout,
        "model": model,
        "options": dict(options or {}),
        "plugins": list(plugins),
        "cycles": cycles,
        "warmup": warmup,
        "threads": threads,
        "threaded_every": threaded_every,
    }
    child_env = dict(os.environ)
    child_env.update(env or {})
    # The child must import what this process imports (a plugin next to its tests, say).
    paths = [p for p in sys.path if isinstance(p, str) and p]
    if child_env.get("PYTHONPATH"):
        paths.append(child_env["PYTHONPATH"])
    child_env["PYTHONPATH"] = os.pathsep.join(paths)
    return ReleaseMeasurement(backend, config, child_env, timeout)


def measure_release(backend: str, image: str | os.PathLike[str], **kwargs: Any) -> ReleaseReport:
    """Run the protocol above for *backend* in a fresh interpreter and return its figures.

    Keyword arguments as :func:`start_release_measurement`: ``store`` (required),
    ``layout``, ``model``, ``options``, ``plugins`` (module names to register for
    backends not installed through an entry point), ``cycles``, ``warmup``,
    ``threads``, ``threaded_every``, ``env`` (extra environment), ``timeout``.
    """
    return start_release_measurement(backend, image, **kwargs).result()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m ocrkit.testing BACKEND IMAGE [--layout line] [--cycles N] ...``
    prints the figures (run in a fresh process: this one); with no arguments it reads
    a JSON config on stdin and prints a JSON report (what :func:`measure_release` does)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        report = _run(json.loads(sys.stdin.read()))
        sys.stdout.write("\n" + json.dumps(report.to_dict()) + "\n")
        sys.stdout.flush()
        return
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ocrkit.testing", description=main.__doc__)
    parser.add_argument("backend")
    parser.add_argument("image")
    parser.add_argument("--layout", default="page")
    parser.add_argument("--model")
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--threaded-every", type=int, default=10)
    parser.add_argument("--plugin", action="append", default=[], help="module to register (repeatable)")
    parser.add_argument("--store", help="model store (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ocrkit-measure-") as scratch:
        report = _run({
            "backend": args.backend, "image": args.image, "store": args.store or scratch, "layout": args.layout,
            "model": args.model, "plugins": args.plugin, "cycles": args.cycles, "threads": args.threads,
            "threaded_every": args.threaded_every,
        })
    print(report.summary())
    series = ", ".join(f"{(r - report.rss_before) / MB:+.1f}" for r in report.rss_series)
    print(f"RSS vs baseline after cycle 1, 10, 20, ...: {series} MB")
