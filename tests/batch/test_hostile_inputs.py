"""Issue 21, items 5, 7 and 8: no one bad input stops a batch.

A Latin-1 file name among UTF-8 ones (``UnicodeEncodeError`` from the journal
write stopped the batch, and every re-run at the same place), a dangling symlink
(``[Errno 2]`` before anything was read), a symlink loop (``RuntimeError``
traceback), a folder that cannot be listed (skipped silently), a journal line
nested 3,000 levels deep (``RecursionError`` at start): each is now one failed
input, or one ignored journal line, and the others are read.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ocrkit.batch
from ocrkit.batch import FileResult

from .conftest import DATA

pytest.importorskip("tesserocr", reason="the [tesseract] extra ships tesserocr")
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file names are bytes")

LATIN1_NAME = os.fsdecode(b"caf\xe9.png")  # 'caf\udce9.png': not UTF-8


def _run(inputs: list[Path | str], out: Path, **kwargs: object) -> tuple[ocrkit.batch.BatchRun, list[FileResult]]:
    run = ocrkit.batch.run([os.fspath(i) for i in inputs], out, jobs=1, **kwargs)  # type: ignore[arg-type]
    results = [e for e in run if isinstance(e, FileResult)]
    return run, results


def _failures(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()]


def test_a_latin1_file_name_is_read_journalled_and_resumed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "line_hello.png", folder / LATIN1_NAME)
    shutil.copy(DATA / "line_numbers.png", folder / "zz.png")
    (folder / os.fsdecode(b"bad\xe9.png")).write_bytes(b"not an image")
    out = tmp_path / "out"
    run, results = _run([folder], out, formats=["text", "json", "hocr", "alto", "tsv"])
    assert run.summary.files_done == 2 and run.summary.files_failed == 1, [r.error for r in results]
    assert "Hello" in (out / f"{LATIN1_NAME}.txt").read_text()
    # the JSON output names the source exactly; the failure log the failed one
    assert json.loads((out / f"{LATIN1_NAME}.json").read_text(encoding="utf-8"))["source"].endswith(LATIN1_NAME)
    (failure,) = _failures(out)
    assert os.fsencode(str(failure["name"])) == b"bad\xe9.png"
    # every record is valid UTF-8 JSON, and a re-run skips what is done
    (out / ".ocrkit-batch.jsonl").read_bytes().decode("utf-8")
    run, _ = _run([folder], out, formats=["text", "json", "hocr", "alto", "tsv"])
    assert (run.summary.files_skipped, run.summary.files_done) == (2, 0)


def test_dangling_links_and_link_loops_are_failed_inputs(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(DATA / "line_hello.png", folder / "a.png")
    shutil.copy(DATA / "line_numbers.png", folder / "sub" / "b.png")
    (folder / "dangling.png").symlink_to("nowhere.png")
    (folder / "loop.png").symlink_to("loop.png")
    (folder / "loopdir").symlink_to("loopdir")  # a folder link loop: not followed, not fatal
    out = tmp_path / "out"
    run, _ = _run([folder], out, recursive=True)
    assert run.summary.files_done == 2 and run.summary.files_total == 4
    failed = {f["name"]: f for f in _failures(out)}
    assert set(failed) == {"dangling.png", "loop.png"}
    assert "symbolic link to nowhere.png, which does not exist" in str(failed["dangling.png"]["error"])
    assert "symbolic link loop" in str(failed["loop.png"]["error"])
    # a glob matches the links too: failed inputs, the real file still read
    run, _ = _run([str(folder / "*.png")], tmp_path / "out-glob")
    assert (run.summary.files_done, run.summary.files_failed) == (1, 2)


def test_a_folder_that_cannot_be_listed_is_a_failed_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 does not stop root (the test machine's user), so listing the folder
    fails the way os.scandir fails on it: PermissionError."""
    folder = tmp_path / "in"
    for sub in ("open", "locked"):
        (folder / sub).mkdir(parents=True)
        shutil.copy(DATA / "line_hello.png", folder / sub / "x.png")
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if not isinstance(path, int) and Path(os.fspath(path)).name == "locked":  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fspath(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "out"
    run, _ = _run([folder], out, recursive=True)
    assert (run.summary.files_done, run.summary.files_failed, run.summary.files_total) == (1, 1, 2)
    (failure,) = _failures(out)
    assert failure["name"] == "locked" and failure["error_class"] == "PermissionError"
    assert "cannot be listed (Permission denied)" in str(failure["error"])


def test_a_deeply_nested_journal_line_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "line_hello.png", folder / "a.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".ocrkit-batch.jsonl").write_text("[" * 3000 + "\n" + '{"source": ' * 3000 + "\n")
    run, _ = _run([folder], out)
    assert run.summary.files_done == 1



def test_an_interrupted_force_run_says_how_to_finish(tmp_path: Path) -> None:
    """After Ctrl-C on a --force batch the summary said "run the same command again
    to finish", which redoes everything; without --force the rest is what is left."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        shutil.copy(DATA / "line_hello.png", folder / name)
    out = tmp_path / "out"
    _run([folder], out)
    run = ocrkit.batch.run([str(folder)], out, jobs=1, force=True)
    for event in run:
        if isinstance(event, FileResult):
            break  # one file redone, then stopped, as by Ctrl-C
    run.close()
    assert run.summary.interrupted and "without --force to finish" in run.summary.line()
    again, _ = _run([folder], out)
    assert (again.summary.files_skipped, again.summary.files_done) == (3, 0)


@pytest.mark.slow
def test_ctrl_c_on_a_local_dask_batch_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """Ctrl-C reached the Dask workers too (one process group): they died, and the
    scheduler printed 5-6 tracebacks (~85 lines) before the summary."""
    pytest.importorskip("distributed")
    import psutil

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        shutil.copy(DATA / "line_sentence.png", folder / f"{i:02d}.png")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "ocrkit", "batch", str(folder), "--out", str(out), "--dask", "local:2"],
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    journal = out / ocrkit.batch.JOURNAL_NAME
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # the cluster is up and reading
        if journal.is_file() and journal.read_text().strip():
            break
        time.sleep(0.05)
    children = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
    _, err = proc.communicate(timeout=120)
    lines = [line for line in err.splitlines() if " files, " not in line]  # progress lines off a terminal
    assert proc.returncode == 130 and len(lines) == 1 and "interrupted" in lines[0], err
    _, alive = psutil.wait_procs(children, timeout=60)
    assert not [c for c in alive if c.status() != psutil.STATUS_ZOMBIE]


def test_a_page_range_in_a_batch_means_those_pages_where_they_exist(tmp_path: Path) -> None:
    """The CLI docs' own ``ocrkit batch 'inbox/*.pdf' --out o --pages 1-2`` failed on
    every one-page PDF; now it reads the pages each document has."""
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    pages = [Image.open(DATA / n).convert("RGB") for n in ("line_hello.png", "line_numbers.png", "line_sentence.png")]
    pages[0].save(folder / "one.pdf", resolution=150)
    pages[0].save(folder / "three.pdf", save_all=True, append_images=pages[1:], resolution=150)
    shutil.copy(DATA / "line_hello.png", folder / "image.png")
    out = tmp_path / "out"
    run, results = _run([folder], out, pages="1-2", formats=["json"])
    assert run.summary.files_done == 3, [r.error for r in results]
    docs = {n: json.loads((out / f"{n}.json").read_text()) for n in ("one.pdf", "three.pdf", "image.png")}
    count = {n: len(doc) if isinstance(doc, list) else 1 for n, doc in docs.items()}  # one page: an object
    assert count == {"one.pdf": 1, "three.pdf": 2, "image.png": 1}
    run, results = _run([folder / "one.pdf"], tmp_path / "out3", pages="3-")
    (failed,) = results
    assert failed.status == "failed" and "selects no page of" in str(failed.error) and "1 page" in str(failed.error)
