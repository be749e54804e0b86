"""The benchmark harness: a smoke run of the real command on a tiny subset, the
session.run timer on a real ONNX model, and how targets are judged. The
harness lives in the repository's top-level ``benchmarks/`` (not in the package).

The benchmarks themselves (full datasets, ratios against the anchors) are not
part of the test run: see docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from benchmarks import SessionRunTimer
from benchmarks._output import to_markdown
from benchmarks._suite import (
    BenchResults,
    GroupResult,
    ParallelResult,
    ReaderResult,
    evaluate_targets,
)
from ocrkit.eval import EvalReport, SampleResult, score_text

from .conftest import make_dataset

REPO = Path(__file__).resolve().parents[2]


def test_benchmark_command_smoke(tiny_lines: Path, tmp_path: Path, truth: dict[str, str]) -> None:
    """The real command on 2 lines and 1 page, every contender that is installed."""
    page = make_dataset(tmp_path / "page", ("page_simple.png",), "page", truth)
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--dataset", str(tiny_lines), "--dataset", str(page),
         "--limit", "2", "--warmup", "0", "--memory-images", "1", "--out", str(out),
         "--no-int8"],  # making int8 sets is a minute of quantising: tests/onnx/test_int8.py covers it
        capture_output=True, text=True, timeout=120, cwd=REPO,  # as docs/benchmarks.md runs it
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    markdown = (out / "latest.md").read_text(encoding="utf-8")
    assert markdown.strip() in proc.stdout
    groups = {(g["dataset"], g["backend"]): g for g in doc["groups"]}
    assert set(groups) == {("lines", "tesseract"), ("lines", "onnx"), ("page", "tesseract"), ("page", "onnx")}
    for (dataset, backend), group in groups.items():
        readers = {r["label"]: r for r in group["readers"]}
        own = readers[f"ocrkit {backend}"]
        assert own["skipped"] is None and own["report"]["dataset"]["count"] == (2 if dataset == "lines" else 1)
        expected = {"raw tesserocr", "pytesseract", "tesseract command"} if backend == "tesseract" else {"RapidOCR"}
        assert expected <= set(readers)
        for label in expected | {own["label"]}:  # measured, or skipped with the reason (e.g. not installed)
            r = readers[label]
            assert (r["report"] is not None) != bool(r["skipped"]), r
            if r["report"]:
                assert r["report"]["accuracy"]["bow_f1"] > (0.8 if r is own else 0.5), (label, dataset)
                assert r["report"]["memory"]["peak_rss_bytes"] > 0
                if r is not own:
                    assert r["ratio_ocrkit_over_this"] > 0
        if backend == "onnx":
            # each pipeline's own session.run time: the other's runs, interleaved, are not counted
            # (ours may run on every core at once, RapidOCR's calls run one at a time)
            cores = os.cpu_count() or 1
            assert 0 < group["session_run_s"] <= own["report"]["timing"]["recognition_s"] * cores * 1.05
            # the floor is the wall time with a run in progress: never more than the pipeline's
            assert 0 < group["session_busy_s"] <= own["report"]["timing"]["recognition_s"] * 1.001
            assert group["pipeline_over_session_run"] >= 0.999
            rapid = readers["RapidOCR"]["report"]
            assert 0 < rapid["extra"]["session_run_s"] <= rapid["timing"]["recognition_s"] * 1.05
    assert len(doc["parallel"]) == 4 and all(p["skipped"] is None for p in doc["parallel"]), doc["parallel"]
    assert any(t["name"].startswith("Tesseract vs raw tesserocr") for t in doc["targets"])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "no chart" in proc.stderr
    else:
        assert (out / "latest.png").read_bytes().startswith(b"\x89PNG")


def test_session_run_timer_times_a_real_session_and_restores_onnxruntime() -> None:
    ort = pytest.importorskip("onnxruntime")
    import rapidocr

    model = Path(rapidocr.__file__).parent / "models" / "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    batch = np.zeros((2, 3, 48, 192), dtype=np.float32)
    original = ort.InferenceSession.run
    with SessionRunTimer() as timer:
        session.run(None, {name: batch})  # a session created before the timer is timed too
        session.run(None, {name: batch})
        assert timer.calls == 2 and timer.seconds > 0
        timer.reset()
        assert (timer.calls, timer.seconds) == (0, 0.0)
        session.run(None, {name: batch})
        assert timer.calls == 1
    session.run(None, {name: batch})
    assert timer.calls == 1  # no longer counting
    assert ort.InferenceSession.run is original
    with SessionRunTimer(armed=False) as timer, SessionRunTimer(armed=False) as other:
        with other.armed():
            session.run(None, {name: batch})  # someone else's call: not ours
        with timer.armed(), ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: session.run(None, {name: batch}), range(4)))
        assert (timer.calls, other.calls) == (4, 1)
        # concurrent calls: their summed time is at least the wall time they kept busy
        assert 0 < timer.busy_seconds <= timer.seconds
    assert ort.InferenceSession.run is original


def fake_report(label: str, seconds: float, hypothesis: str, reference: str = "a b c d", n: int = 4) -> EvalReport:
    """A report with chosen numbers: the judging logic is arithmetic, no engine needed."""
    samples = [
        SampleResult(f"{i}", "page", reference, hypothesis, seconds / n, score_text(reference, hypothesis))
        for i in range(n)
    ]
    return EvalReport("ds", "ds", "page", {"label": label}, False, 1, 0.1, seconds, seconds, 1, 2, "vmhwm", samples)


def test_targets_are_judged_on_ratios_and_accuracy() -> None:
    pages = GroupResult("sroie", "page", "onnx", True, [
        ReaderResult("ocrkit onnx", "ocrkit", fake_report("ocrkit onnx", 2.0, "a b c d")),
        ReaderResult("RapidOCR", "anchor", fake_report("RapidOCR", 4.0, "a b c x")),
    ])
    pages.readers[0].report.extra.update(session_run_s=3.5, session_busy_s=1.9)  # type: ignore[union-attr]
    lines = GroupResult("uw3", "line", "onnx", False, [
        ReaderResult("ocrkit onnx", "ocrkit", fake_report("ocrkit onnx", 1.0, "a b c x")),
        ReaderResult("RapidOCR", "anchor", fake_report("RapidOCR", 5.0, "a b c d")),
    ])
    tess = GroupResult("uw3", "line", "tesseract", False, [
        ReaderResult("ocrkit tesseract", "ocrkit", fake_report("ocrkit tesseract", 1.0, "a")),
        ReaderResult("raw tesserocr", "floor", fake_report("raw tesserocr", 0.9, "a")),
        ReaderResult("tesseract command", "anchor", None, skipped="not installed"),
    ])
    par = ParallelResult("tesseract", "uw3", "line", 10, {"pool_size": 1}, default_s=1.0, threads_s=0.8, restricted_s=1.5)
    results = BenchResults({}, {"cpus": 2, "python": "3", "processor": "x", "versions": {}}, [pages, lines, tess], [par])
    results.targets = evaluate_targets(results)
    targets = {t.name: t for t in results.targets}

    assert pages.ratio("RapidOCR") == pytest.approx(2.0)
    assert targets["ONNX pages vs RapidOCR (sroie)"].met is True  # 2x and better F1
    assert targets["ONNX lines (batched) vs RapidOCR (uw3)"].met is False  # 5x but worse CER
    assert "CER" in targets["ONNX lines (batched) vs RapidOCR (uw3)"].measured
    assert targets["ONNX pipeline / session.run (sroie)"].met is True  # 2.0 / 1.9 = 1.05
    assert targets["Tesseract vs raw tesserocr (uw3)"].met is False  # 0.9x
    assert targets["Tesseract lines vs tesseract command (uw3)"].met is None  # anchor skipped
    assert par.ratio == pytest.approx(1.5 / 0.8)
    assert targets["Parallel tesseract: default vs 1 thread (uw3, 10 images)"].met is True
    markdown = to_markdown(results)
    assert "**NOT met**" in markdown and "skipped: not installed" in markdown
    assert "session.run only (floor)" in markdown



def test_the_package_ships_no_benchmark_code() -> None:
    """What setuptools packs into the wheel (pyproject's ``packages.find``) holds no benchmark harness."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    from setuptools import find_packages

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    where = config["tool"]["setuptools"]["packages"]["find"]["where"]
    packages = [p for w in where for p in find_packages(str(REPO / w))]
    assert "ocrkit.eval" in packages and "ocrkit_onnx" in packages
    assert not [p for p in packages if "bench" in p], packages
    shipped = [path for w in where for path in (REPO / w).rglob("*.py")]
    assert not [p for p in shipped if "import benchmarks" in p.read_text(encoding="utf-8")]
