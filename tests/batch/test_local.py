"""``ocrkit batch`` on this machine: outputs equal to ``ocrkit read``, failures
recorded, resume after Ctrl-C, worker crashes and recycling, clear errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from filelock import FileLock

import ocrkit.batch
from ocrkit import OcrkitError
from ocrkit.batch import FileResult, Progress
from ocrkit.cli import main

from .conftest import BAD, DATA, good_names

OCRKIT = [sys.executable, "-m", "ocrkit.cli"]


def outputs_of(out: Path) -> list[str]:
    """Every file under *out* but the batch's own bookkeeping."""
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and not p.name.startswith(".ocrkit-batch") and p.name != "failures.jsonl")


def failures_of(out: Path) -> dict[str, str]:
    lines = (out / "failures.jsonl").read_text().splitlines()
    return {r["name"]: r["error_class"] for r in map(json.loads, lines)}


def read_cli(path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["read", str(path), "--format", fmt]) == 0
    return capsys.readouterr().out


def test_mixed_folder_equals_read_and_records_failures(mixed_inputs: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    rc = main(["batch", str(mixed_inputs), "-r", "--out", str(out), "--format", "text,json", "--jobs", "2"])
    assert rc == 1  # something failed
    err = capsys.readouterr().err
    assert f"{len(good_names())} done" in err and f"{len(BAD)} failed" in err
    expected = sorted(f"{n}.{ext}" for n in good_names() for ext in ("txt", "json"))
    assert [p["page"] for p in json.loads((out / "two_pages.pdf.json").read_text())] == [1, 2]  # every page read
    assert outputs_of(out) == expected  # the tree is mirrored; nothing for bad, hidden or non-input files
    for name in good_names():
        for fmt, ext in (("text", "txt"), ("json", "json")):
            assert (out / f"{name}.{ext}").read_text(encoding="utf-8") == read_cli(mixed_inputs / name, fmt, capsys), name
    assert failures_of(out) == BAD


def test_rerun_skips_done_force_redoes_and_changed_input_is_redone(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("line_hello.png", "line_numbers.png"):
        (src / name).write_bytes((DATA / name).read_bytes())
    out = tmp_path / "out"
    first = ocrkit.batch.run([src], out, jobs=1)
    assert [e.status for e in first if isinstance(e, FileResult)] == ["done", "done"]
    mtimes = {p: p.stat().st_mtime_ns for p in out.glob("*.txt")}

    again = ocrkit.batch.run([src], out, jobs=1)
    assert [e.status for e in again if isinstance(e, FileResult)] == ["skipped", "skipped"]
    assert again.summary.files_skipped == 2 and again.summary.pages_done == 0
    assert {p: p.stat().st_mtime_ns for p in out.glob("*.txt")} == mtimes

    (src / "line_hello.png").write_bytes((DATA / "line_sentence.png").read_bytes())  # the input changed
    changed = ocrkit.batch.run([src], out, jobs=1)
    statuses = {e.name: e.status for e in changed if isinstance(e, FileResult)}
    assert statuses == {"line_hello.png": "done", "line_numbers.png": "skipped"}
    assert "pack my box" in (out / "line_hello.png.txt").read_text().lower()

    forced = ocrkit.batch.run([src], out, jobs=1, force=True)
    assert [e.status for e in forced if isinstance(e, FileResult)] == ["done", "done"]

    more = ocrkit.batch.run([src], out, formats=["text", "json"], jobs=1)  # a new format: outputs incomplete
    assert [e.status for e in more if isinstance(e, FileResult)] == ["done", "done"]
    assert json.loads((out / "line_numbers.png.json").read_text())["source"].endswith("line_numbers.png")


def test_sigint_mid_run_then_resume(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(24):
        name = ("line_hello.png", "line_numbers.png", "line_sentence.png")[i % 3]
        (src / f"{i:02d}-{name}").write_bytes((DATA / name).read_bytes())
    out = tmp_path / "out"
    cmd = [*OCRKIT, "batch", str(src), "--out", str(out), "-f", "text,json", "--jobs", "2"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, start_new_session=True)
    journal = out / ocrkit.batch.JOURNAL_NAME
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.is_file() and len(journal.read_text().splitlines()) >= 2:
            break
        time.sleep(0.02)
    workers = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    # Workers are joined before the driver exits; multiprocessing's resource tracker (a
    # child too) leaves when it sees the driver's end of its pipe close, a moment later.
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert workers and not [w for w in alive if w.status() != psutil.STATUS_ZOMBIE]
    assert "interrupted" in err and "run the same command again" in err
    assert not [p for p in out.rglob(".*.tmp") if p.is_dir()]  # nothing half-written left behind
    done_first = [json.loads(line)["name"] for line in journal.read_text().splitlines()]
    assert 2 <= len(done_first) < 24
    for path in out.glob("*.json"):  # whatever exists is complete
        assert json.loads(path.read_text())["width"] > 0
    first_mtimes = {n: (out / f"{n}.txt").stat().st_mtime_ns for n in done_first}

    second = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert outputs_of(out) == sorted(f"{p.name}.{ext}" for p in src.iterdir() for ext in ("json", "txt"))
    assert {n: (out / f"{n}.txt").stat().st_mtime_ns for n in done_first} == first_mtimes  # not recomputed
    entries = [json.loads(line)["name"] for line in journal.read_text().splitlines()]
    assert sorted(entries) == sorted(p.name for p in src.iterdir())  # each input once


def test_killed_worker_fails_its_file_only_and_is_replaced(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(10):
        (src / f"{i:02d}.png").write_bytes((DATA / "line_sentence.png").read_bytes())
    run = ocrkit.batch.run([src], tmp_path / "out", jobs=2)
    results: list[FileResult] = []
    killed = None
    for event in run:
        if isinstance(event, FileResult):
            results.append(event)
            if killed is None:
                killed = int(event.worker)
                os.kill(killed, signal.SIGKILL)
    assert run.summary.files_left == 0 and len(results) == 10
    for r in results:
        assert r.status == "done" or r.error_class == "BackendCrashedError", r
    later = [r for r in results[2:] if r.status == "done"]
    assert later and all(int(r.worker) != killed for r in later)  # a fresh worker took over
    failed = [r for r in results if r.status == "failed"]
    assert failures_of(tmp_path / "out") == {r.name: "BackendCrashedError" for r in failed}


def test_max_pages_per_worker_recycles_workers(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(8):
        (src / f"{i}.png").write_bytes((DATA / "line_hello.png").read_bytes())
    run = ocrkit.batch.run([src], tmp_path / "out", jobs=2, max_pages_per_worker=2)
    results = [e for e in run if isinstance(e, FileResult)]
    assert all(r.status == "done" for r in results) and len(results) == 8
    per_worker: dict[str, int] = {}
    for r in results:
        per_worker[r.worker] = per_worker.get(r.worker, 0) + r.pages
    assert len(per_worker) >= 4 and max(per_worker.values()) <= 2


def test_isolation_process_same_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    files = [DATA / "line_hello.png", DATA / "page_simple.png"]
    run = ocrkit.batch.run(files, out, jobs=1, isolation="process", formats=["json"])
    assert [e.status for e in run if isinstance(e, FileResult)] == ["done", "done"]
    for f in files:
        assert (out / f"{f.name}.json").read_text() == read_cli(f, "json", capsys)


def test_events_and_summary(mixed_inputs: Path, tmp_path: Path) -> None:
    run = ocrkit.batch.run([mixed_inputs / "sub"], tmp_path / "out", jobs=1)
    events = list(run)
    progress = [e for e in events if isinstance(e, Progress)]
    results = [e for e in events if isinstance(e, FileResult)]
    in_sub = sorted(n.removeprefix("sub/") for n in good_names() if n.startswith("sub/"))
    assert sorted(r.name for r in results) == in_sub
    assert [p.pages_done for p in progress] == sorted(p.pages_done for p in progress)
    assert progress[-1].files_finished == progress[-1].files_total == len(in_sub)
    assert run.summary.files_done == len(in_sub) and not run.summary.interrupted
    assert {r.name: r.pages for r in results}["two_pages.tif"] == 2  # every frame is a page
    assert all(r.worker_rss and r.worker_rss > 0 for r in results)
    with pytest.raises(OcrkitError, match="runs once"):
        iter(run)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/folder"], "no such file or folder"),
        (["/nonexistent/*.png"], "no file matches this pattern"),
        ([str(DATA / "line_hello.png"), "--format", "text,docx"], "unknown output format docx; known formats: text"),
        ([str(DATA / "line_hello.png"), "--jobs", "0"], "jobs must be at least 1"),
        ([str(DATA / "line_hello.png"), "-b", "nosuch"], "unknown OCR backend 'nosuch'"),
    ],
)
def test_bad_arguments_are_one_line_errors(args: list[str], message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", *args, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("ocrkit: error:")


def test_same_name_under_two_roots_and_a_busy_out_dir_are_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        (d / "x.png").write_bytes((DATA / "line_hello.png").read_bytes())
    with pytest.raises(OcrkitError, match="would both write"):
        list(ocrkit.batch.run([a / "x.png", b / "x.png"], tmp_path / "out"))
    out = tmp_path / "busy"
    out.mkdir()
    with FileLock(out / ".ocrkit-batch.lock"), pytest.raises(OcrkitError, match="another ocrkit batch"):
        list(ocrkit.batch.run([a], out))


def test_progress_lines_when_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from ocrkit.cli import batch as batch_cli

    monkeypatch.setattr(batch_cli, "LOG_INTERVAL", 0.0)
    assert main(["batch", str(DATA / "line_hello.png"), str(DATA / "line_numbers.png"), "--out", str(tmp_path), "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert "ocrkit batch: 2/2 files, 2 pages" in err and "\r" not in err
    assert main(["batch", str(DATA / "line_hello.png"), "--out", str(tmp_path / "q"), "-j", "1", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_progress_bar_on_a_terminal() -> None:
    import io

    from ocrkit.cli.batch import _Reporter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    reporter = _Reporter(stream, quiet=False)
    for done in range(4):
        reporter.progress(Progress(3, done, 0, 0, done * 2, 1.0 + done))
    reporter.failed(FileResult(source="/x/b.pdf", name="b.pdf", status="failed", error_class="DocumentError", error="bad"))
    reporter.close()
    shown = stream.getvalue()
    assert "3/3" in shown and "file" in shown and "6 pages" in shown and "\r" in shown
    assert "ocrkit: failed: b.pdf: DocumentError: bad\n" in shown
