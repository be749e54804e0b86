"""PP-OCR model sets: the manifest format, discovery (store and installed packages)
and import into the store.

A *model set* is the detector, the optional angle classifier and the recogniser
that belong together, plus the preprocessing facts the pipeline needs (input
height, normalisation, detection limits, where the character list lives). In the
store a set is a directory ``$OCRKIT_HOME/onnx/<name>/`` holding ``manifest.json``
next to its ``.onnx`` files (format: ``docs/backends/onnx.md``). Sets shipped
inside Python packages (rapidocr, rapidocr-onnxruntime) carry no manifest: this
module knows their layout and builds the manifest in memory.

Nothing here imports onnxruntime or OpenCV: discovery must stay cheap.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocrkit.backend import ModelCorruptError, ModelNotFoundError, ModelRecord, OcrkitError, plain_name_problem

from ._languages import languages_of

__all__ = [
    "BACKEND",
    "DEFAULT_SET",
    "MANIFEST_NAME",
    "MANIFEST_FORMAT",
    "DetSpec",
    "ClsSpec",
    "RecSpec",
    "ModelSet",
    "parse_manifest",
    "discover_sets",
    "record_for",
    "set_from_record",
    "select_set",
    "import_set",
]

BACKEND = "onnx"
DEFAULT_SET = "ppocrv6-small"
MANIFEST_NAME = "manifest.json"
#: Value of the manifest's ``format`` key; bump ``format_version`` on incompatible changes.
MANIFEST_FORMAT = "ocrkit-ppocr"
MANIFEST_VERSION = 1
RECORD_FORMAT = "ppocr-onnx"
RECORD_KIND = "ppocr-set"

_PADDLE_NORM = (0.5, 0.5, 0.5)
#: Narrower crops are padded to this width. PaddleOCR pads to 320 (its training
#: width); 96 reads receipts twice as fast for 0.4 points of bag-of-words F1.
DEFAULT_REC_MIN_WIDTH = 96


@dataclass(frozen=True)
class DetSpec:
    """The DB text detector and how to feed it."""

    file: str
    limit_side_len: int = 960
    limit_type: str = "max"  # "max": longest side <= limit; "min": shortest side >= limit
    mean: tuple[float, float, float] = _PADDLE_NORM
    std: tuple[float, float, float] = _PADDLE_NORM


@dataclass(frozen=True)
class ClsSpec:
    """The 0/180 degree text-line orientation classifier."""

    file: str
    input_shape: tuple[int, int, int] = (3, 48, 192)
    labels: tuple[str, ...] = ("0", "180")
    mean: tuple[float, float, float] = _PADDLE_NORM
    std: tuple[float, float, float] = _PADDLE_NORM


@dataclass(frozen=True)
class RecSpec:
    """The CTC recogniser: input height, minimum padded width, character list source.

    ``characters`` is either ``{"metadata_key": "character"}`` (the list is stored in
    the ONNX model's custom metadata, one character per line, as PaddleOCR exports
    do) or ``{"file": "keys.txt"}`` (a dictionary file in the set directory, one
    character per line). The model's classes are ``blank`` + the list (+ ``" "`` when
    ``space_char``).
    """

    file: str
    input_height: int = 48
    min_width: int = DEFAULT_REC_MIN_WIDTH
    characters: Mapping[str, str] = field(default_factory=lambda: {"metadata_key": "character"})
    space_char: bool = True
    space_threshold: float = 0.15  # a space-class probability this high between two characters is a word break
    word_gap: float = 0.0  # > 0: also break where characters are this many pitches apart
    mean: tuple[float, float, float] = _PADDLE_NORM
    std: tuple[float, float, float] = _PADDLE_NORM


@dataclass(frozen=True)
class ModelSet:
    """A resolved model set: every file is an absolute path under ``root``."""

    name: str
    root: Path
    det: DetSpec
    rec: RecSpec
    cls: ClsSpec | None = None
    family: str = "PP-OCR"
    version: str = ""
    variant: str = ""
    language: str | None = None
    color_order: str = "BGR"
    source: str = "other"
    manifest_path: Path | None = None

    def path_of(self, name: str) -> Path:
        return self.root / name

    @property
    def det_path(self) -> Path:
        return self.path_of(self.det.file)

    @property
    def rec_path(self) -> Path:
        return self.path_of(self.rec.file)

    @property
    def cls_path(self) -> Path | None:
        return self.path_of(self.cls.file) if self.cls else None

    @property
    def dict_path(self) -> Path | None:
        file = self.rec.characters.get("file")
        return self.path_of(file) if file else None

    def model_files(self) -> tuple[Path, ...]:
        """The files inference reads (models and the dictionary), in a stable order."""
        files = [self.det_path]
        if self.cls_path is not None:
            files.append(self.cls_path)
        files.append(self.rec_path)
        if self.dict_path is not None:
            files.append(self.dict_path)
        return tuple(files)

    def all_files(self) -> tuple[Path, ...]:
        files = self.model_files()
        return (self.manifest_path, *files) if self.manifest_path else files

    def to_manifest(self, sha256: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The JSON manifest describing this set (file names relative to its directory)."""
        manifest: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "format_version": MANIFEST_VERSION,
            "name": self.name,
            "family": self.family,
            "version": self.version,
            "variant": self.variant,
            "language": self.language,
            "color_order": self.color_order,
            "det": {
                "file": self.det.file,
                "limit_side_len": self.det.limit_side_len,
                "limit_type": self.det.limit_type,
                "mean": list(self.det.mean),
                "std": list(self.det.std),
            },
            "cls": None
            if self.cls is None
            else {
                "file": self.cls.file,
                "input_shape": list(self.cls.input_shape),
                "labels": list(self.cls.labels),
                "mean": list(self.cls.mean),
                "std": list(self.cls.std),
            },
            "rec": {
                "file": self.rec.file,
                "input_height": self.rec.input_height,
                "min_width": self.rec.min_width,
                "characters": dict(self.rec.characters),
                "space_char": self.rec.space_char,
                "space_threshold": self.rec.space_threshold,
                "word_gap": self.rec.word_gap,
                "mean": list(self.rec.mean),
                "std": list(self.rec.std),
            },
        }
        if sha256:
            manifest["sha256"] = dict(sha256)
        return manifest


# -- manifest parsing ---------------------------------------------------------------


def _fail(where: str, problem: str) -> ModelCorruptError:
    return ModelCorruptError(
        f"model set manifest {where}: {problem}; see docs/backends/onnx.md for the manifest format"
    )


def _plain_file_name(value: Any, where: str, key: str) -> str:
    """A file name inside the set directory: no separators, no '..', not absolute."""
    problem = plain_name_problem(value)
    if problem:
        raise _fail(where, f"{key} {value!r} must be a plain file name inside the set directory ({problem})")
    return value  # type: ignore[return-value]


def _triple(value: Any, where: str, key: str, default: tuple[float, float, float]) -> tuple[float, float, float]:
    if value is None:
        return default
    try:
        out = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise _fail(where, f"{key} must be a list of 3 numbers, got {value!r}") from None
    if len(out) != 3 or (key.endswith("std") and any(v <= 0 for v in out)):
        raise _fail(where, f"{key} must be 3 numbers (std > 0), got {value!r}")
    return out  # type: ignore[return-value]


def _int(value: Any, where: str, key: str, default: int, lo: int = 1) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise _fail(where, f"{key} must be an integer >= {lo}, got {value!r}")
    return value


def _number(value: Any, where: str, key: str, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= hi:
        raise _fail(where, f"{key} must be a number between 0 and {hi} (0 = off), got {value!r}")
    return float(value)


def _section(data: Mapping[str, Any], key: str, where: str, required: bool) -> Mapping[str, Any] | None:
    section = data.get(key)
    if section is None:
        if required:
            raise _fail(where, f"missing the {key!r} section")
        return None
    if not isinstance(section, Mapping):
        raise _fail(where, f"{key!r} must be an object")
    return section


def parse_manifest(data: Any, root: Path, where: str, *, source: str = "store",
                   manifest_path: Path | None = None, name: str | None = None) -> ModelSet:
    """Validate a manifest (already decoded JSON) into a :class:`ModelSet` rooted at *root*.

    Raises :class:`ModelCorruptError` naming *where* for anything malformed. Files
    are not checked here (see :func:`check_files`).
    """
    if not isinstance(data, Mapping):
        raise _fail(where, "the manifest must be a JSON object")
    if data.get("format", MANIFEST_FORMAT) != MANIFEST_FORMAT:
        raise _fail(where, f"format must be {MANIFEST_FORMAT!r}, got {data.get('format')!r}")
    fv = data.get("format_version", MANIFEST_VERSION)
    if not isinstance(fv, int) or fv > MANIFEST_VERSION:
        raise _fail(where, f"format_version {fv!r} is newer than this ocrkit understands ({MANIFEST_VERSION})")

    det_d = _section(data, "det", where, required=True)
    rec_d = _section(data, "rec", where, required=True)
    cls_d = _section(data, "cls", where, required=False)
    assert det_d is not None and rec_d is not None

    limit_type = det_d.get("limit_type", "max")
    if limit_type not in ("max", "min"):
        raise _fail(where, f"det.limit_type must be 'max' or 'min', got {limit_type!r}")
    det = DetSpec(
        file=_plain_file_name(det_d.get("file"), where, "det.file"),
        limit_side_len=_int(det_d.get("limit_side_len"), where, "det.limit_side_len", 960, lo=32),
        limit_type=limit_type,
        mean=_triple(det_d.get("mean"), where, "det.mean", _PADDLE_NORM),
        std=_triple(det_d.get("std"), where, "det.std", _PADDLE_NORM),
    )

    chars = rec_d.get("characters", {"metadata_key": "character"})
    if isinstance(chars, str):  # shorthand: a dictionary file name
        chars = {"file": chars}
    if not isinstance(chars, Mapping) or len(chars) != 1 or not ({"metadata_key", "file"} & set(chars)):
        raise _fail(where, 'rec.characters must be {"metadata_key": KEY} or {"file": NAME}')
    if "file" in chars:
        chars = {"file": _plain_file_name(chars["file"], where, "rec.characters.file")}
    elif not isinstance(chars["metadata_key"], str) or not chars["metadata_key"]:
        raise _fail(where, "rec.characters.metadata_key must be a non-empty string")
    word_gap = _number(rec_d.get("word_gap", 0.0), where, "rec.word_gap", 100.0)
    space_threshold = _number(rec_d.get("space_threshold", 0.15), where, "rec.space_threshold", 1.0)
    rec = RecSpec(
        file=_plain_file_name(rec_d.get("file"), where, "rec.file"),
        input_height=_int(rec_d.get("input_height"), where, "rec.input_height", 48, lo=8),
        min_width=_int(rec_d.get("min_width"), where, "rec.min_width", DEFAULT_REC_MIN_WIDTH, lo=8),
        characters=dict(chars),
        space_char=bool(rec_d.get("space_char", True)),
        space_threshold=space_threshold,
        word_gap=word_gap,
        mean=_triple(rec_d.get("mean"), where, "rec.mean", _PADDLE_NORM),
        std=_triple(rec_d.get("std"), where, "rec.std", _PADDLE_NORM),
    )

    cls = None
    if cls_d is not None:
        shape = cls_d.get("input_shape", [3, 48, 192])
        if (not isinstance(shape, (list, tuple)) or len(shape) != 3
                or not all(isinstance(v, int) and v > 0 for v in shape) or shape[0] != 3):
            raise _fail(where, f"cls.input_shape must be [3, H, W], got {shape!r}")
        labels = cls_d.get("labels", ["0", "180"])
        if not isinstance(labels, (list, tuple)) or "180" not in [str(v) for v in labels]:
            raise _fail(where, f"cls.labels must list the classes and include '180', got {labels!r}")
        cls = ClsSpec(
            file=_plain_file_name(cls_d.get("file"), where, "cls.file"),
            input_shape=(int(shape[0]), int(shape[1]), int(shape[2])),
            labels=tuple(str(v) for v in labels),
            mean=_triple(cls_d.get("mean"), where, "cls.mean", _PADDLE_NORM),
            std=_triple(cls_d.get("std"), where, "cls.std", _PADDLE_NORM),
        )

    color = data.get("color_order", "BGR")
    if color not in ("BGR", "RGB"):
        raise _fail(where, f"color_order must be 'BGR' or 'RGB', got {color!r}")
    set_name = name or data.get("name") or root.name
    language = data.get("language")
    return ModelSet(
        name=str(set_name),
        root=root,
        det=det,
        rec=rec,
        cls=cls,
        family=str(data.get("family", "PP-OCR")),
        version=str(data.get("version", "")),
        variant=str(data.get("variant", "")),
        language=str(language) if language else None,
        color_order=color,
        source=source,
        manifest_path=manifest_path,
    )


def read_manifest(set_dir: Path, source: str = "store") -> ModelSet:
    """Parse ``<set_dir>/manifest.json``; the set's name is its directory name."""
    path = set_dir / MANIFEST_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelNotFoundError(f"model set {set_dir} has no {MANIFEST_NAME}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(str(path), f"cannot be read: {exc}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _fail(str(path), f"is not valid JSON: {exc}") from exc
    return parse_manifest(data, set_dir, str(path), source=source, manifest_path=path, name=set_dir.name)


def check_files(model_set: ModelSet) -> None:
    """Every file the set needs exists (names were already confined to the set directory)."""
    for path in model_set.model_files():
        if not path.is_file():
            raise ModelNotFoundError(
                f"model set {model_set.name!r}: file {path} is missing "
                f"(listed in {model_set.manifest_path or 'the set layout'}); re-import or re-download the set"
            )


# -- sets shipped inside Python packages -------------------------------------------------


@dataclass(frozen=True)
class _PackageLayout:
    """Where a known wheel keeps a PP-OCR set (no manifest there, so we describe it)."""

    package: str
    subdir: str
    name: str
    version: str
    variant: str
    det: str
    rec: str
    cls: str | None
    det_limit_side_len: int = 960
    det_limit_type: str = "max"


_CLS_V2 = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"

#: Known layouts, in preference order. Sets rapidocr downloads on demand into its
#: ``models`` folder are listed too; a set appears only when its files are present.
PACKAGE_LAYOUTS: tuple[_PackageLayout, ...] = (
    _PackageLayout("rapidocr", "models", "ppocrv6-small", "6", "small",
                   "PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx", _CLS_V2),
    _PackageLayout("rapidocr", "models", "ppocrv6-tiny", "6", "tiny",
                   "PP-OCRv6_det_tiny.onnx", "PP-OCRv6_rec_tiny.onnx", _CLS_V2),
    _PackageLayout("rapidocr", "models", "ppocrv6-medium", "6", "medium",
                   "PP-OCRv6_det_medium.onnx", "PP-OCRv6_rec_medium.onnx", _CLS_V2),
    _PackageLayout("rapidocr", "models", "ppocrv5-mobile", "5", "mobile",
                   "ch_PP-OCRv5_det_mobile.onnx", "ch_PP-OCRv5_rec_mobile.onnx", _CLS_V2),
    _PackageLayout("rapidocr", "models", "ppocrv4-mobile", "4", "mobile",
                   "ch_PP-OCRv4_det_mobile.onnx", "ch_PP-OCRv4_rec_mobile.onnx", _CLS_V2),
    _PackageLayout("rapidocr_onnxruntime", "models", "ppocrv4-mobile", "4", "mobile",
                   "ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx",
                   "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
)


def _package_dir(package: str) -> Path | None:
    """The directory of an installed top-level package, without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        return Path(location)
    return None


def _layout_set(layout: _PackageLayout, models_dir: Path) -> ModelSet:
    return ModelSet(
        name=layout.name,
        root=models_dir,
        det=DetSpec(layout.det, limit_side_len=layout.det_limit_side_len, limit_type=layout.det_limit_type),
        rec=RecSpec(layout.rec),
        cls=ClsSpec(layout.cls) if layout.cls else None,
        version=layout.version,
        variant=layout.variant,
        language="ch",
        source="package",
    )


def package_sets(layouts: Iterable[_PackageLayout] = PACKAGE_LAYOUTS) -> list[ModelSet]:
    """Sets whose det and rec files exist inside installed packages (cls is optional)."""
    found: list[ModelSet] = []
    dirs: dict[str, Path | None] = {}
    for layout in layouts:
        if layout.package not in dirs:
            dirs[layout.package] = _package_dir(layout.package)
        base = dirs[layout.package]
        if base is None:
            continue
        models_dir = base / layout.subdir
        if not ((models_dir / layout.det).is_file() and (models_dir / layout.rec).is_file()):
            continue
        if layout.cls and not (models_dir / layout.cls).is_file():
            layout = _PackageLayout(**{**layout.__dict__, "cls": None})
        found.append(_layout_set(layout, models_dir))
    return found


# -- records --------------------------------------------------------------------------


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
            "languages": languages_of(model_set.language),
            "manifest": model_set.to_manifest(),
        },
    )


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


def store_records(store_dir: Path) -> list[ModelRecord]:
    """One record per directory with a manifest in the backend's store directory."""
    if not store_dir.is_dir():
        return []
    records: list[ModelRecord] = []
    for entry in sorted(store_dir.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir() or not (entry / MANIFEST_NAME).exists():
            continue
        try:
            records.append(record_for(read_manifest(entry, source="store")))
        except OcrkitError as exc:
            records.append(_broken_record(entry, exc))
    return records


def discover_sets(store_dir: Path) -> list[ModelRecord]:
    """Store sets first, then sets inside installed packages (hook ``ocrkit_discover_models``)."""
    records = store_records(store_dir)
    records.extend(record_for(s) for s in package_sets())
    return records


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
    if path.is_file() and path.name == MANIFEST_NAME:
        model_set = read_manifest(path.parent, source=record.source)
    elif path.is_dir() and (path / MANIFEST_NAME).is_file():
        model_set = read_manifest(path, source=record.source)
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


# -- import into the store ------------------------------------------------------------------


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
