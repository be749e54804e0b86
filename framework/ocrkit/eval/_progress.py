"""The evaluation progress bar: images done, rate and time left, on stderr.

On a terminal it is redrawn in place; when stderr is not a terminal (a log
file, CI) it prints a plain line every 10% (see :mod:`ocrkit._progress`).
"""

from __future__ import annotations

import time
from typing import TextIO

from .._progress import StatusLine, bar

__all__ = ["ProgressBar"]


class ProgressBar:
    """``bar = ProgressBar("eval onnx"); bar(done, total)`` ...; ``bar.close()``."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30, interactive: bool | None = None):
        self.label = label
        self.width = width
        self._line = StatusLine(stream, interactive=interactive)
        self.stream = self._line.stream
        self.interactive = self._line.interactive
        self._start = time.perf_counter()
        self._last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        text = self._text(done, total, time.perf_counter() - self._start)
        if self.interactive:
            self._line.redraw(text, force=done >= total)
            return
        decile = 10 * done // max(total, 1)
        if decile != self._last_decile:
            self._last_decile = decile
            self._line.finish(text)

    def _text(self, done: int, total: int, elapsed: float) -> str:
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        return f"{self.label} [{bar(done / total if total else 1.0, self.width)}] {done}/{total} {rate:.1f} img/s eta {eta:.0f}s"

    def close(self) -> None:
        """End the bar's line (terminal mode)."""
        self._line.end()
