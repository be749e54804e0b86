"""The PP-OCR model-set manifest: its schema (what the pipeline needs to know
about a detector, angle classifier and recogniser that belong together), its
validation, and reading it from a set directory.

In the store a set is a directory ``$OCRKIT_HOME/onnx/<name>/`` holding
``manifest.json`` next to its ``.onnx`` files (format: ``docs/backends/onnx.md``).
Nothing here imports onnxruntime or OpenCV: discovery must stay cheap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ocrkit.backend import ModelCorruptError, ModelNotFoundError, plain_name_problem

__all__ = [
    "MANIFEST_NAME",
    "MANIFEST_FORMAT",
    "MANIFEST_VERSION",
    "DEFAULT_REC_MIN_WIDTH",
    "DetSpec",
    "ClsSpec",
    "RecSpec",
    "ModelSet",
    "parse_manifest",
    "read_manifest",
    "check_files",
]

MANIFEST_NAME = "manifest.json"
_Spec = TypeVar("_Spec", "DetSpec", "ClsSpec")
#: Value of the manifest's ``format`` key; bump ``format_version`` on incompatible changes.
MANIFEST_FORMAT = "ocrkit-ppocr"
MANIFEST_VERSION = 1

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
    #: Codes the recogniser reads, when the manifest lists them (else the ``language`` family's).
    languages: tuple[str, ...] = ()
    color_order: str = "BGR"
    source: str = "other"
    manifest_path: Path | None = None
    #: How an int8 set was made from its fp32 set (``ocrkit models quantize``); None: not derived.
    quantization: Mapping[str, Any] | None = None
    #: Sets whose detector (and classifier) this one may borrow (manifest ``base``); when it
    #: does, those specs' ``file`` is the base's absolute path.
    base: tuple[str, ...] = ()

    @property
    def precision(self) -> str:
        """``"int8"`` for a quantised set, else ``"fp32"``."""
        return str(self.quantization.get("precision", "int8")) if self.quantization else "fp32"

    def path_of(self, name: str) -> Path:
        return self.root / name  # a borrowed file's name is absolute: the join gives it back

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
        """The JSON manifest describing this set (file names relative to its directory: a
        copy of the set, which holds borrowed files too, stands on its own)."""
        manifest: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "format_version": MANIFEST_VERSION,
            "name": self.name,
            "family": self.family,
            "version": self.version,
            "variant": self.variant,
            "language": self.language,
            **({"languages": list(self.languages)} if self.languages else {}),
            "color_order": self.color_order,
            "det": {
                "file": Path(self.det.file).name,
                "limit_side_len": self.det.limit_side_len,
                "limit_type": self.det.limit_type,
                "mean": list(self.det.mean),
                "std": list(self.det.std),
            },
            "cls": None
            if self.cls is None
            else {
                "file": Path(self.cls.file).name,
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
        if self.quantization is not None:
            manifest["quantization"] = dict(self.quantization)
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
    return str(value)


# Every number of a manifest is bounded: a catalogue's manifest is written into the
# store verbatim, so a mirrored catalogue must not be able to make ocrkit allocate
# an absurd tensor (a cls.input_shape of [3, 100000, 100000] asked for 120 GB).
#: Largest model input side a manifest may declare (a line image, a detector side).
MAX_INPUT_SIDE = 16384
#: Largest line-model input height (PP-OCR uses 32 or 48).
MAX_LINE_HEIGHT = 512
#: Most language codes a manifest may list.
MAX_LANGUAGES = 500
#: Bound of a normalisation mean or std (pixel values are 0..1 or 0..255).
MAX_NORM = 1000.0


def _triple(value: Any, where: str, key: str, default: tuple[float, float, float]) -> tuple[float, float, float]:
    if value is None:
        return default
    try:
        if isinstance(value, (str, bytes)) or len(value) != 3:
            raise TypeError
        out = tuple(float(v) for v in value)
    except (TypeError, ValueError, OverflowError):
        raise _fail(where, f"{key} must be a list of 3 numbers, got {value!r}") from None
    lowest = 1e-6 if key.endswith("std") else -MAX_NORM
    if not all(math.isfinite(v) and lowest <= v <= MAX_NORM for v in out):
        raise _fail(where, f"{key} must be 3 numbers between {lowest:g} and {MAX_NORM:g}, got {value!r}")
    return out  # type: ignore[return-value]


def _int(value: Any, where: str, key: str, default: int, lo: int, hi: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _fail(where, f"{key} must be an integer between {lo} and {hi}, got {value!r}")
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


def _det_spec(det_d: Mapping[str, Any], where: str) -> DetSpec:
    limit_type = det_d.get("limit_type", "max")
    if limit_type not in ("max", "min"):
        raise _fail(where, f"det.limit_type must be 'max' or 'min', got {limit_type!r}")
    return DetSpec(
        file=_plain_file_name(det_d.get("file"), where, "det.file"),
        limit_side_len=_int(det_d.get("limit_side_len"), where, "det.limit_side_len", 960, 32, MAX_INPUT_SIDE),
        limit_type=limit_type,
        mean=_triple(det_d.get("mean"), where, "det.mean", _PADDLE_NORM),
        std=_triple(det_d.get("std"), where, "det.std", _PADDLE_NORM),
    )


def _cls_spec(cls_d: Mapping[str, Any], where: str) -> ClsSpec:
    shape = cls_d.get("input_shape", [3, 48, 192])
    if (not isinstance(shape, (list, tuple)) or len(shape) != 3 or shape[0] != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in shape)
            or not 8 <= shape[1] <= MAX_LINE_HEIGHT or not 8 <= shape[2] <= MAX_INPUT_SIDE):
        raise _fail(
            where, f"cls.input_shape must be [3, H, W] with H 8..{MAX_LINE_HEIGHT} and W 8..{MAX_INPUT_SIDE}, "
            f"got {shape!r}"
        )
    labels = cls_d.get("labels", ["0", "180"])
    if not isinstance(labels, (list, tuple)) or not 2 <= len(labels) <= 1000 or "180" not in [str(v) for v in labels]:
        raise _fail(where, f"cls.labels must list the classes and include '180', got {labels!r}")
    return ClsSpec(
        file=_plain_file_name(cls_d.get("file"), where, "cls.file"),
        input_shape=(int(shape[0]), int(shape[1]), int(shape[2])),
        labels=tuple(str(v) for v in labels),
        mean=_triple(cls_d.get("mean"), where, "cls.mean", _PADDLE_NORM),
        std=_triple(cls_d.get("std"), where, "cls.std", _PADDLE_NORM),
    )


#: Looks a set up by name among those installed (discovery's), for a set that borrows
#: its detector and angle classifier (``"base"`` in its manifest).
BaseLookup = Callable[[str], "ModelSet | None"]
#: Most base sets a manifest may name.
MAX_BASES = 16


def _base_names(data: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """The manifest's ``base``: set names whose detector (and classifier) this set may use."""
    names = data.get("base", [])
    if isinstance(names, str):
        names = [names]
    if (not isinstance(names, list) or len(names) > MAX_BASES
            or not all(isinstance(n, str) and not plain_name_problem(n) for n in names)):
        raise _fail(where, f"base must be a set name or a list of at most {MAX_BASES} set names")
    return tuple(names)


def _base_set(names: tuple[str, ...], set_name: str, lookup: BaseLookup | None) -> ModelSet:
    """The first installed set of *names*; a set with neither its own detector nor an
    installed base cannot read, and says how to get one."""
    for base in names:
        found = lookup(base) if lookup is not None else None
        if found is not None:
            return found
    if not names:
        raise ModelCorruptError(f"model set {set_name!r}: no 'det' section and no 'base' set to borrow it from")
    raise ModelNotFoundError(
        f"model set {set_name!r} reads with the detector and angle classifier of {' or '.join(names)}, "
        f'and none is installed: pip install "ocrkit[onnx]" (ships {names[0]}) or `ocrkit models pull {names[0]}`'
    )


def _borrowed_file(spec: _Spec, path: Path) -> _Spec:
    """*spec* of a base set, its file given as the absolute path (the set's root is elsewhere)."""
    return replace(spec, file=str(path))


def _check_format(data: Any, where: str) -> Mapping[str, Any]:
    """*data* if it is a manifest object of a format and version this code reads."""
    if not isinstance(data, Mapping):
        raise _fail(where, "the manifest must be a JSON object")
    if data.get("format", MANIFEST_FORMAT) != MANIFEST_FORMAT:
        raise _fail(where, f"format must be {MANIFEST_FORMAT!r}, got {data.get('format')!r}")
    fv = data.get("format_version", MANIFEST_VERSION)
    if not isinstance(fv, int) or fv > MANIFEST_VERSION:
        raise _fail(where, f"format_version {fv!r} is newer than this ocrkit understands ({MANIFEST_VERSION})")
    return data


def _characters(rec_d: Mapping[str, Any], where: str) -> dict[str, str]:
    """Where the recogniser's alphabet is: ``{"metadata_key": KEY}`` or ``{"file": NAME}``."""
    chars = rec_d.get("characters", {"metadata_key": "character"})
    if isinstance(chars, str):  # shorthand: a dictionary file name
        chars = {"file": chars}
    if not isinstance(chars, Mapping) or len(chars) != 1 or not ({"metadata_key", "file"} & set(chars)):
        raise _fail(where, 'rec.characters must be {"metadata_key": KEY} or {"file": NAME}')
    if "file" in chars:
        return {"file": _plain_file_name(chars["file"], where, "rec.characters.file")}
    if not isinstance(chars["metadata_key"], str) or not chars["metadata_key"]:
        raise _fail(where, "rec.characters.metadata_key must be a non-empty string")
    return dict(chars)


def _rec_spec(rec_d: Mapping[str, Any], where: str) -> RecSpec:
    characters = _characters(rec_d, where)
    word_gap = _number(rec_d.get("word_gap", 0.0), where, "rec.word_gap", 100.0)
    space_threshold = _number(rec_d.get("space_threshold", 0.15), where, "rec.space_threshold", 1.0)
    return RecSpec(
        file=_plain_file_name(rec_d.get("file"), where, "rec.file"),
        input_height=_int(rec_d.get("input_height"), where, "rec.input_height", 48, 8, MAX_LINE_HEIGHT),
        min_width=_int(rec_d.get("min_width"), where, "rec.min_width", DEFAULT_REC_MIN_WIDTH, 8, MAX_INPUT_SIDE),
        characters=characters,
        space_char=bool(rec_d.get("space_char", True)),
        space_threshold=space_threshold,
        word_gap=word_gap,
        mean=_triple(rec_d.get("mean"), where, "rec.mean", _PADDLE_NORM),
        std=_triple(rec_d.get("std"), where, "rec.std", _PADDLE_NORM),
    )


def _borrow_from_base(det: DetSpec | None, cls: ClsSpec | None, own_cls: bool, base_names: tuple[str, ...],
                      set_name: str, base_lookup: BaseLookup | None) -> tuple[DetSpec, ClsSpec | None]:
    """The detector (and, unless the manifest has its own ``cls`` key, the angle
    classifier) of the first installed base set, for what the manifest leaves out."""
    borrowed = _base_set(base_names, set_name, base_lookup)
    det = det or _borrowed_file(borrowed.det, borrowed.det_path)
    if not own_cls and borrowed.cls is not None and borrowed.cls_path is not None:
        cls = _borrowed_file(borrowed.cls, borrowed.cls_path)
    return det, cls


def _description(data: Mapping[str, Any], where: str) -> tuple[str, list[str], Mapping[str, Any] | None]:
    """The set's colour order, languages and quantisation record, checked."""
    color = data.get("color_order", "BGR")
    if color not in ("BGR", "RGB"):
        raise _fail(where, f"color_order must be 'BGR' or 'RGB', got {color!r}")
    languages = data.get("languages", [])
    if (not isinstance(languages, list) or len(languages) > MAX_LANGUAGES
            or not all(isinstance(c, str) and 0 < len(c) <= 64 for c in languages)):
        raise _fail(where, f"languages must be a list of at most {MAX_LANGUAGES} codes such as ['kor', 'eng']")
    quantization = data.get("quantization")
    if quantization is not None and (not isinstance(quantization, Mapping)
                                     or not isinstance(quantization.get("precision"), str)):
        raise _fail(where, 'quantization must be an object with a "precision" (written by ocrkit models quantize)')
    return color, languages, quantization


def parse_manifest(data: Any, root: Path, where: str, *, source: str = "store",
                   manifest_path: Path | None = None, name: str | None = None,
                   base_lookup: BaseLookup | None = None) -> ModelSet:
    """Validate a manifest (already decoded JSON) into a :class:`ModelSet` rooted at *root*.

    A manifest without a ``det`` section (a recogniser-only set, such as the catalogue's
    PP-OCR language families) names ``base`` sets; the first one *base_lookup* finds
    lends its detector, and its angle classifier unless the manifest has a ``cls`` key.
    Raises :class:`ModelCorruptError` naming *where* for anything malformed. Files
    are not checked here (see :func:`check_files`).
    """
    data = _check_format(data, where)
    base_names = _base_names(data, where)
    det_d = _section(data, "det", where, required=not base_names)
    rec_d = _section(data, "rec", where, required=True)
    cls_d = _section(data, "cls", where, required=False)
    assert rec_d is not None
    det = _det_spec(det_d, where) if det_d is not None else None
    rec = _rec_spec(rec_d, where)
    cls = _cls_spec(cls_d, where) if cls_d is not None else None
    set_name = str(name or data.get("name") or root.name)
    if det is None or ("cls" not in data and base_names):
        det, cls = _borrow_from_base(det, cls, "cls" in data, base_names, set_name, base_lookup)
    color, languages, quantization = _description(data, where)
    language = data.get("language")
    return ModelSet(
        name=set_name,
        root=root,
        det=det,
        rec=rec,
        cls=cls,
        family=str(data.get("family", "PP-OCR")),
        version=str(data.get("version", "")),
        variant=str(data.get("variant", "")),
        language=str(language) if language else None,
        languages=tuple(languages),
        color_order=color,
        source=source,
        manifest_path=manifest_path,
        quantization=dict(quantization) if quantization is not None else None,
        base=base_names,
    )


def read_manifest(set_dir: Path, source: str = "store", base_lookup: BaseLookup | None = None) -> ModelSet:
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
    return parse_manifest(data, set_dir, str(path), source=source, manifest_path=path, name=set_dir.name,
                          base_lookup=base_lookup)


def check_files(model_set: ModelSet) -> None:
    """Every file the set needs exists (names were already confined to the set directory)."""
    for path in model_set.model_files():
        if not path.is_file():
            raise ModelNotFoundError(
                f"model set {model_set.name!r}: file {path} is missing "
                f"(listed in {model_set.manifest_path or 'the set layout'}); re-import or re-download the set"
            )
