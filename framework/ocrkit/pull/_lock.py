"""An exclusive lock file, for threads and processes alike.

``flock`` locks belong to an open file description, so two threads of one
process that each open the lock file exclude each other just as two processes
do. The lock file is removed on release (so failed pulls leave the store as
they found it); to make that safe, an acquirer that locked a file which was
unlinked meanwhile sees a different inode at the path and tries again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DownloadError

__all__ = ["exclusive_lock"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


@contextmanager
def exclusive_lock(path: Path, timeout: float, what: str) -> Iterator[None]:
    """Hold *path* exclusively; raise :class:`DownloadError` after *timeout* seconds of waiting."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise DownloadError(f"cannot write to the model store ({path}): {exc.strerror or exc}") from exc
        if _try_lock(fd):
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
        os.close(fd)
        if time.monotonic() >= deadline:
            raise DownloadError(
                f"another pull of {what} has held {path} for over {timeout:.0f}s; "
                "wait for it to finish (the lock dies with its process) and try again"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    try:
        yield
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:  # pragma: no cover - removed by hand
            pass
        os.close(fd)  # closing releases the lock
