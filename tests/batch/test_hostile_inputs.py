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

