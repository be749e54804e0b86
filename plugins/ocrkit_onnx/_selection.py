"""Which discovered set a load uses, and the :class:`ModelSet` behind a record
(whichever plugin reported it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ocrkit.backend import ModelCorruptError, ModelNotFoundError, ModelRecord

from ._discovery import BACKEND, RECORD_KIND, base_lookup
from ._manifest import MANIFEST_NAME, ModelSet, check_files, parse_manifest, read_manifest

__all__ = ["DEFAULT_SET", "set_from_record", "select_set"]

DEFAULT_SET = "ppocrv6-small"


def set_from_record(record: ModelRecord) -> ModelSet:
    """Rebuild the :class:`ModelSet` of a record, whichever plugin produced it.

    A record is loadable when ``record.path`` is a set directory with a manifest
    (or the manifest file itself), or when ``record.extra["manifest"]`` holds the
    manifest inline with file names relative to ``record.path``.
    """
    if "error" in record.extra:
        cls = ModelNotFoundError if record.extra.get("error_type") == "ModelNotFoundError" else ModelCorruptError
        raise cls(str(record.extra["error"]))
    inline = record.extra.get("manifest")
    path = Path(record.path)
    set_dir = path.parent if path.is_file() and path.name == MANIFEST_NAME else path
    if set_dir.is_dir() and (set_dir / MANIFEST_NAME).is_file():
        # a recogniser-only set borrows the detector of a set beside it in the store, or a package's
        lookup = base_lookup(set_dir.parent if record.source == "store" else None)
        model_set = read_manifest(set_dir, source=record.source, base_lookup=lookup)
    elif inline is not None:
        where = f"of model {record.name!r} ({path})"
        model_set = parse_manifest(inline, path, where, source=record.source, name=record.name)
    elif not path.exists():
        raise ModelNotFoundError(f"model set {record.name!r}: {path} does not exist")
    else:
        raise ModelCorruptError(
            f"model {record.name!r} at {path} is not a PP-OCR set: no {MANIFEST_NAME} and no inline manifest"
        )
    check_files(model_set)
    return model_set


def select_set(model: str | None, records: Sequence[ModelRecord]) -> ModelRecord:
    """The record to load: *model* by name (store copy first), or the default set."""
    sets = [r for r in records if r.backend == BACKEND and r.kind in (RECORD_KIND, None)]
    names = [r.name for r in sets]
    if model is None:
        for record in sets:
            if record.name == DEFAULT_SET and "error" not in record.extra:
                return record
        usable = [r for r in sets if "error" not in r.extra]
        if usable:
            return usable[0]
        if sets:
            return sets[0]  # loading it raises its own clear error
        raise ModelNotFoundError(
            "no PP-OCR model set found: install the onnx extra (pip install \"ocrkit[onnx]\", which "
            f"ships {DEFAULT_SET} inside the rapidocr wheel) or put a set with a {MANIFEST_NAME} "
            "into the store (see docs/backends/onnx.md)"
        )
    for record in sets:
        if record.name == model:
            return record
    raise ModelNotFoundError(f"no ONNX model set named {model!r}", names)
