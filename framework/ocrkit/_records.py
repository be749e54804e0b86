"""Plain records that cross the hook boundary: what a backend is, which models exist,
and the handle of a loaded model."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["OptionSpec", "BackendInfo", "ModelRecord", "ModelHandle", "SOURCE_PRECEDENCE", "LAYOUTS", "MAX_LINE_ASPECT"]

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


@dataclass(frozen=True)
class OptionSpec:
    """One option a backend accepts in ``ocrkit.open(backend, **options)``."""

    name: str
    type: str  # human-readable: "str", "int", "float", "bool", "list[str]", ...
    default: Any = None
    help: str = ""


@dataclass(frozen=True)
class BackendInfo:
    """What a backend says about itself (hook ``ocrkit_describe_backend``).

    ``capabilities`` uses these words: ``page`` and ``line`` (layouts), ``words``
    (word boxes), ``polygons``, ``blocks``, ``languages`` (multi-language),
    ``detect`` (detection-only layout), ``gpu`` (accelerator providers),
    ``threadsafe`` (recognize may be called from several threads at once).
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

    @property
    def option_names(self) -> frozenset[str]:
        return frozenset(o.name for o in self.options)


@dataclass(frozen=True)
class ModelRecord:
    """A model discovery found (hook ``ocrkit_discover_models``).

    ``name`` is what users pass as ``model=`` (a tesseract language such as ``eng``,
    a PP-OCR set such as ``ppocrv6-small``); ``path`` is the file, or the directory
    of a multi-file model set; ``files`` lists every file the model consists of
    (used for in-use checks and descriptor accounting; defaults to ``(path,)``).
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
            "extra": dict(self.extra),
        }


@dataclass(eq=False)
class ModelHandle:
    """A loaded model, returned by ``ocrkit_load_model`` and owned by one backend.

    ``state`` is the backend's private object (a pool of APIs, inference sessions);
    the core never looks inside. Recognition and freeing are routed to the plugin
    that describes ``backend``, and only to it.
    """

    backend: str
    name: str
    models: tuple[ModelRecord, ...]
    state: Any
    options: Mapping[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def files(self) -> tuple[Path, ...]:
        return tuple(f for m in self.models for f in m.all_files())
