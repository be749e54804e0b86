"""The download progress display: one :class:`ocrkit._progress.Progress` per file.

A pull reports ``progress(file_name, bytes_done, bytes_total_or_None)`` as bytes
arrive (:data:`ocrkit.pull.Progress`); :class:`ProgressBar` turns those calls into
one bar per file on a terminal and one line per file in a log.
"""

from __future__ import annotations

from typing import TextIO

from .._progress import Progress, ProgressMode, format_bytes

__all__ = ["ProgressBar"]


class ProgressBar:
    """Callable as ``progress(label, done, total)``; call :meth:`close` when the pull ends."""

    def __init__(self, stream: TextIO | None = None, *, mode: ProgressMode = "auto") -> None:
        self.stream = stream
        self.mode = mode
        self._file: Progress | None = None

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if self._file is None or self._file.label != label:
            self._end("(unfinished)")
            # log mode: one line per file, when it completes (log_every=1)
            self._file = Progress(label, total, unit="B", initial=done, mode=self.mode, stream=self.stream,
                                  log_every=1.0)
            if done:
                self._file.note(f"{label}  resuming at {format_bytes(done)}")
        self._file.update(done, total)
        if total is not None and done >= total:
            self._end()

    def _end(self, note: str = "") -> None:
        if self._file is not None:
            self._file.close(note)
            self._file = None

    def close(self) -> None:
        """End a line left unfinished (the pull failed or was interrupted)."""
        self._end("(interrupted)")
