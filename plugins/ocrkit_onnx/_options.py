"""The backend's options: their declarations (``ocrkit backends -v``) and validation
into one frozen :class:`Settings` the pipeline reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ocrkit.backend import InvalidOptionError, OptionSpec, shown_value

__all__ = ["OPTIONS", "Settings", "OnnxOptionError", "parse_options"]


class OnnxOptionError(InvalidOptionError):
    """An ONNX backend option with a value of the wrong type or out of range
    (an :class:`ocrkit.InvalidOptionError`)."""


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("providers", "list[str]", ["cpu"],
               "execution providers in priority order: cpu, cuda, tensorrt, coreml, directml, openvino "
               "(or full onnxruntime names); CPU is always added as the fallback"),
    OptionSpec("intra_op_threads", "int", 0,
               "threads inside one model call (0 = automatic: the detector uses every core; the "
               "classifier and recogniser one each, their batches spread over `workers` threads; a call "
               "with fewer lines than workers reads them on a second recogniser session using every core)"),
    OptionSpec("inter_op_threads", "int", 1, "threads running independent graph nodes (rarely useful)"),
    OptionSpec("flush_denormals", "bool", True,
               "compute with denormal floats flushed to zero (the detector runs ~3x faster on x86); "
               "set on the calling thread only for the duration of each model call"),
    OptionSpec("workers", "int", 0,
               "threads sharing the work of one call: the lines of each page (recognize(list) also "
               "detects the next page alongside), or all lines of layout='line' (0 = one per core; "
               "1 = everything on the calling thread)"),
    OptionSpec("det_limit_side_len", "int", None,
               "detection resize limit in pixels (default: the model set's, 960)"),
    OptionSpec("det_limit_type", "str", None,
               "'max': longest side <= limit (shrink big pages); 'min': shortest side >= limit (enlarge)"),
    OptionSpec("det_max_side_len", "int", 2000,
               "hard cap on the detector input's longest side (its memory grows ~300 MB per megapixel)"),
    OptionSpec("det_glyph_px", "float", 7.5,
               "a page whose glyphs would be smaller than this (pixels) at det_limit_side_len is shown to the "
               "detector with glyphs 1.4x this, up to det_max_side_len (small text on large scans; 0 = a fixed "
               "size; an explicit det_limit_side_len is a fixed size too)"),
    OptionSpec("det_thresh", "float", 0.3, "probability threshold of the text map"),
    OptionSpec("det_box_thresh", "float", 0.5, "minimum mean probability of a kept text box"),
    OptionSpec("det_unclip_ratio", "float", 1.6, "how far boxes grow around the detected text kernel"),
    OptionSpec("use_angle_cls", "bool", True, "classify line orientation and turn upside-down lines (page layout)"),
    OptionSpec("cls_thresh", "float", 0.9, "minimum probability to turn a line by 180 degrees"),
    OptionSpec("rec_batch_size", "int", None,
               "most text lines per recogniser call (width-sorted; also capped at 2560 padded pixels). "
               "Default: 1 on the CPU provider (lines spread over `workers` threads; batching only adds "
               "padding and allocations there), 8 when a GPU or other accelerator provider leads"),
    OptionSpec("rec_min_width", "int", None,
               "pad narrower line crops to this width at model height (default: the set's rec.min_width)"),
    OptionSpec("text_score", "float", 0.5,
               "page layout: drop detected lines whose recognition confidence is lower"),
    OptionSpec("space_threshold", "float", None,
               "a word break where the space class reaches this probability between two characters "
               "though blank won (recovers spaces PP-OCRv4 drops; default: the set's rec.space_threshold, "
               "0.15; 0 = off)"),
    OptionSpec("telemetry", "bool", False,
               "leave onnxruntime's usage telemetry on (off by default: onnxruntime 1.32 otherwise keeps an "
               "event store and a device id under ~/.cache/Microsoft/DeveloperTools/.onnxruntime)"),
    OptionSpec("word_gap", "float", None,
               "also break words where characters are this many character pitches apart "
               "(default: the set's rec.word_gap, off; for recognisers without a space class)"),
)

_DEFAULTS = {o.name: o.default for o in OPTIONS}

#: Bounds on what options make the backend allocate; options come from HTTP requests
#: too (``ocrkit serve``), so none may size native work without limit.
#: The detector needs ~300 MB per megapixel of input: 4096 px a side is ~5 GB at most.
MAX_DET_SIDE = 4096
#: Threads one engine may start (per session, and workers).
MAX_THREADS = 256
#: Providers in one list (there are about a dozen).
MAX_PROVIDERS = 16


@dataclass(frozen=True)
class Settings:
    providers: tuple[str, ...]
    intra_op_threads: int
    inter_op_threads: int
    workers: int
    flush_denormals: bool
    det_limit_side_len: int | None
    det_limit_type: str | None
    det_max_side_len: int
    det_glyph_px: float
    det_thresh: float
    det_box_thresh: float
    det_unclip_ratio: float
    use_angle_cls: bool
    cls_thresh: float
    rec_batch_size: int | None
    rec_min_width: int | None
    text_score: float
    space_threshold: float | None
    word_gap: float | None
    telemetry: bool = False


def _int(name: str, value: Any, lo: int, hi: int | None = None, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            else:
                raise TypeError
        except TypeError:
            raise OnnxOptionError(f"option {name} must be an integer, got {shown_value(value)}") from None
    if value < lo or (hi is not None and value > hi):
        bound = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise OnnxOptionError(f"option {name} must be {bound}, got {value}")
    return int(value)


def _float(name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool):
        raise OnnxOptionError(f"option {name} must be a number, got {shown_value(value)}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise OnnxOptionError(f"option {name} must be a number, got {shown_value(value)}") from None
    if not (lo <= out <= hi):
        raise OnnxOptionError(f"option {name} must be between {lo} and {hi}, got {out}")
    return out


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise OnnxOptionError(f"option {name} must be true or false, got {shown_value(value)}")


def _providers(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Sequence[Any] = [v for v in value.replace(";", ",").split(",") if v.strip()]
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise OnnxOptionError(f"option providers must be a list of names, got {shown_value(value)}")
    if len(items) > MAX_PROVIDERS or not all(isinstance(v, str) and 0 < len(v.strip()) <= 64 for v in items):
        raise OnnxOptionError(f"option providers must be a list of at most {MAX_PROVIDERS} names of 1-64 characters, "
                              f"got {shown_value(value)}")
    return tuple(v.strip() for v in items) or ("cpu",)


def parse_options(options: Mapping[str, Any]) -> Settings:
    """Validate user options (names were checked by the core) into :class:`Settings`."""
    o = {**_DEFAULTS, **{k: v for k, v in options.items()}}
    limit_type = o["det_limit_type"]
    if limit_type is not None and limit_type not in ("max", "min"):
        raise OnnxOptionError(f"option det_limit_type must be 'max' or 'min', got {shown_value(limit_type)}")
    return Settings(
        providers=_providers(o["providers"]),
        intra_op_threads=_int("intra_op_threads", o["intra_op_threads"], 0, MAX_THREADS),  # type: ignore[arg-type]
        inter_op_threads=_int("inter_op_threads", o["inter_op_threads"], 0, MAX_THREADS),  # type: ignore[arg-type]
        workers=_int("workers", o["workers"], 0, MAX_THREADS),  # type: ignore[arg-type]
        flush_denormals=_bool("flush_denormals", o["flush_denormals"]),
        det_limit_side_len=_int("det_limit_side_len", o["det_limit_side_len"], 32, MAX_DET_SIDE, allow_none=True),
        det_limit_type=limit_type,
        det_max_side_len=_int("det_max_side_len", o["det_max_side_len"], 32, MAX_DET_SIDE),  # type: ignore[arg-type]
        det_glyph_px=_float("det_glyph_px", o["det_glyph_px"], 0.0, 100.0),
        det_thresh=_float("det_thresh", o["det_thresh"], 0.0, 1.0),
        det_box_thresh=_float("det_box_thresh", o["det_box_thresh"], 0.0, 1.0),
        det_unclip_ratio=_float("det_unclip_ratio", o["det_unclip_ratio"], 0.0, 10.0),
        use_angle_cls=_bool("use_angle_cls", o["use_angle_cls"]),
        cls_thresh=_float("cls_thresh", o["cls_thresh"], 0.0, 1.0),
        rec_batch_size=_int("rec_batch_size", o["rec_batch_size"], 1, 1024, allow_none=True),
        rec_min_width=_int("rec_min_width", o["rec_min_width"], 8, 4096, allow_none=True),
        text_score=_float("text_score", o["text_score"], 0.0, 1.0),
        space_threshold=None if o["space_threshold"] is None else _float("space_threshold", o["space_threshold"],
                                                                         0.0, 1.0),
        word_gap=None if o["word_gap"] is None else _float("word_gap", o["word_gap"], 0.0, 100.0),
        telemetry=_bool("telemetry", o["telemetry"]),
    )
