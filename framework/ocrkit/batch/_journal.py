"""What a batch remembers in its output folder: the journal of finished inputs
(so a re-run skips them) and the failure log of the last run.

Both are JSON lines appended and flushed one record at a time by the one process
that drives the run, so a run killed at any moment leaves every finished record
readable (a torn last line is ignored on the next start). Paths are bytes on
POSIX: a name that is not UTF-8 is stored as ``\\udcXX`` escapes and read back as
the same name (:func:`~ocrkit._json_bounds.dumps_line`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import IO, Any

from .._json_bounds import dumps_line, loads_bounded
from ._atomic import write_atomic
from ._records import FAILURES_NAME, JOURNAL_NAME, BatchSettings, FileResult, Job

__all__ = ["Journal", "FailureLog"]


def _append(fh: IO[str], record: dict[str, Any]) -> None:
    fh.write(dumps_line(record) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


class Journal:
    """Finished inputs, keyed by their absolute path.

    An input counts as done when its entry matches the input's size and mtime
    and the settings' fingerprint, and every requested output exists and is not
    older than the input. Outputs are written atomically, so existing means complete.
    """

    def __init__(self, out: Path) -> None:
        self.path = out / JOURNAL_NAME
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    entry = loads_bounded(line)
                    self.entries[entry["source"]] = entry
                except (ValueError, KeyError, TypeError):
                    continue  # a line torn by a crash (or nested absurdly): that input is simply redone
            # Compact: one line per input, whatever the number of earlier runs.
            write_atomic(self.path, "".join(dumps_line(e) + "\n" for e in self.entries.values()))
        self._fh: IO[str] = open(self.path, "a", encoding="utf-8")

    def is_done(self, job: Job, settings: BatchSettings) -> bool:
        entry = self.entries.get(str(job.source))
        if (
            entry is None
            or entry.get("size") != job.size
            or entry.get("mtime_ns") != job.mtime_ns
            or entry.get("settings") != settings.fingerprint
        ):
            return False
        for _, path in job.outputs:
            try:
                if path.stat().st_mtime_ns < job.mtime_ns:
                    return False
            except OSError:
                return False
        return True

    def record(self, job: Job, result: FileResult, settings: BatchSettings) -> None:
        entry: dict[str, Any] = {
            "source": str(job.source), "name": job.name, "size": job.size, "mtime_ns": job.mtime_ns,
            "settings": settings.fingerprint, "formats": [f for f, _ in job.outputs],
            "pages": result.pages, "finished": time.time(),
        }
        self.entries[entry["source"]] = entry
        _append(self._fh, entry)

    def close(self) -> None:
        self._fh.close()


class FailureLog:
    """``failures.jsonl``: one record per input that failed in this run (truncated at
    the start of a run, since a run retries every input not done)."""

    def __init__(self, out: Path) -> None:
        self.path = out / FAILURES_NAME
        self.count = 0
        self._fh: IO[str] = open(self.path, "w", encoding="utf-8")

    def record(self, result: FileResult) -> None:
        self.count += 1
        _append(self._fh, {
            "source": result.source, "name": result.name, "error_class": result.error_class,
            "error": result.error, "pages_read": result.pages, "worker": result.worker, "time": time.time(),
        })

    def close(self) -> None:
        self._fh.close()
