"""A one-line progress bar on stderr, without a dependency.

Redrawn in place with ``\\r`` on a terminal; when stderr is not a terminal
(a log file, CI) it prints a plain line every 10% so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """``bar = ProgressBar("eval onnx"); bar(done, total)`` ...; ``bar.close()``."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30, interactive: bool | None = None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.interactive = isatty() if interactive is None else interactive
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._last_decile = -1
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self.interactive:
            if done < total and now - self._last_draw < 0.1:
                return
        else:
            decile = 10 * done // max(total, 1)
            if decile == self._last_decile:
                return
            self._last_decile = decile
        self._last_draw = now
        self._draw(done, total, now - self._start)

    def _draw(self, done: int, total: int, elapsed: float) -> None:
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        text = f"{self.label} [{bar}] {done}/{total} {rate:.1f} img/s eta {eta:.0f}s"
        if self.interactive:
            self.stream.write("\r" + text + "\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the bar's line (terminal mode)."""
        if self.interactive and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
