"""Import a discovered set into the store: a complete, re-validated copy with a
manifest (and the files' digests), swapped into place in one step."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ocrkit.backend import ModelRecord, sha256_of, staged_entry

from ._manifest import MANIFEST_NAME, check_files, read_manifest
from ._selection import set_from_record

__all__ = ["import_set"]


def import_set(record: ModelRecord, dest_dir: Path) -> Path:
    """Copy a discovered set into ``dest_dir/<name>/`` with a manifest, atomically.

    The files are copied under a hidden temporary name inside *dest_dir* and the
    directory is renamed into place only when complete and re-validated, so an
    interrupted import leaves no half-copied set. The store
    (``ModelStore.import_model``) has already refused an existing entry unless the
    user asked to overwrite it, and refuses loaded ones; an existing set is then
    replaced in one rename.
    """
    model_set = set_from_record(record)
    with staged_entry(dest_dir / model_set.name) as staged:
        staged.path.mkdir()
        digests: dict[str, str] = {}
        for src in model_set.model_files():
            target = staged.path / src.name
            shutil.copyfile(src, target)
            digests[src.name] = sha256_of(target)
        with open(staged.path / MANIFEST_NAME, "w", encoding="utf-8") as fh:
            json.dump(model_set.to_manifest(sha256=digests), fh, indent=2)
            fh.write("\n")
        check_files(read_manifest(staged.path, source="store"))  # the copy loads before it is visible
        return staged.commit()
