"""A read request, validated once: which engine (backend, model, options, isolation)
and what to read of each document (pages, dpi, password, layout).

Every number and structure a user or a client can send is bounded here, the same for
the command, the server, batch and the library: the dpi within [MIN_DPI, MAX_DPI], page
numbers and selections (:mod:`._selection`), option values' size and JSON nesting.
A bad value is one :class:`InvalidOptionError` line, raised when the spec is made.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._json_bounds import MAX_JSON_DEPTH, json_depth
from .._languages import parse_languages, route
from .._records import LAYOUTS, MAX_OPTION_CHARS, BackendInfo
from .._registry import Registry, get_registry
from ..analysis import AnalysisSettings
from ..errors import InvalidOptionError, OcrkitError, UnknownOptionError
from ._selection import ALL, PageSelection, parse_pages
from ._sources import DEFAULT_DPI, check_dpi

__all__ = ["ReadSpec", "ISOLATION_NAMES", "EngineKey", "MAX_OPTION_DEPTH", "MAX_OPTION_TEXT"]

#: The engine kinds ``isolation=`` names (``ocrkit.open`` maps each to its engine class).
ISOLATION_NAMES = ("none", "process")
#: Bounds on backend option values: how deeply lists and dicts nest, and how long one
#: ``KEY=VALUE`` text may be (a JSON dict option is parsed from it); the same bounds
#: as ``OptionSpec.parse`` applies to each value.
MAX_OPTION_DEPTH = MAX_JSON_DEPTH
MAX_OPTION_TEXT = MAX_OPTION_CHARS

#: What identifies an engine: (backend, model, options as sorted JSON, isolation).
EngineKey = tuple[str, "str | None", str, str]


@dataclass(frozen=True)
class ReadSpec:
    """How to read documents: the engine to read them with and what to read of each.

    ``pages`` accepts ``"1-3,7"``, a list of page numbers, ``None`` (every page) or a
    :class:`PageSelection`, and is stored as a :class:`PageSelection`. ``lang`` accepts
    ``"fra+eng"`` or a list of codes (a ``lang`` backend option counts as it) and is
    stored as a tuple of Tesseract-style codes; :meth:`from_arguments` routes it to the
    model that reads it (docs/languages.md), the engine pool checks it again at open.
    Made once per request (a command line, an HTTP request, a batch) and passed down unchanged.
    """

    backend: str
    model: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    isolation: str = "none"
    pages: PageSelection = ALL
    dpi: float = DEFAULT_DPI
    password: str | None = None
    layout: str = "page"
    lang: tuple[str, ...] | None = None
    #: page analysis (orientation, deskew) before recognition; a mapping is read as settings
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)

    def __post_init__(self) -> None:
        """Every check that needs no registry; normalises ``pages``, ``dpi`` and ``options``."""
        if not isinstance(self.backend, str) or not self.backend:
            raise InvalidOptionError(f"backend must be a backend name such as 'tesseract', got {self.backend!r}")
        if self.model is not None and not isinstance(self.model, str):
            raise InvalidOptionError(f"model must be a model name, got {self.model!r}")
        if self.isolation not in ISOLATION_NAMES:
            raise InvalidOptionError(f"unknown isolation {self.isolation!r}; use one of {list(ISOLATION_NAMES)}")
        if not isinstance(self.layout, str) or not self.layout:
            raise InvalidOptionError(f"layout must be a name such as 'page' or 'line', got {self.layout!r}")
        if self.password is not None and not isinstance(self.password, str):
            raise InvalidOptionError("password must be a string")
        if not isinstance(self.options, Mapping):
            raise InvalidOptionError(f"options must be a mapping of option names to values, got {type(self.options).__name__}")
        for name, value in self.options.items():
            _check_option_value(name, value)
        options = dict(self.options)
        if "lang" in options:  # the backend option and lang= are one thing, routed by the core
            if self.lang is not None:
                raise InvalidOptionError("lang is given twice (as lang and as the backend option lang); give it once")
            object.__setattr__(self, "lang", options.pop("lang"))
        if self.lang is not None:
            object.__setattr__(self, "lang", parse_languages(self.lang))
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "analysis", _analysis_settings(self.analysis))
        object.__setattr__(self, "pages", parse_pages(self.pages))
        object.__setattr__(self, "dpi", check_dpi(self.dpi))

    @classmethod
    def from_arguments(
        cls,
        backend: str,
        model: str | None = None,
        option_pairs: Sequence[str] = (),
        *,
        registry: Registry | None = None,
        **fields: Any,
    ) -> ReadSpec:
        """A spec from what a command line or an HTTP query sends: ``KEY=VALUE`` option
        strings typed by the backend's declared options; checked against the backend
        (:meth:`check`)."""
        info = (registry or get_registry()).require(backend)
        for pair in option_pairs:
            _check_option_text(pair)
        spec = cls(backend, model, info.parse_options(option_pairs), **fields)
        spec.check(registry)
        if spec.lang is not None:  # refused now, before a page is read, when nothing reads it
            spec = spec.replace(model=route(backend, spec.lang, spec.model, registry=registry))
        return spec

    def check(self, registry: Registry | None = None) -> BackendInfo:
        """What needs the backend: it is known, it declares every option, it knows the layout."""
        info = (registry or get_registry()).require(self.backend)
        unknown = set(self.options) - info.option_names
        if unknown:
            raise UnknownOptionError(self.backend, unknown, info.option_names)
        if self.layout not in LAYOUTS and self.layout not in info.capabilities:
            known = sorted(set(LAYOUTS) | {c for c in info.capabilities if c == "detect"})
            raise OcrkitError(f"unknown layout {self.layout!r} for backend {self.backend!r}; use one of {known}")
        return info

    def engine_key(self) -> EngineKey:
        """What identifies the engine this spec reads with (hashable; option values by their JSON).
        A ``lang`` not yet routed to a model stands for the model it will route to."""
        model = self.model if self.model is not None or self.lang is None else "lang:" + "+".join(self.lang)
        return self.backend, model, json.dumps(self.options, sort_keys=True, default=str), self.isolation

    def replace(self, **changes: Any) -> ReadSpec:
        """A copy with *changes*, checked again."""
        return dataclasses.replace(self, **changes)


def _check_option_text(pair: str) -> None:
    if len(pair) > MAX_OPTION_TEXT:
        raise InvalidOptionError(f"backend option {pair[:40]!r}... is {len(pair)} characters; at most {MAX_OPTION_TEXT}")
    if json_depth(pair.partition("=")[2]) > MAX_OPTION_DEPTH:
        raise InvalidOptionError(
            f"backend option {pair.partition('=')[0]!r}: JSON nested deeper than {MAX_OPTION_DEPTH} levels")


def _check_option_value(name: object, value: object) -> None:
    """An option value a backend can be given: lists and dicts at most MAX_OPTION_DEPTH deep."""
    if not isinstance(name, str):
        raise InvalidOptionError(f"option names are strings, got {name!r}")
    level: list[object] = [value]
    for _ in range(MAX_OPTION_DEPTH + 1):
        inner: list[object] = []
        for item in level:
            if isinstance(item, Mapping):
                inner.extend(item.values())
            elif isinstance(item, (list, tuple, set, frozenset)):
                inner.extend(item)
        if not inner:
            return
        level = inner
    raise InvalidOptionError(f"option {name!r} nests more than {MAX_OPTION_DEPTH} levels deep")


def _analysis_settings(value: object) -> AnalysisSettings:
    """``ReadSpec.analysis`` as settings: given as settings, a mapping of them, or ``False`` (off)."""
    if isinstance(value, AnalysisSettings):
        return value
    if value is False:
        return AnalysisSettings.off()
    if isinstance(value, Mapping):
        return AnalysisSettings.from_mapping(value)
    raise InvalidOptionError(f"analysis must be AnalysisSettings, a mapping of its settings or False, got {value!r:.60}")
