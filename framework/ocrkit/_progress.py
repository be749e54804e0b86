"""One status line on stderr, stdlib only: the terminal mechanics shared by the
eval and pull progress bars (each formats its own text).

On a terminal the line is redrawn in place with ``\\r`` (at most every
*min_interval* seconds); on a pipe or a log file nothing is redrawn and callers
write whole lines only at moments worth logging, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["StatusLine", "bar"]


def bar(fraction: float, width: int, empty: str = ".") -> str:
    """``[####....]`` contents for *fraction* (clamped to 0..1)."""
    filled = int(width * min(max(fraction, 0.0), 1.0))
    return "#" * filled + empty * (width - filled)


class StatusLine:
    """A line redrawn in place on a terminal; plain lines elsewhere."""

    def __init__(self, stream: TextIO | None = None, *, interactive: bool | None = None,
                 min_interval: float = 0.1) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if interactive is None:
            isatty = getattr(self.stream, "isatty", None)
            interactive = bool(isatty and isatty())
        self.interactive = interactive
        self.min_interval = min_interval
        self._last_draw = 0.0
        self._open = False  # a redrawn line is on screen without its newline

    def redraw(self, text: str, *, force: bool = False) -> None:
        """Show *text* in place (terminal only), throttled unless *force*."""
        if not self.interactive:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self._open = True

    def finish(self, text: str) -> None:
        """Write *text* as a finished line (replacing the redrawn one on a terminal)."""
        self.stream.write(("\r" + text + "\x1b[K\n") if self.interactive else text + "\n")
        self.stream.flush()
        self._open = False
        self._last_draw = 0.0

    def end(self) -> None:
        """Close a redrawn line left open (keep what it shows)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
