"""Import a discovered set into the store: a complete, re-validated copy with a
manifest (and the files' digests), renamed into place in one step."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from ocrkit.backend import ModelRecord

from ._manifest import MANIFEST_NAME, check_files, read_manifest
from ._selection import set_from_record

__all__ = ["import_set"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_set(record: ModelRecord, dest_dir: Path) -> Path:
    """Copy a discovered set into ``dest_dir/<name>/`` with a manifest, atomically.

    Files are copied into a hidden temporary directory inside *dest_dir* and the
    directory is renamed into place only when complete and re-validated, so an
    interrupted import leaves no half-copied set. The store
    (``ModelStore.import_model``) has already refused an existing entry unless the
    user asked to overwrite it, and refuses loaded ones; an existing set is then
    replaced in one rename.
    """
    model_set = set_from_record(record)
    final = dest_dir / model_set.name
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".import-{model_set.name}-", suffix=".tmp", dir=dest_dir))
    staged = tmp / model_set.name
    try:
        staged.mkdir()
        digests: dict[str, str] = {}
        for src in model_set.model_files():
            target = staged / src.name
            shutil.copyfile(src, target)
            digests[src.name] = _sha256(target)
        with open(staged / MANIFEST_NAME, "w", encoding="utf-8") as fh:
            json.dump(model_set.to_manifest(sha256=digests), fh, indent=2)
            fh.write("\n")
        for path in staged.iterdir():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        check_files(read_manifest(staged, source="store"))  # the copy loads before it is visible
        if final.exists() or final.is_symlink():
            os.rename(final, tmp / (model_set.name + ".replaced"))
        os.rename(staged, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
