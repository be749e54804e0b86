"""Sizes and sha256 digests of model files and model directories, read without
ever blocking on something that is not a regular file (a FIFO, a device)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from .errors import NotRegularFileError

__all__ = ["sha256_of", "entry_size", "files_of"]

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def _not_regular(path: Path, mode: int) -> NotRegularFileError:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return NotRegularFileError(f"{path.name} is {kind}, not a regular file (not read)")


def _raise(exc: OSError) -> None:
    raise exc


def files_of(directory: Path) -> list[Path]:
    """Every file under *directory*, sorted; an unreadable subdirectory raises
    (``rglob`` would skip it and the audit would show 0 B and an empty digest)."""
    found = []
    for top, _dirs, files in os.walk(directory, onerror=_raise):
        found += [Path(top, name) for name in files]
    return sorted(found)


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Digest of a regular file, or of a directory's files (sorted relative names and
    contents). Anything else raises :class:`NotRegularFileError` without blocking:
    the file is opened non-blocking and checked before a byte is read."""
    digest = hashlib.sha256()
    if path.is_dir():
        for sub in files_of(path):
            digest.update(str(sub.relative_to(path)).encode() + b"\0")
            digest.update(sha256_of(sub).encode())
        return digest.hexdigest()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def entry_size(path: Path) -> int:
    """Bytes of a model file, or of a directory's files (symlinks inside not counted)."""
    if path.is_dir():
        return sum(p.stat().st_size for p in files_of(path) if not p.is_symlink())
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    return path.stat().st_size
