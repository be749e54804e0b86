"""A download progress bar on stderr, stdlib only.

On a terminal it redraws one line per file (at most ten times a second); when
stderr is a pipe or a log file it writes one line per file when it completes,
so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

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
        self.stream = stream if stream is not None else sys.stderr
        if interactive is None:
            isatty = getattr(self.stream, "isatty", None)
            interactive = bool(isatty and isatty())
        self.interactive = interactive
        self.min_interval = min_interval
        self._label: str | None = None
        self._start_time = 0.0
        self._start_bytes = 0
        self._last_draw = 0.0
        self._done = 0
        self._total: int | None = None

    def _line(self, done: int, total: int | None) -> str:
        elapsed = max(time.monotonic() - self._start_time, 1e-6)
        rate = (done - self._start_bytes) / elapsed
        if total:
            frac = min(done / total, 1.0)
            bar = "#" * int(frac * _WIDTH) + "-" * (_WIDTH - int(frac * _WIDTH))
            text = f"{self._label}  [{bar}] {frac * 100:3.0f}%  {format_bytes(done)}/{format_bytes(total)}"
        else:
            text = f"{self._label}  {format_bytes(done)}"
        return f"{text}  {format_bytes(rate)}/s"

    def _end_line(self, note: str = "") -> None:
        if self._label is None:
            return
        line = self._line(self._done, self._total) + note
        if self.interactive:
            self.stream.write("\r" + line + "\x1b[K\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self._label = None

    def __call__(self, label: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if label != self._label:
            self._end_line("  (unfinished)")
            self._label, self._start_time, self._start_bytes = label, now, done
            self._last_draw = 0.0
            if done and not self.interactive:
                self.stream.write(f"{label}  resuming at {format_bytes(done)}\n")
        self._done, self._total = done, total
        if total is not None and done >= total:
            self._end_line()
            return
        if self.interactive and now - self._last_draw >= self.min_interval:
            self._last_draw = now
            self.stream.write("\r" + self._line(done, total) + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        """End a line left unfinished (the pull failed or was interrupted)."""
        self._end_line("  (interrupted)")
