"""Write an output file so that it is either complete or absent: a hidden
temporary sibling, flushed to disk, then renamed over the target. A batch
interrupted at any moment (Ctrl-C, a killed worker, a power cut) never leaves a
truncated file that a re-run would take for finished."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic", "sweep_temporaries", "TEMP_MARK"]

#: Part of every temporary name, so leftovers of a killed writer can be found and removed.
TEMP_MARK = ".ocrkit-tmp-"


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_MODE = _file_mode()  # read once: os.umask is process-wide and not thread-safe


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write *data* (text as UTF-8) to *path* atomically, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_MARK}", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), _MODE)  # mkstemp makes 0600; outputs get the usual mode
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def sweep_temporaries(root: Path) -> int:
    """Remove the temporaries a killed writer left under *root*; how many went."""
    removed = 0
    for tmp in root.rglob(f".*{TEMP_MARK}*"):
        try:
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed
