"""The backend's options: what ``ocrkit.open("tesseract", ...)`` accepts and how
each value is checked before tesseract sees it.

Tesseract takes bad values silently (an unknown page segmentation mode falls back,
a DPI outside 70..2400 is ignored), so every value is checked here and a wrong one
raises :class:`TesseractOptionError` with the accepted values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocrkit.backend import OptionSpec, default_workers, shown_value

from ._variables import TesseractOptionError, check_variables

__all__ = [
    "TesseractOptionError",
    "TesseractOptions",
    "OPTION_SPECS",
    "PSM_NAMES",
    "OEM_NAMES",
    "PSM_SINGLE_LINE",
    "OSD_PSMS",
    "ONE_LINE_PSMS",
    "DEFAULT_LANG",
    "parse_options",
    "parse_languages",
]

DEFAULT_LANG = "eng"

#: tesseract's PageSegMode enum (stable since tesseract 3.02).
PSM_NAMES: dict[str, int] = {
    "osd_only": 0,
    "auto_osd": 1,
    "auto_only": 2,
    "auto": 3,
    "single_column": 4,
    "single_block_vert_text": 5,
    "single_block": 6,
    "single_line": 7,
    "single_word": 8,
    "circle_word": 9,
    "single_char": 10,
    "sparse_text": 11,
    "sparse_text_osd": 12,
    "raw_line": 13,
}
PSM_AUTO = PSM_NAMES["auto"]
PSM_SINGLE_LINE = PSM_NAMES["single_line"]
#: Modes that run orientation and script detection, which needs ``osd.traineddata``.
OSD_PSMS = frozenset({PSM_NAMES["osd_only"], PSM_NAMES["auto_osd"], PSM_NAMES["sparse_text_osd"]})
#: Modes that read the whole image as one line (or one word).
ONE_LINE_PSMS = frozenset({PSM_NAMES["single_line"], PSM_NAMES["single_word"], PSM_NAMES["raw_line"]})

#: tesseract's OcrEngineMode enum, with the CLI's wording as aliases.
OEM_NAMES: dict[str, int] = {
    "legacy": 0,
    "tesseract_only": 0,
    "lstm": 1,
    "lstm_only": 1,
    "legacy+lstm": 2,
    "combined": 2,
    "tesseract_lstm_combined": 2,
    "default": 3,
}
OEM_DEFAULT = OEM_NAMES["default"]
#: Engine modes that need the legacy (non-LSTM) components of a traineddata.
LEGACY_OEMS = frozenset({0, 2})

#: Most tesseract instances in one engine's pool: each costs its own memory (~15-40 MB,
#: all initialised at open when variables are set), and more than the cores gain nothing.
MAX_POOL_SIZE = 64

#: tesseract's credible resolution range; values outside it are silently ignored.
MIN_DPI, MAX_DPI = 70, 2400

_LANG_CODE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_][A-Za-z0-9_.\-]*)?$")

OPTION_SPECS: tuple[OptionSpec, ...] = (
    OptionSpec("lang", "str", DEFAULT_LANG, 'languages joined by "+", e.g. "eng+deu" (same as model=)'),
    OptionSpec(
        "psm", "int|str", None,
        "page segmentation mode, number (0-13) or name (auto, single_line, sparse_text...); "
        'default 3 (auto) for layout="page", 7 (single_line) for layout="line"',
    ),
    OptionSpec("oem", "int|str", "default", "OCR engine mode: legacy, lstm, legacy+lstm, default (or 0-3)"),
    OptionSpec(
        "variables", "dict[str,str]", None,
        "tesseract variables set at Init, only those that tune recognition (docs/backends/tesseract.md lists them), "
        "e.g. {'tessedit_char_whitelist': '0123456789'}",
    ),
    OptionSpec("dpi", "int", None, "image resolution to assume, 70..2400 (tesseract --dpi; overrides the file's)"),
    OptionSpec("pool_size", "int", None, "tesseract instances recognising in parallel (default: CPU count)"),
)


@dataclass(frozen=True)
class TesseractOptions:
    """Checked options; ``psm`` is ``None`` when the caller did not choose one."""

    languages: tuple[str, ...]
    psm: int | None = None
    oem: int = OEM_DEFAULT
    variables: Mapping[str, str] = field(default_factory=dict)
    dpi: int | None = None
    pool_size: int = 1

    @property
    def lang(self) -> str:
        """The ``+``-joined language spec tesseract's Init takes."""
        return "+".join(self.languages)

    def psm_for(self, layout: str) -> int:
        """The page segmentation mode for *layout*: the caller's psm wins."""
        if self.psm is not None:
            return self.psm
        return PSM_SINGLE_LINE if layout == "line" else PSM_AUTO

    def init_variables(self) -> dict[str, str]:
        """Variables passed to Init: the caller's, plus the DPI hint (``user_defined_dpi``
        is what the CLI's ``--dpi`` sets)."""
        out = dict(self.variables)
        if self.dpi is not None:
            out["user_defined_dpi"] = str(self.dpi)
        return out


def _choice(option: str, value: Any, names: Mapping[str, int], numbers: range) -> int:
    if isinstance(value, bool):
        raise TesseractOptionError(f"{option} must be a number or a name, not {shown_value(value)}")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4):
        number = int(value)
        if number in numbers:
            return number
    elif isinstance(value, str):
        key = re.sub(r"[\s\-]+", "_", value.strip().lower())
        if key in names:
            return names[key]
    accepted = ", ".join(f"{n} ({i})" for n, i in sorted(names.items(), key=lambda kv: kv[1]))
    raise TesseractOptionError(f"unknown {option} {shown_value(value)}; use one of: {accepted}")


def parse_languages(spec: str | Sequence[str]) -> tuple[str, ...]:
    """``"eng+deu"`` or ``["eng", "deu"]`` -> ``("eng", "deu")``, checked and de-duplicated."""
    if isinstance(spec, str):
        parts = spec.split("+")
    elif isinstance(spec, Sequence):
        parts = list(spec)
    else:
        raise TesseractOptionError(
            f"languages must be a string such as 'eng+deu' or a list of codes, got {shown_value(spec)}"
        )
    languages: list[str] = []
    for raw in parts:
        if not isinstance(raw, str):
            raise TesseractOptionError(f"language codes must be strings, got {shown_value(raw)}")
        code = raw.strip()
        if code.startswith("~"):
            raise TesseractOptionError(
                f"language {shown_value(code)}: the '~' (do-not-load) syntax is not supported; list only the languages to load"
            )
        if not _LANG_CODE.match(code) or ".." in code:
            raise TesseractOptionError(
                f"invalid tesseract language {shown_value(code)} in {shown_value(spec)}; give codes such as 'eng' or 'eng+deu' "
                "(see `ocrkit models list --backend tesseract`)"
            )
        if code not in languages:
            languages.append(code)
    if not languages:
        raise TesseractOptionError(f"no language in {shown_value(spec)}; give e.g. 'eng' or 'eng+deu'")
    return tuple(languages)


def _positive_int(option: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TesseractOptionError(f"{option} must be a positive integer, got {shown_value(value)}")
    return value


def _pool_size(value: Any) -> int:
    size = _positive_int("pool_size", value)
    if size > MAX_POOL_SIZE:
        raise TesseractOptionError(f"pool_size must be within 1..{MAX_POOL_SIZE}, got {size}")
    return size


def parse_options(model: str | None, options: Mapping[str, Any]) -> TesseractOptions:
    """Check the user's *model* and *options*; the language comes from either."""
    lang_option = options.get("lang")
    if model is not None and lang_option is not None and parse_languages(model) != parse_languages(lang_option):
        raise TesseractOptionError(
            f"model={shown_value(model)} and lang={shown_value(lang_option)} disagree; give the languages once"
        )
    languages = parse_languages(model if model is not None else (DEFAULT_LANG if lang_option is None else lang_option))
    psm, oem = options.get("psm"), options.get("oem")
    dpi = options.get("dpi")
    if dpi is not None:
        dpi = _positive_int("dpi", dpi)
        if not MIN_DPI <= dpi <= MAX_DPI:
            raise TesseractOptionError(f"dpi must be within {MIN_DPI}..{MAX_DPI} (tesseract ignores others), got {dpi}")
    pool_size = options.get("pool_size")
    return TesseractOptions(
        languages=languages,
        psm=None if psm is None else _choice("psm", psm, PSM_NAMES, range(14)),
        oem=OEM_DEFAULT if oem is None else _choice("oem", oem, OEM_NAMES, range(4)),
        variables=check_variables(options.get("variables")),
        dpi=dpi,
        pool_size=default_workers() if pool_size is None else _pool_size(pool_size),
    )
