"""The download progress bar: one line per file with bytes, percentage and rate.

On a terminal the line is redrawn in place (at most ten times a second); when
stderr is a pipe or a log file one line is written per file when it completes
(see :mod:`ocrkit._progress`).
"""

from __future__ import annotations

import time
from typing import TextIO

from .._progress import StatusLine, bar

__all__ = ["ProgressBar", "format_bytes"]

_WIDTH = 24


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


class ProgressBar:
    """Callable as ``progress(label, done, total)``; call :meth:`close` when the pull ends."""

    def __init__(self, stream: TextIO | None = None, *, interactive: bool | None = None,
                 min_interval: float = 0.1) -> None:
        self._status = StatusLine(stream, interactive=interactive, min_interval=min_interval)
        self.stream = self._status.stream
        self.interactive = self._status.interactive
        self._label: str | None = None
        self._start_time = 0.0
        self._start_bytes = 0
        self._done = 0
        self._total: int | None = None

    def _line(self, done: int, total: int | None) -> str:
        elapsed = max(time.monotonic() - self._start_time, 1e-6)
        rate = (done - self._start_bytes) / elapsed
        if total:
            frac = min(done / total, 1.0)
            text = f"{self._label}  [{bar(frac, _WIDTH, '-')}] {frac * 100:3.0f}%  {format_bytes(done)}/{format_bytes(total)}"
        else:
            text = f"{self._label}  {format_bytes(done)}"
        return f"{text}  {format_bytes(rate)}/s"

    def _end_line(self, note: str = "") -> None:
        if self._label is None:
            return
        self._status.finish(self._line(self._done, self._total) + note)
        self._label = None

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if label != self._label:
            self._end_line("  (unfinished)")
            self._label, self._start_time, self._start_bytes = label, time.monotonic(), done
            if done and not self.interactive:
                self.stream.write(f"{label}  resuming at {format_bytes(done)}\n")
        self._done, self._total = done, total
        if total is not None and done >= total:
            self._end_line()
            return
        self._status.redraw(self._line(done, total))

    def close(self) -> None:
        """End a line left unfinished (the pull failed or was interrupted)."""
        self._end_line("  (interrupted)")
