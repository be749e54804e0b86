"""One tessdata directory for a language combination whose files live apart.

Tesseract loads every language of ``eng+deu`` from one directory. When ``eng``
comes from the package and ``deu`` from the store, a private temporary directory
gets a link to each chosen file under the name tesseract expects; it is removed
when the model is freed. Links, not copies, where the OS allows: nothing is
duplicated and the store's in-use check still sees the real file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ocrkit.backend import ModelRecord

from ._traineddata import SUFFIX

__all__ = ["TessdataDir", "tessdata_for"]


@dataclass
class TessdataDir:
    """The directory to pass to tesseract; ``staged`` ones are ours to delete."""

    path: Path
    staged: bool = False

    def cleanup(self) -> None:
        if self.staged:
            shutil.rmtree(self.path, ignore_errors=True)
            self.staged = False


def _expected(record: ModelRecord) -> str:
    return record.name + SUFFIX


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for make in (os.symlink, os.link):
        try:
            make(os.path.realpath(source), target)
            return
        except (OSError, NotImplementedError):
            continue
    shutil.copyfile(source, target)


def tessdata_for(records: Sequence[ModelRecord]) -> TessdataDir:
    """A directory where ``<name>.traineddata`` of every record can be found.

    The records' own directory when they share one and are named as tesseract
    expects; otherwise a staged temporary directory.
    """
    roots: set[str | None] = set()
    for record in records:
        relative = Path(_expected(record))
        path = Path(record.path)
        if path.parts[-len(relative.parts):] != relative.parts:
            roots.add(None)
            break
        roots.add(os.path.realpath(Path(*path.parts[: -len(relative.parts)])))
    root = next(iter(roots)) if len(roots) == 1 else None
    if root is not None:
        return TessdataDir(Path(root))
    staging = Path(tempfile.mkdtemp(prefix="ocrkit-tessdata-"))
    try:
        for record in records:
            _link(Path(record.path), staging / _expected(record))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return TessdataDir(staging, staged=True)
