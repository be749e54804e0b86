"""The plugin's options (``--ocrkit-backend``, ``--ocrkit-model``, ``--ocrkit-option``,
``--ocrkit-isolation``) and how they and ``-l`` become one engine configuration.

Nothing here loads a model: the configuration is checked against the registry and
model discovery only, so a wrong name fails before OCRmyPDF touches a page.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel

from ... import BackendInfo, ModelRecord, get_registry
from ..._languages import choose_model, installed_languages, parse_languages
from ...errors import ModelNotFoundError, OcrkitError, UnknownOptionError
from ...store import ModelStore

__all__ = [
    "ENGINE_NAME",
    "DEFAULT_BACKEND",
    "OcrkitOptions",
    "EngineConfig",
    "add_arguments",
    "engine_config",
    "all_languages",
]

#: The value of OCRmyPDF's ``--ocr-engine`` that selects this plugin.
ENGINE_NAME = "ocrkit"
DEFAULT_BACKEND = "tesseract"
ISOLATIONS = ("none", "process")


class OcrkitOptions(BaseModel):
    """``options.ocrkit``: the plugin's options as OCRmyPDF's option registry builds them
    from ``ocrkit_*`` command line or ``ocrmypdf.ocr()`` keyword arguments."""

    backend: str = DEFAULT_BACKEND
    model: str | None = None
    option: list[str] = []
    isolation: Literal["none", "process"] = "none"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``ocrkit`` to ``--ocr-engine``'s choices and the plugin's own options.

    OCRmyPDF fixes ``--ocr-engine``'s choices; engine plugins extend the action's
    list, as its published engine plugins do.
    """
    for action in parser._actions:
        if action.dest == "ocr_engine" and action.choices is not None and ENGINE_NAME not in action.choices:
            action.choices = [*action.choices, ENGINE_NAME]
    group = parser.add_argument_group("ocrkit", "OCR with any ocrkit backend (--ocr-engine ocrkit)")
    group.add_argument("--ocrkit-backend", dest="ocrkit_backend", metavar="NAME", default=DEFAULT_BACKEND,
                       help=f"ocrkit backend: tesseract, onnx or a plugin's (default: {DEFAULT_BACKEND}; "
                       "see `ocrkit backends`)")
    group.add_argument("--ocrkit-model", dest="ocrkit_model", metavar="NAME",
                       help="model to load (default: the one covering -l, else the backend's default)")
    group.add_argument("--ocrkit-option", dest="ocrkit_option", action="append", default=[],
                       metavar="KEY=VALUE", help="backend option, repeatable (see `ocrkit backends -v`)")
    group.add_argument("--ocrkit-isolation", dest="ocrkit_isolation", choices=ISOLATIONS, default="none",
                       help="process: run the backend in a child process, so a native crash is an error")


@dataclass(frozen=True)
class EngineConfig:
    """Everything ``ocrkit.open`` needs; ``key`` identifies one engine in a process."""

    backend: str
    model: str | None
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    isolation: str = "none"
    key: str = ""
    info: BackendInfo | None = field(default=None, hash=False, compare=False, repr=False)


def _model_for_languages(info: BackendInfo, records: Sequence[ModelRecord], languages: Sequence[str]) -> str | None:
    """The model that reads every language of ``-l``: the core's ``lang=`` routing, so
    ``ocrmypdf -l fra`` picks what ``ocrkit.open(backend, lang="fra")`` does. A backend
    whose models declare no language at all gets its default model (OCRmyPDF always
    passes ``-l``, ``eng`` when the user gave none)."""
    if not any(r.languages for r in records):
        return None
    return choose_model(info, records, parse_languages(list(languages)))


def _check_model_name(info: BackendInfo, records: Sequence[ModelRecord], model: str) -> None:
    """An explicit ``--ocrkit-model`` that discovery does not know fails now, not on page 1
    (a backend that discovers nothing decides itself at load time)."""
    names = sorted({r.name for r in records})
    if not names:
        return
    parts = model.split("+") if "languages" in info.capabilities else [model]
    missing = [p for p in parts if p not in names]
    if missing:
        raise ModelNotFoundError(f"backend {info.name!r} has no model {', '.join(missing)!s}", names)


@lru_cache(maxsize=32)
def _resolve(backend: str, model: str | None, pairs: tuple[str, ...], isolation: str,
             languages: tuple[str, ...]) -> EngineConfig:
    registry = get_registry()
    info = registry.require(backend)
    if isolation not in ISOLATIONS:
        raise OcrkitError(f"unknown isolation {isolation!r}; use one of: {', '.join(ISOLATIONS)}")
    options = info.parse_options(pairs)
    unknown = set(options) - info.option_names
    if unknown:
        raise UnknownOptionError(backend, unknown, info.option_names)
    records = registry.discover(backend, ModelStore().path(backend, create=False))
    if model is None:
        model = _model_for_languages(info, records, languages)
    else:
        _check_model_name(info, records, model)
    key = json.dumps([backend, model, options, isolation], sort_keys=True, default=str)
    return EngineConfig(backend, model, options, isolation, key, info)


def engine_config(options: Any) -> EngineConfig:
    """The engine configuration of an OCRmyPDF job (its ``OcrOptions``).

    :raises OcrkitError: unknown backend, bad option, no model for ``-l``.
    """
    ours: OcrkitOptions = options.ocrkit
    pairs = tuple(ours.option)
    return _resolve(ours.backend, ours.model, pairs, ours.isolation, tuple(options.languages or ()))


def all_languages(config: EngineConfig) -> frozenset[str]:
    """Every ``-l`` code some installed model of the backend reads (empty: the backend
    does not say), as ``ocrkit languages`` lists them."""
    records = get_registry().discover(config.backend, ModelStore().path(config.backend, create=False))
    return frozenset(installed_languages(records))
