"""The batch on a real Dask LocalCluster (2 worker processes on 127.0.0.1): the
same outputs as the local run, a worker killed mid-run, and engines freed by
the worker plugin's teardown."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

import ocrkit.batch
from ocrkit.batch import BatchSettings, FileResult

from .conftest import DATA
from .test_local import failures_of, outputs_of

pytest.importorskip("distributed")
from ocrkit.batch.dask import DaskEngines


def test_same_outputs_as_the_local_batch(mixed_inputs: Path, tmp_path: Path, dask_client: object) -> None:
    local, remote = tmp_path / "local", tmp_path / "dask"
    inputs = [mixed_inputs / "sub", mixed_inputs / "empty.png", mixed_inputs / "invalid.pdf"]
    list(ocrkit.batch.run(inputs, local, formats=["text", "hocr"], jobs=1))
    run = ocrkit.batch.run(inputs, remote, formats=["text", "hocr"], dask=dask_client)
    results = [e for e in run if isinstance(e, FileResult)]
    assert outputs_of(remote) == outputs_of(local) and outputs_of(local)
    for name in outputs_of(local):
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name
    assert failures_of(remote) == failures_of(local)
    assert len({r.worker for r in results if r.ok}) == 2  # both workers took part
    assert failures_of(remote) == {"empty.png": "BadImageError", "invalid.pdf": "DocumentError"}
    again = ocrkit.batch.run(inputs, remote, formats=["text", "hocr"], dask=dask_client)
    statuses = {e.status for e in again if isinstance(e, FileResult) and e.ok}
    assert statuses == {"skipped"}  # resume works the same through Dask


def test_a_worker_killed_mid_run_loses_nothing(tmp_path: Path, dask_client: object) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        (src / f"{i:02d}.png").write_bytes((DATA / "line_sentence.png").read_bytes())
    out = tmp_path / "out"
    pids = dask_client.run(os.getpid)  # type: ignore[attr-defined]
    run = ocrkit.batch.run([src], out, formats=["text", "json"], dask=dask_client)
    killed = None
    results = []
    for event in run:
        if isinstance(event, FileResult):
            results.append(event)
            if killed is None:
                killed = pids[event.worker]
                os.kill(killed, signal.SIGKILL)  # the nanny starts a new worker process
    assert killed is not None
    assert run.summary.files_done == 12 and run.summary.files_failed == 0
    assert sorted(r.name for r in results) == sorted(p.name for p in src.iterdir())  # each exactly once
    assert outputs_of(out) == sorted(f"{p.name}.{e}" for p in src.iterdir() for e in ("json", "txt"))
    for path in out.glob("*.json"):
        assert json.loads(path.read_text())["text"].startswith("Pack my box")
    journal = [json.loads(line)["name"] for line in (out / ocrkit.batch.JOURNAL_NAME).read_text().splitlines()]
    assert sorted(journal) == sorted(p.name for p in src.iterdir())
    dask_client.wait_for_workers(2, timeout=60)  # type: ignore[attr-defined]


def test_plugin_teardown_frees_every_workers_engine(tmp_path: Path, dask_client: object) -> None:
    settings = BatchSettings(backend="tesseract", formats=("text",), layout="line")
    with DaskEngines(dask_client, settings) as engines:  # type: ignore[arg-type]
        futures = engines.map([DATA / "line_hello.png", DATA / "line_numbers.png"], tmp_path)
        results = dask_client.gather(futures)  # type: ignore[attr-defined]
        assert [r.status for r in results] == ["done", "done"]
        name = engines.name

        def keep_engine(dask_worker: object) -> bool:
            engine = dask_worker.plugins[name].engine  # type: ignore[attr-defined]
            dask_worker._ocrkit_test_engine = engine  # type: ignore[attr-defined]
            return engine.freed

        assert set(dask_client.run(keep_engine).values()) == {False}  # type: ignore[attr-defined]

    def engine_state(dask_worker: object) -> tuple[bool, str]:
        engine = dask_worker._ocrkit_test_engine  # type: ignore[attr-defined]
        del dask_worker._ocrkit_test_engine  # type: ignore[attr-defined]
        try:
            engine.recognize(str(DATA / "line_hello.png"))
        except Exception as exc:
            return engine.freed, type(exc).__name__
        return engine.freed, "recognised"

    states = dask_client.run(engine_state)  # type: ignore[attr-defined]
    assert len(states) == 2 and set(states.values()) == {(True, "ResourcesFreedError")}
    assert all(name not in plugins for plugins in dask_client.run(lambda dask_worker: list(dask_worker.plugins)).values())  # type: ignore[attr-defined]
