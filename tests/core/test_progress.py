"""The progress protocol (ocrkit._progress): a tqdm bar on a terminal, plain lines in
a log, nothing when quiet; byte counts read like the CLI's sizes."""

from __future__ import annotations

import io
import threading

import pytest

from ocrkit._progress import Progress, format_bytes
from ocrkit.pull import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_format_bytes_uses_decimal_units() -> None:
    assert [format_bytes(n) for n in (0, 999, 1000, 1_500_000, 3_900_000_000)] == [
        "0 B", "999 B", "1.0 KB", "1.5 MB", "3.9 GB"]


def test_a_log_gets_a_plain_line_per_tenth_and_one_at_the_end() -> None:
    log = io.StringIO()
    with Progress("eval onnx", 20, unit="img", stream=log) as progress:
        assert progress.mode == "log"  # auto: not a terminal
        for _ in range(20):
            progress.advance()
        progress.postfix(failed=0)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()
    assert len(lines) == 10, lines  # 10%, 20%, ... 90% while running, 100% when closed
    assert lines[0].startswith("eval onnx   10%  2/20") and "img/s" in lines[0]
    assert lines[-1].startswith("eval onnx  100%  20/20") and lines[-1].endswith("failed=0")


def test_a_terminal_gets_a_tqdm_bar_redrawn_in_place() -> None:
    screen = Terminal()
    with Progress("deu.traineddata", 3_000_000, unit="B", stream=screen) as progress:
        assert progress.mode == "bar"
        progress.update(1_500_000)
        progress.update(3_000_000)
    out = screen.getvalue()
    assert "\r" in out and "deu.traineddata" in out and "100%" in out and "3.00M/3.00M " in out


def test_quiet_writes_nothing_and_unknown_modes_are_refused() -> None:
    out = io.StringIO()
    with Progress("x", 5, mode="quiet", stream=out) as progress:
        progress.advance(5)
        progress.note("hello")
    assert out.getvalue() == ""
    with pytest.raises(ValueError, match="known: auto, bar, log, quiet"):
        Progress("x", mode="loud")


def test_threads_advancing_together_count_every_unit() -> None:
    with Progress("batch", 8000, mode="quiet") as progress:
        workers = [threading.Thread(target=lambda: [progress.advance() for _ in range(1000)]) for _ in range(8)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert progress.done == 8000


def test_a_failure_inside_the_block_ends_the_line_as_interrupted() -> None:
    log = io.StringIO()
    with pytest.raises(KeyError), Progress("batch", 10, unit="page", stream=log) as progress:
        progress.advance(3)
        raise KeyError("boom")
    assert log.getvalue().splitlines()[-1].endswith("(interrupted)")


def test_the_pull_bar_writes_one_line_per_file_in_a_log() -> None:
    log = io.StringIO()
    bar = ProgressBar(log)
    for done in (0, 400_000, 1_000_000):
        bar("eng.traineddata", done, 1_000_000)
    bar("rec.onnx", 2000, None)  # resumed, size unknown, then cut off
    bar.close()
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("eng.traineddata  100%  1.0 MB/1.0 MB"), lines
    assert lines[1] == "rec.onnx  resuming at 2.0 KB"
    assert lines[2].startswith("rec.onnx  2.0 KB") and lines[2].endswith("(interrupted)")
    assert len(lines) == 3
