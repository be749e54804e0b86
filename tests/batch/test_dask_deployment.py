"""The deployment users run: a scheduler and two workers started as separate processes
with Dask's own commands on 127.0.0.1, and ``ocrkit batch --dask tcp://...`` against them.
The worker plugin installs itself, frees on teardown, and a restarted worker gets it again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import ocrkit.batch

from .conftest import DATA

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow
START_TIMEOUT = 90.0


def _dask(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """``dask ARGS`` (the command of the installed dask, run by this interpreter)."""
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The scheduler's address, with two single-threaded workers connected to it, and
    the folder of their logs."""
    folder = tmp_path_factory.mktemp("dask-deployment")
    scheduler_file = folder / "scheduler.json"
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                   "--scheduler-file", str(scheduler_file), log=folder / "scheduler.log")]
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not scheduler_file.is_file() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()[-2000:]
            assert procs[0].poll() is None, (folder / "scheduler.log").read_text()[-2000:]
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            procs.append(_dask("worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard",
                               "--memory-limit", "0", log=folder / f"worker{i}.log"))
        with distributed.Client(address, timeout=START_TIMEOUT) as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT)
        yield address, folder
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _inputs(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:02d}.png").write_bytes((DATA / "line_sentence.png").read_bytes())
    return folder


def _batch(address: str, src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocrkit", "batch", str(src), "--out", str(out), "--format", "json",
         "--layout", "line", "--backend", "tesseract", "--dask", address],
        capture_output=True, text=True, timeout=300,
    )


def _ocrkit_plugins(address: str) -> dict[str, list[str]]:
    with distributed.Client(address, timeout=START_TIMEOUT) as client:
        return client.run(lambda dask_worker: sorted(p for p in dask_worker.plugins if p.startswith("ocrkit")))


def test_batch_against_separately_started_scheduler_and_workers(cluster: tuple[str, Path], tmp_path: Path) -> None:
    address, logs = cluster
    src, out = _inputs(tmp_path / "in", 8), tmp_path / "out"
    proc = _batch(address, src, out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in out.glob("*.json")) == sorted(f"{p.name}.json" for p in src.iterdir())
    for path in out.glob("*.json"):
        assert json.loads(path.read_text())["text"].startswith("Pack my box")
    # the plugin was set up on each worker for the run (setup opens the engine) and
    # removed after it (teardown frees it): nothing of ocrkit stays on the workers
    plugins = _ocrkit_plugins(address)
    assert len(plugins) == 2 and all(names == [] for names in plugins.values()), plugins
    for i in range(2):
        log = (logs / f"worker{i}.log").read_text()
        assert "Starting Worker plugin ocrkit-engine" in log and "Removing Worker plugin ocrkit-engine" in log, log


def test_a_restarted_worker_gets_the_plugin_again(cluster: tuple[str, Path], tmp_path: Path) -> None:
    address, _ = cluster
    with distributed.Client(address, timeout=START_TIMEOUT) as client:
        before = set(client.scheduler_info()["workers"])
        client.restart_workers(sorted(before)[:1], timeout=START_TIMEOUT)
        client.wait_for_workers(2, timeout=START_TIMEOUT)
    src, out = _inputs(tmp_path / "in", 6), tmp_path / "out"
    proc = _batch(address, src, out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list(out.glob("*.json"))) == 6
    journal = [json.loads(line)["name"] for line in (out / ocrkit.batch.JOURNAL_NAME).read_text().splitlines()]
    assert sorted(journal) == sorted(p.name for p in src.iterdir())
