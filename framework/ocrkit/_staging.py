"""Put a new file or directory in place so that nobody ever sees half of it.

The store's imports, backends' own imports and model pulls all publish a model
the same way: build it under a hidden temporary name in the target's directory
(same file system, so the final rename is atomic), flush it to disk, move an
existing entry aside, rename the new one into place, delete the old one. A crash
or an error at any point leaves either the old entry or the new one, never a
mixture, and nothing but a hidden ``.NAME.*.tmp`` directory to clean up.

    with staged_entry(target) as staged:
        shutil.copyfile(source, staged.path)   # build it: a file or a directory
        staged.commit()                        # fsync, swap into place
    # leaving the block deletes whatever was staged and not committed
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["StagedEntry", "staged_entry", "fsync_tree", "fsync_dir"]


def fsync_dir(directory: Path) -> None:
    """Make renames in *directory* durable (POSIX; a no-op where dirs cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems without directory fsync
        pass
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush a file, or every file and directory of a tree, to disk."""
    if path.is_dir() and not path.is_symlink():
        for sub in sorted(path.rglob("*")):
            if sub.is_file() and not sub.is_symlink():
                fd = os.open(sub, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            elif sub.is_dir():
                fsync_dir(sub)
        fsync_dir(path)
    elif path.is_file():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class StagedEntry:
    """A new entry being built at :attr:`path`, to replace :attr:`target` on :meth:`commit`."""

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self._workdir = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent))
        #: Where to build the new entry (nothing exists there yet: create a file or a directory).
        self.path = self._workdir / self.target.name

    def commit(self) -> Path:
        """Flush the staged entry, move an existing target aside, rename the new one
        into place and fsync the directory. If the rename fails the old entry is
        put back. Returns the target."""
        if not (self.path.exists() or self.path.is_symlink()):
            raise FileNotFoundError(f"nothing was staged for {self.target}")
        fsync_tree(self.path)
        target = self.target
        if self.path.is_file() and not (target.is_dir() and not target.is_symlink()):
            os.replace(self.path, target)  # atomic, also over an existing file
        elif not (target.exists() or target.is_symlink()):
            os.rename(self.path, target)
        else:
            aside = self._workdir / f"{target.name}.old"
            os.rename(target, aside)
            try:
                os.rename(self.path, target)
            except BaseException:
                os.rename(aside, target)
                raise
        fsync_dir(target.parent)
        return target

    def discard(self) -> None:
        """Delete what is left: an uncommitted entry, the old one moved aside."""
        shutil.rmtree(self._workdir, ignore_errors=True)


@contextmanager
def staged_entry(target: Path) -> Iterator[StagedEntry]:
    """Stage a replacement for *target* beside it; :meth:`StagedEntry.commit` publishes it.

    Whatever happens in the block, leaving it deletes the hidden staging
    directory (with the old entry, after a commit); without a commit *target*
    is untouched.
    """
    staged = StagedEntry(target)
    try:
        yield staged
    finally:
        staged.discard()
