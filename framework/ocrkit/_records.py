"""Plain records that cross the hook boundary: what a backend is, which models exist,
and the handle of a loaded model."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ._json_bounds import MAX_JSON_DEPTH, loads_bounded
from .errors import InvalidOptionError

__all__ = ["OptionSpec", "BackendInfo", "ModelRecord", "ModelHandle", "HandleState", "SOURCE_PRECEDENCE", "LAYOUTS",
           "MAX_LINE_ASPECT", "MAX_OPTION_CHARS", "shown_value"]

#: Layouts every backend must support. ``"page"``: find the text on the page;
#: ``"line"``: the image is one text line, skip segmentation/detection.
LAYOUTS = ("page", "line")

#: Where a model was found, best first. Discovery results are ordered by this,
#: so the copy in the store wins over the same model found elsewhere.
SOURCE_PRECEDENCE = ("store", "env", "package", "system", "other")

#: Widest text line a backend reads as it is, in line heights. No real line is
#: longer; beyond it backends squeeze the image horizontally, so that a 1 x 2000
#: pixel strip (which a line recogniser would scale to its model height, i.e. to
#: tens of thousands of pixels) costs milliseconds, not minutes or gigabytes.
MAX_LINE_ASPECT = 160.0


#: Longest option value taken from a command line or a request, in characters.
MAX_OPTION_CHARS = 65536

def shown_value(value: Any, limit: int = 60) -> str:
    """*value* as an error message shows it: its repr, cut to about *limit* characters
    (an option value can be 65,536 characters; its error stays one short line)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 20]}...({len(text)} characters)"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert_one(value: str, type_name: str) -> Any:
    """*value* as *type_name*; ``ValueError`` when it is not one."""
    type_name = type_name.strip().replace(" ", "")
    if type_name == "int":
        return int(value)
    if type_name == "float":
        return float(value)
    if type_name == "bool":
        if value.lower() not in _TRUE | _FALSE:
            raise ValueError(value)
        return value.lower() in _TRUE
    if type_name.startswith("list"):
        return [v for v in value.replace("+", ",").split(",") if v]
    if type_name.startswith("dict"):
        if value.lstrip().startswith("{"):
            parsed = loads_bounded(value)
            if not isinstance(parsed, dict):
                raise ValueError(value)
            return parsed
        pairs = [p.partition(":") for p in value.split(",") if p]
        if any(not sep for _, sep, _ in pairs):
            raise ValueError(value)
        return {k: v for k, _, v in pairs}
    return value


@dataclass(frozen=True)
class OptionSpec:
    """One option a backend accepts in ``ocrkit.open(backend, **options)``."""

    name: str
    type: str  # human-readable: "str", "int", "float", "bool", "list[str]", ...
    default: Any = None
    help: str = ""

    def parse(self, value: str) -> Any:
        """A command-line string (``-o KEY=VALUE``) as a value of the declared type.

        ``int``, ``float``, ``bool`` (1/0, true/false, yes/no, on/off),
        ``list[...]`` (comma or ``+`` separated), ``dict[...]`` (JSON or
        ``key:value,key:value``), anything else as the string; ``int|str`` tries
        each alternative in order. Raises :class:`InvalidOptionError` otherwise,
        and for a value longer than :data:`MAX_OPTION_CHARS` or JSON nested deeper
        than :data:`~ocrkit._json_bounds.MAX_JSON_DEPTH` levels.
        """
        if len(value) > MAX_OPTION_CHARS:
            raise InvalidOptionError(
                f"option {self.name}: the value has {len(value)} characters; at most {MAX_OPTION_CHARS} are accepted"
            )
        problem = ""
        for alternative in self.type.split("|"):
            try:
                return _convert_one(value, alternative)
            except json.JSONDecodeError as exc:
                problem = f": {exc.msg}"
            except ValueError:
                continue
        hint = f" (JSON nested at most {MAX_JSON_DEPTH} levels, or key:value,key:value)" if "dict" in self.type else ""
        raise InvalidOptionError(f"option {self.name}={shown_value(value)}: expected a value of type {self.type}{hint}{problem}")


@dataclass(frozen=True)
class BackendInfo:
    """What a backend says about itself (hook ``ocrkit_describe_backend``).

    ``capabilities`` uses these words: ``page`` and ``line`` (layouts), ``words``
    (word boxes), ``polygons``, ``blocks``, ``languages`` (multi-language),
    ``detect`` (detection-only layout), ``gpu`` (accelerator providers),
    ``threadsafe`` (recognize may be called from several threads at once),
    ``layout`` (the backend orders its lines and groups them into paragraphs itself;
    without it the core's reading order and structure apply, see :mod:`ocrkit.analysis`).
    With ``languages``, ``lang=`` may combine several models into one load, as
    ``model="eng+deu"`` (tesseract); without it one model must read every
    requested language (see :mod:`ocrkit.languages`). ``default_model`` is what a
    load without ``model=`` uses; ``lang=`` prefers it when it reads the languages.
    ``requires`` lists importable modules the backend needs; a missing one makes
    the backend "unavailable" (with ``install_hint``) instead of broken.
    """

    name: str
    version: str
    description: str = ""
    capabilities: frozenset[str] = frozenset({"page", "line"})
    model_formats: tuple[str, ...] = ()
    options: tuple[OptionSpec, ...] = ()
    requires: tuple[str, ...] = ()
    install_hint: str = ""
    default_model: str | None = None

    @property
    def option_names(self) -> frozenset[str]:
        return frozenset(o.name for o in self.options)

    def parse_options(self, pairs: Sequence[str]) -> dict[str, Any]:
        """``["psm=6", "lang=deu"]`` -> ``{"psm": 6, ...}``, each typed by its :class:`OptionSpec`.

        ``-`` in keys becomes ``_``. Undeclared keys are passed on as strings: the
        engine rejects them with the list of accepted options.
        """
        specs = {o.name: o for o in self.options}
        options: dict[str, Any] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key = key.strip().replace("-", "_")
            if not sep or not key:
                raise InvalidOptionError(f"backend option {pair!r} must look like KEY=VALUE")
            options[key] = specs.get(key, OptionSpec(key, "str")).parse(value)
        return options


@dataclass(frozen=True)
class ModelRecord:
    """A model discovery found (hook ``ocrkit_discover_models``).

    ``name`` is what users pass as ``model=`` (a tesseract language such as ``eng``,
    a PP-OCR set such as ``ppocrv6-small``); ``path`` is the file, or the directory
    of a multi-file model set; ``files`` lists every file the model consists of
    (used for in-use checks and descriptor accounting; defaults to ``(path,)``).
    ``languages`` lists the Tesseract-style codes (``eng``, ``chi_sim``, ``kor``) the
    model reads; ``lang=`` routes by it (empty: the model declares none).
    """

    name: str
    backend: str
    path: Path
    source: str = "other"
    format: str = ""
    size: int = 0
    language: str | None = None
    version: str | None = None
    kind: str | None = None
    files: tuple[Path, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    languages: tuple[str, ...] = ()

    def all_files(self) -> tuple[Path, ...]:
        return self.files or (self.path,)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": self.backend,
            "path": str(self.path),
            "source": self.source,
            "format": self.format,
            "size": self.size,
            "language": self.language,
            "version": self.version,
            "kind": self.kind,
            "files": [str(f) for f in self.all_files()],
            "languages": list(self.languages),
            "extra": dict(self.extra),
        }


@runtime_checkable
class HandleState(Protocol):
    """What a backend keeps in :attr:`ModelHandle.state`: anything it needs to
    recognise, plus ``free()``, which releases all of it (native memory, threads,
    files) and may be called more than once. A plugin's ``ocrkit_free_model``
    takes the state off the handle and calls ``free()`` on it."""

    def free(self) -> None: ...


@dataclass(eq=False)
class ModelHandle:
    """A loaded model, returned by ``ocrkit_load_model`` and owned by one backend.

    ``state`` is the backend's private object (a pool of APIs, inference sessions),
    by convention a :class:`HandleState`; the core never looks inside. Recognition
    and freeing are routed to the plugin that describes ``backend``, and only to it.
    """

    backend: str
    name: str
    models: tuple[ModelRecord, ...]
    state: Any
    options: Mapping[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def files(self) -> tuple[Path, ...]:
        return tuple(f for m in self.models for f in m.all_files())
