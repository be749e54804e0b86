"""`ocrkit read` with hostile files among a good one (issue 11: 1, 2): the good file's
text is printed, each bad file gets one error line, the exit status is 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SAMPLE, SAMPLE_FIRST_LINE, run_ocrkit

pytest.importorskip("tesserocr", reason="the [tesseract] extra ships tesserocr")


def test_each_bad_file_costs_one_line_and_nothing_else(hostile_dir: Path) -> None:
    """bad1.tif: Pillow's TypeError aborted the run; bad2.tif: tesserocr's KeyError
    (now read: a blank page); wide.png: "No image set?" and sample.png's text lost."""
    files = [hostile_dir / "bad1.tif", SAMPLE, hostile_dir / "bad2.tif", hostile_dir / "wide.png"]
    done = run_ocrkit("read", "--isolation", "process", *map(str, files))
    assert SAMPLE_FIRST_LINE in done.stdout and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 2, done.stderr
    assert "bad1.tif" in lines[0] and "cannot be decoded" in lines[0]
    assert "wide.png" in lines[1] and "32767" in lines[1]
