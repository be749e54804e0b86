"""The tesseract variables a caller may set: an allow-list of the ones that only
tune recognition, each with its type and bounds.

Tesseract has ~600 parameters and some of them name files it opens or writes
(``debug_file`` truncates any file, ``user_words_file=/dev/zero`` reads without
end, ``tessedit_load_sublangs`` loads unchecked traineddata), write images or
parameter dumps to the working directory, switch on training, debug output or
the ScrollView display, or size native work. Options come from HTTP requests
(``ocrkit serve``) as well as from local users, so nothing outside this list
reaches tesseract, and every value is checked against its bounds here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ocrkit.backend import InvalidOptionError, shown_value

__all__ = ["ALLOWED_VARIABLES", "OWN_OPTIONS", "MAX_CHARSET_LENGTH", "TesseractOptionError", "check_variables"]

#: Longest character list (whitelist, blacklist) accepted, in characters.
MAX_CHARSET_LENGTH = 4096


@dataclass(frozen=True)
class Variable:
    """One allowed variable: ``kind`` is ``bool``, ``int``, ``float`` or ``chars``."""

    kind: str
    low: float = 0.0
    high: float = 1.0


_BOOL = Variable("bool")
_UNIT = Variable("float", 0.0, 1.0)

ALLOWED_VARIABLES: Mapping[str, Variable] = {
    # which characters may be recognised
    "tessedit_char_whitelist": Variable("chars"),
    "tessedit_char_blacklist": Variable("chars"),
    "tessedit_char_unblacklist": Variable("chars"),
    "classify_bln_numeric_mode": _BOOL,
    # dictionaries (the ones inside the traineddata) and language model
    "load_system_dawg": _BOOL,
    "load_freq_dawg": _BOOL,
    "load_unambig_dawg": _BOOL,
    "load_punc_dawg": _BOOL,
    "load_number_dawg": _BOOL,
    "load_bigram_dawg": _BOOL,
    "tessedit_enable_dict_correction": _BOOL,
    "tessedit_enable_bigram_correction": _BOOL,
    "tessedit_enable_doc_dict": _BOOL,
    "language_model_penalty_non_freq_dict_word": _UNIT,
    "language_model_penalty_non_dict_word": _UNIT,
    "lstm_use_matrix": _BOOL,
    # output text shape
    "preserve_interword_spaces": _BOOL,
    "tosp_force_wordbreak_on_punct": _BOOL,
    "textord_space_size_is_variable": _BOOL,
    "textord_force_make_prop_words": _BOOL,
    # binarisation and inverted text
    "thresholding_method": Variable("int", 0, 2),
    "thresholding_window_size": Variable("float", 0.05, 2.0),
    "thresholding_kfactor": _UNIT,
    "thresholding_tile_size": Variable("float", 0.05, 2.0),
    "thresholding_smooth_kernel_size": _UNIT,
    "thresholding_score_fraction": _UNIT,
    "tessedit_do_invert": _BOOL,
    "invert_threshold": _UNIT,
    # layout analysis
    "textord_heavy_nr": _BOOL,
    "textord_min_linesize": Variable("float", 0.5, 5.0),
    "textord_tabfind_find_tables": _BOOL,
    "textord_tabfind_vertical_text": _BOOL,
    "textord_tabfind_force_vertical_text": _BOOL,
    "textord_tabfind_vertical_text_ratio": _UNIT,
    "textord_noise_rejwords": _BOOL,
    "textord_noise_rejrows": _BOOL,
    "enable_noise_removal": _BOOL,
    "paragraph_text_based": _BOOL,
    "edges_max_children_per_outline": Variable("int", 1, 100),
    # legacy engine (oem 0/2)
    "classify_enable_learning": _BOOL,
    "classify_enable_adaptive_matcher": _BOOL,
    "tessedit_minimal_rejection": _BOOL,
    "tessedit_zero_rejection": _BOOL,
}

#: Variables that ocrkit options set; the error names the option instead.
OWN_OPTIONS: Mapping[str, str] = {
    "tessedit_pageseg_mode": "psm",
    "tessedit_ocr_engine_mode": "oem",
    "user_defined_dpi": "dpi",
}

_TRUE, _FALSE = {"1", "true", "t", "yes", "on"}, {"0", "false", "f", "no", "off"}


class TesseractOptionError(InvalidOptionError):
    """An option value tesseract cannot use (unknown psm name, DPI out of range, a
    variable outside :data:`ALLOWED_VARIABLES`...); an :class:`ocrkit.InvalidOptionError`."""


def _refuse(name: str) -> TesseractOptionError:
    if name in OWN_OPTIONS:
        return TesseractOptionError(
            f"tesseract variable {name!r} is set through the option {OWN_OPTIONS[name]}=, not variables"
        )
    return TesseractOptionError(
        f"tesseract variable {shown_value(name)} cannot be set through ocrkit: only variables that tune recognition are "
        f"passed (none that names a file, or turns on debug, output or training); allowed: {', '.join(ALLOWED_VARIABLES)}"
    )


def _value(name: str, spec: Variable, raw: Any) -> str:
    """*raw* as the string tesseract parses, or :class:`TesseractOptionError`."""
    if spec.kind == "chars":
        if not isinstance(raw, str) or len(raw) > MAX_CHARSET_LENGTH or any(ord(c) < 32 and c != " " for c in raw):
            raise TesseractOptionError(
                f"tesseract variable {shown_value(name)} must be a string of at most {MAX_CHARSET_LENGTH} characters "
                f"without control characters, got {shown_value(raw)}"
            )
        return raw
    if spec.kind == "bool":
        word = str(raw).strip().lower() if isinstance(raw, (str, int)) else None
        if word in _TRUE or word in _FALSE:
            return "1" if word in _TRUE else "0"
        raise TesseractOptionError(f"tesseract variable {shown_value(name)} must be true or false (1/0), got {shown_value(raw)}")
    number: float | None = None
    if not isinstance(raw, bool):
        try:
            number = float(raw) if isinstance(raw, (int, float, str)) and len(str(raw)) <= 32 else None
        except ValueError:
            number = None
    if spec.kind == "int" and number is not None and not number.is_integer():
        number = None
    if number is None or not math.isfinite(number) or not spec.low <= number <= spec.high:
        what = "a whole number" if spec.kind == "int" else "a number"
        low, high = (int(spec.low), int(spec.high)) if spec.kind == "int" else (spec.low, spec.high)
        raise TesseractOptionError(f"tesseract variable {shown_value(name)} must be {what} within {low}..{high}, got {shown_value(raw)}")
    return str(int(number)) if spec.kind == "int" else repr(number)


def check_variables(value: Any) -> dict[str, str]:
    """The caller's ``variables`` option as tesseract's strings: allowed names and
    checked values only (:class:`TesseractOptionError` otherwise)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TesseractOptionError(f"variables must be a dict of tesseract variable names to values, got {shown_value(value)}")
    out: dict[str, str] = {}
    for name, raw in value.items():
        spec = ALLOWED_VARIABLES.get(name) if isinstance(name, str) else None
        if spec is None:
            raise _refuse(name)
        out[name] = _value(name, spec, raw)
    return out
