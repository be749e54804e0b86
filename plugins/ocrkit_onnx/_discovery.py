"""The records discovery reports: sets in the store first, then sets inside
installed packages; a store entry that cannot be used is listed with its error.
Nothing here imports onnxruntime or OpenCV."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ocrkit.backend import ModelRecord, OcrkitError

from ._languages import languages_of
from ._manifest import MANIFEST_NAME, BaseLookup, ModelSet, read_manifest
from ._packages import package_sets

__all__ = ["BACKEND", "RECORD_FORMAT", "RECORD_KIND", "record_for", "store_records", "discover_sets", "base_lookup"]

BACKEND = "onnx"
RECORD_FORMAT = "ppocr-onnx"
RECORD_KIND = "ppocr-set"


def _size(paths: Iterable[Path]) -> int:
    total = 0
    for p in paths:
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return total


def record_for(model_set: ModelSet) -> ModelRecord:
    """The discovery record of a set; ``extra["manifest"]`` lets any plugin's record be loaded."""
    files = model_set.all_files()
    languages = model_set.languages or languages_of(model_set.language)
    return ModelRecord(
        name=model_set.name,
        backend=BACKEND,
        path=model_set.root,
        source=model_set.source,
        format=RECORD_FORMAT,
        size=_size(files),
        language=model_set.language,
        version=model_set.version or None,
        kind=RECORD_KIND,
        files=files,
        extra={
            "store_name": model_set.name,
            "family": model_set.family,
            "variant": model_set.variant,
            "angle_classifier": model_set.cls is not None,
            "languages": languages,
            "manifest": model_set.to_manifest(),
            "precision": model_set.precision,
            **({"base": model_set.base} if model_set.base else {}),
            **({"derived": derivation(model_set.quantization)} if model_set.quantization else {}),
        },
        languages=languages,
    )


def derivation(quantization: Mapping[str, Any]) -> dict[str, Any]:
    """What ``ocrkit models list/audit`` show of an int8 set's making (the hook's
    ``extra["derived"]`` convention): its fp32 set, the check, where it was made."""
    source = quantization.get("from") or {}
    return {
        "from": source.get("name") if isinstance(source, Mapping) else None,
        "precision": quantization.get("precision"),
        "check": quantization.get("check"),
        "calibration": quantization.get("calibration"),
        "made_on": quantization.get("made_on"),
    }


def _broken_record(set_dir: Path, error: Exception) -> ModelRecord:
    """A store entry that exists but cannot be used: listed (so users see it), not loadable."""
    files = tuple(sorted(p for p in set_dir.iterdir() if p.is_file())) if set_dir.is_dir() else ()
    return ModelRecord(
        name=set_dir.name,
        backend=BACKEND,
        path=set_dir,
        source="store",
        format=RECORD_FORMAT,
        size=_size(files),
        kind=RECORD_KIND,
        files=files or (set_dir,),
        extra={"error": str(error), "error_type": type(error).__name__},
    )


def base_lookup(store_dir: Path | None) -> BaseLookup:
    """Finds the installed set a recogniser-only set borrows its detector from: the store
    copy first, then a package's. A base that itself borrows does not count (one level)."""
    packaged: list[ModelSet] | None = None

    def lookup(name: str) -> ModelSet | None:
        nonlocal packaged
        if store_dir is not None and (store_dir / name / MANIFEST_NAME).is_file():
            try:
                return read_manifest(store_dir / name, source="store")
            except OcrkitError:
                pass
        if packaged is None:
            packaged = package_sets()
        return next((s for s in packaged if s.name == name), None)

    return lookup


def store_records(store_dir: Path) -> list[ModelRecord]:
    """One record per directory with a manifest in the backend's store directory."""
    if not store_dir.is_dir():
        return []
    lookup = base_lookup(store_dir)
    records: list[ModelRecord] = []
    for entry in sorted(store_dir.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir() or not (entry / MANIFEST_NAME).exists():
            continue
        try:
            records.append(record_for(read_manifest(entry, source="store", base_lookup=lookup)))
        except OcrkitError as exc:
            records.append(_broken_record(entry, exc))
    return records


def discover_sets(store_dir: Path) -> list[ModelRecord]:
    """Store sets first, then sets inside installed packages (hook ``ocrkit_discover_models``)."""
    records = store_records(store_dir)
    records.extend(record_for(s) for s in package_sets())
    return records
