"""Write an output file so that it is either complete or absent (the core's
staging helper: a hidden temporary beside it, flushed, renamed into place). A
batch interrupted at any moment (Ctrl-C, a killed worker, a power cut) never
leaves a truncated file that a re-run would take for finished."""

from __future__ import annotations

import shutil
from pathlib import Path

from .._staging import staged_entry

__all__ = ["write_atomic", "sweep_temporaries"]


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write *data* (text as UTF-8) to *path* atomically, creating its folder."""
    with staged_entry(path) as staged:
        staged.path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        staged.commit()


def sweep_temporaries(root: Path) -> int:
    """Remove the staging folders (``.NAME.*.tmp``) a killed writer left under *root*."""
    removed = 0
    for tmp in root.rglob(".*.tmp"):
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
            removed += 1
    return removed
