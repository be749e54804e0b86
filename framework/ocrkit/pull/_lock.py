"""An exclusive lock file for a pull, for threads and processes alike (``filelock``).

Each call makes its own :class:`filelock.FileLock`, so two threads of one process
exclude each other just as two processes do (an ``flock`` belongs to an open file
description). The lock file is removed when the pull ends, so a failed pull
leaves the store as it found it. It is unlinked *before* the lock is released:
a waiter that then gets the old, unlinked file notices it (filelock checks the
link count) and locks the new path instead, so two holders never coexist.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import DownloadError

__all__ = ["exclusive_lock"]


@contextmanager
def exclusive_lock(path: Path, timeout: float, what: str) -> Iterator[None]:
    """Hold *path* exclusively; raise :class:`DownloadError` after *timeout* seconds of waiting."""
    lock = FileLock(path, timeout=timeout, poll_interval=0.02)
    try:
        lock.acquire()
    except Timeout:
        raise DownloadError(
            f"another pull of {what} has held {path} for over {timeout:.0f}s; "
            "wait for it to finish (the lock dies with its process) and try again"
        ) from None
    except OSError as exc:
        raise DownloadError(f"cannot write to the model store ({path}): {exc.strerror or exc}") from exc
    try:
        yield
    finally:
        with suppress(FileNotFoundError):
            os.unlink(path)
        lock.release()
