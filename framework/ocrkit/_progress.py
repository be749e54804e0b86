"""Progress of long work on stderr: one small protocol over ``tqdm``, for every command.

    from ocrkit._progress import Progress

    with Progress("batch", total=len(files), unit="page") as progress:
        for path in files:
            ...
            progress.advance()                  # thread-safe: workers may call it
            progress.postfix(failed=failures)   # shown after the counts

Where it writes depends on *mode*:

``"bar"``    a tqdm bar redrawn in place (what a person at a terminal wants);
``"log"``    plain whole lines, no ``\\r``, no escape codes (a log file, CI): one
             each time another ``log_every`` of the total is done (and at least
             every ``log_seconds``), and a last one at the end;
``"quiet"``  nothing;
``"auto"``   (the default) ``"bar"`` when the stream is a terminal, else ``"log"``.

Why tqdm and not rich: all we draw is one bar per task; tqdm is one small
pure-Python package without dependencies and draws exactly that, where rich
(which OCRmyPDF uses for its whole console) brings a console framework and two
more packages. Lines in ``"log"`` mode use the same byte formatter as the CLI's
tables (:func:`format_bytes`), so a size reads the same everywhere.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, TextIO

__all__ = ["Progress", "ProgressMode", "format_bytes"]

ProgressMode = Literal["auto", "bar", "log", "quiet"]
_MODES = ("auto", "bar", "log", "quiet")


def format_bytes(n: float) -> str:
    """``"512 B"``, ``"1.5 MB"``, ``"3.9 GB"``: decimal units (1 MB = 1000 000 bytes),
    as download sizes and tqdm's byte counters are given."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


class Progress:
    """One task's progress: ``total`` (None while unknown), :meth:`advance` or
    :meth:`update`, :meth:`postfix`, :meth:`note`; used as a context manager or
    closed with :meth:`close`.

    *unit* names what is counted (``"img"``, ``"page"``); ``unit="B"`` counts bytes
    and shows them as sizes. *initial* is work already done before this run (a
    resumed download): it counts towards the total but not towards the rate.
    A ``Progress`` is also a ``progress(done, total)`` callback (:meth:`update`),
    the shape :func:`ocrkit.eval.evaluate` and the read pipeline take. *describe*
    words the plain lines of ``"log"`` mode itself (``ocrkit batch`` says files and pages).
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        unit: str = "it",
        initial: int = 0,
        mode: ProgressMode = "auto",
        stream: TextIO | None = None,
        log_every: float = 0.1,
        log_seconds: float = 30.0,
        describe: Callable[[], str] | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"unknown progress mode {mode!r}; known: {', '.join(_MODES)}")
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            isatty = getattr(self.stream, "isatty", None)
            mode = "bar" if isatty is not None and isatty() else "log"
        self.mode: ProgressMode = mode
        self.log_every = log_every
        self.log_seconds = log_seconds
        self._describe = describe
        self._lock = threading.Lock()
        self._total = total
        self._done = initial
        self._initial = initial
        self._postfix = ""
        self._started = time.monotonic()
        self._last_line_at = self._started
        self._logged_step = self._step(initial)
        self._closed = False
        self._bar: Any = None
        if mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=label, unit=unit, initial=initial, file=self.stream, leave=True,
                unit_scale=unit == "B", unit_divisor=1000, mininterval=0.1, dynamic_ncols=True,
            )

    # -- the protocol -------------------------------------------------------------------

    @property
    def total(self) -> int | None:
        return self._total

    @total.setter
    def total(self, total: int | None) -> None:
        with self._lock:
            self._total = total
            if self._bar is not None:
                self._bar.total = total
                self._bar.refresh()

    @property
    def done(self) -> int:
        return self._done

    def advance(self, n: int = 1) -> None:
        """*n* more units done."""
        with self._lock:
            self._set(self._done + n)

    def update(self, done: int, total: int | None = None) -> None:
        """*done* units done so far (and the total, when it is learnt or changes)."""
        with self._lock:
            if total is not None and total != self._total:
                self._total = total
                if self._bar is not None:
                    self._bar.total = total
            self._set(done)

    __call__ = update

    def postfix(self, text: str | None = None, **fields: Any) -> None:
        """Text shown after the counts (``text``, or ``key=value`` pairs)."""
        with self._lock:
            self._postfix = text if text is not None else ", ".join(f"{k}={v}" for k, v in fields.items())
            if self._bar is not None:
                self._bar.set_postfix_str(self._postfix, refresh=False)

    def note(self, text: str) -> None:
        """A whole line of its own (not in quiet mode), without breaking a bar on screen."""
        if self.mode == "quiet":
            return
        with self._lock:
            if self._bar is not None:
                self._bar.write(text, file=self.stream)
            else:
                self._write(text)

    def close(self, note: str = "") -> None:
        """End the task: the last line (with *note* appended, e.g. ``"(interrupted)"``)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._bar is not None:
                if note:
                    self._bar.set_postfix_str(f"{self._postfix} {note}".strip(), refresh=False)
                self._bar.close()
            elif self.mode == "log":
                self._write(self.line() + (f"  {note}" if note else ""))

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close("" if exc_type is None else "(interrupted)")

    # -- the plain line -----------------------------------------------------------------

    def line(self) -> str:
        """The current state as one plain line (what ``"log"`` mode writes): the task's
        own words when it gave *describe*, else label, percent, counts, rate, eta, postfix."""
        if self._describe is not None:
            return self._describe()
        done, total = self._done, self._total
        elapsed = max(time.monotonic() - self._started, 1e-6)
        rate = (done - self._initial) / elapsed
        count = self._count(done) if total is None else f"{self._count(done)}/{self._count(total)}"
        parts = [self.label]
        if total:
            parts.append(f"{min(done / total, 1.0) * 100:3.0f}%")
        parts.append(count)
        parts.append(f"{format_bytes(rate)}/s" if self.unit == "B" else f"{rate:.1f} {self.unit}/s")
        if total and rate > 0 and done < total:
            parts.append(f"eta {(total - done) / rate:.0f}s")
        if self._postfix:
            parts.append(self._postfix)
        return "  ".join(parts)

    def _count(self, n: int) -> str:
        return format_bytes(n) if self.unit == "B" else str(n)

    def _step(self, done: int) -> int:
        if not self._total or self.log_every <= 0:
            return 0
        return int(min(done / self._total, 1.0) / self.log_every + 1e-9)

    def _set(self, done: int) -> None:  # under the lock
        if self._closed:
            return
        previous, self._done = self._done, done
        if self._bar is not None:
            self._bar.update(done - previous)
        elif self.mode == "log":
            step = self._step(done)
            finished = self._total is not None and done >= self._total
            due = time.monotonic() - self._last_line_at >= self.log_seconds
            if (step != self._logged_step and not finished) or due:
                self._logged_step = step
                self._write(self.line())

    def _write(self, text: str) -> None:
        self._last_line_at = time.monotonic()
        self.stream.write(text + "\n")
        self.stream.flush()
