"""The model catalogue: named models with their URLs, sizes and sha256 digests.

The catalogue is data, not code: a JSON document shipped with the package
(``catalog.json``) and replaceable by the user (``--catalog FILE_OR_URL`` or
``$OCRKIT_CATALOG``), so a mirror or an air-gapped site can point ocrkit at its
own copies without a new release. Everything in it is validated here, before a
byte is downloaded: names that would escape the store are refused, digests must
be 64 hex digits, every file needs at least one URL.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .._names import store_name_problem
from ..errors import CatalogError, DownloadError, ModelNotFoundError
from ._download import one_line, open_url

__all__ = [
    "CATALOG_ENV",
    "CATALOG_FORMAT",
    "Catalog",
    "CatalogEntry",
    "CatalogError",
    "CatalogFile",
    "load_catalog",
    "parse_catalog",
]

#: Environment variable naming a catalogue file or URL that replaces the shipped one.
CATALOG_ENV = "OCRKIT_CATALOG"
#: The catalogue format version this code reads.
CATALOG_FORMAT = 1

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+@-]*$")
_REMOTE_SCHEMES = ("http", "https", "file")
_LAYOUTS = ("file", "directory")


@dataclass(frozen=True)
class CatalogFile:
    """One file of a model: where to get it and what its bytes must be."""

    name: str
    urls: tuple[str, ...]
    sha256: str
    size: int | None = None  # None: not established; the digest alone is enforced


@dataclass(frozen=True)
class CatalogEntry:
    """A named model: one file (a traineddata) or a set of files (a PP-OCR set).

    ``target`` is the name the model gets in the backend's store directory: the
    file name for ``layout="file"``, the directory name for ``layout="directory"``.
    ``manifest`` (directory layout only) is a JSON document ocrkit writes into
    the set as ``manifest_name`` so the backend can tell which file does what.
    """

    name: str
    backend: str
    layout: str
    target: str
    files: tuple[CatalogFile, ...]
    description: str = ""
    source: str = ""
    provenance: str = ""
    language: str | None = None
    aliases: tuple[str, ...] = ()
    manifest: Mapping[str, Any] | None = None
    manifest_name: str = "manifest.json"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int | None:
        """Total bytes, or ``None`` when a file's size is not established."""
        sizes = [f.size for f in self.files]
        return None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)

    def manifest_bytes(self) -> bytes | None:
        """The manifest as written into the store (deterministic JSON)."""
        if self.manifest is None:
            return None
        return (json.dumps(self.manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")


class Catalog:
    """Catalogue entries by name, with the source they were read from."""

    def __init__(self, entries: Mapping[str, CatalogEntry], source: str = "") -> None:
        self.entries: dict[str, CatalogEntry] = dict(entries)
        self.source = source
        self._aliases = {alias: e.name for e in self.entries.values() for alias in e.aliases}

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(sorted(self.entries.values(), key=lambda e: (e.backend, e.name)))

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries or name in self._aliases

    def __repr__(self) -> str:
        return f"Catalog({len(self)} entries from {self.source!r})"

    def get(self, name: str, backend: str | None = None) -> CatalogEntry:
        """The entry called *name* (or aliased so); raises :class:`ModelNotFoundError`."""
        entry = self.entries.get(name) or self.entries.get(self._aliases.get(name, ""))
        if entry is None or (backend is not None and entry.backend != backend):
            names = [e.name for e in self if backend is None or e.backend == backend]
            where = f" for backend {backend!r}" if backend else ""
            raise ModelNotFoundError(
                f"no model {name!r}{where} in the catalogue {self.source} "
                "(see `ocrkit models pull --list`)",
                names,
            )
        return entry

    def for_target(self, backend: str, target: str) -> list[CatalogEntry]:
        """Entries that would install as *target* in *backend*'s store (e.g. fast and best ``eng``)."""
        return [e for e in self if e.backend == backend and e.target == target]


# -- parsing -------------------------------------------------------------------------


def _plain_name(value: Any, what: str) -> str:
    """A name the store can hold (the store's one name rule), in letters, digits and ``._+@-``."""
    problem = store_name_problem(value)
    if problem:
        raise CatalogError(f"invalid {what} {value!r}: {problem}")
    if not _NAME_RE.match(value):
        raise CatalogError(f"invalid {what} {value!r}: use letters, digits and ._+@- only, not starting with a dot")
    return value


def _parse_file(raw: Any, entry: str, base_url: str | None) -> CatalogFile:
    if not isinstance(raw, Mapping):
        raise CatalogError(f"model {entry!r}: each file must be an object, got {type(raw).__name__}")
    name = _plain_name(raw.get("name"), f"file name in model {entry!r}")
    sha = raw.get("sha256")
    if not isinstance(sha, str) or not _SHA256_RE.match(sha.lower()):
        raise CatalogError(f"model {entry!r}, file {name!r}: sha256 must be 64 hex digits, got {sha!r}")
    size = raw.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise CatalogError(f"model {entry!r}, file {name!r}: size must be a byte count or null, got {size!r}")
    urls = raw.get("urls", [raw["url"]] if "url" in raw else [])
    if isinstance(urls, str):
        urls = [urls]
    if not urls or not all(isinstance(u, str) and u for u in urls):
        raise CatalogError(f"model {entry!r}, file {name!r}: give at least one URL in 'urls'")
    resolved = []
    for url in urls:
        full = urllib.parse.urljoin(base_url, url) if base_url else url
        scheme = urllib.parse.urlsplit(full).scheme
        if scheme not in _REMOTE_SCHEMES:
            raise CatalogError(
                f"model {entry!r}, file {name!r}: URL {url!r} must be http(s) or file "
                "(relative URLs are resolved against the catalogue's own location)"
            )
        resolved.append(full)
    return CatalogFile(name=name, urls=tuple(resolved), sha256=sha.lower(), size=size)


def _parse_entry(name: str, raw: Any, base_url: str | None) -> CatalogEntry:
    _plain_name(name, "model name")
    if not isinstance(raw, Mapping):
        raise CatalogError(f"model {name!r} must be an object, got {type(raw).__name__}")
    backend = _plain_name(raw.get("backend"), f"backend of model {name!r}")
    files_raw = raw.get("files")
    if not isinstance(files_raw, list) or not files_raw:
        raise CatalogError(f"model {name!r}: 'files' must be a non-empty list")
    files = tuple(_parse_file(f, name, base_url) for f in files_raw)
    if len({f.name for f in files}) != len(files):
        raise CatalogError(f"model {name!r}: two files have the same name")
    layout = raw.get("layout", "file" if len(files) == 1 else "directory")
    if layout not in _LAYOUTS:
        raise CatalogError(f"model {name!r}: layout must be one of {', '.join(_LAYOUTS)}, got {layout!r}")
    if layout == "file" and len(files) != 1:
        raise CatalogError(f"model {name!r}: layout 'file' takes exactly one file, got {len(files)}")
    default_target = files[0].name if layout == "file" else name
    target = _plain_name(raw.get("target", default_target), f"target of model {name!r}")
    if layout == "file" and target != files[0].name:
        raise CatalogError(f"model {name!r}: a single-file model installs under its file name {files[0].name!r}")
    manifest = raw.get("manifest")
    manifest_name = raw.get("manifest_name", "manifest.json")
    if manifest is not None:
        if layout != "directory" or not isinstance(manifest, Mapping):
            raise CatalogError(f"model {name!r}: 'manifest' must be an object, and only for directory models")
        _plain_name(manifest_name, f"manifest name of model {name!r}")
        if manifest_name in {f.name for f in files}:
            raise CatalogError(f"model {name!r}: manifest name {manifest_name!r} clashes with a file")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list):
        raise CatalogError(f"model {name!r}: 'aliases' must be a list")
    known = {"backend", "files", "layout", "target", "manifest", "manifest_name", "aliases",
             "description", "source", "provenance", "language"}
    return CatalogEntry(
        name=name,
        backend=backend,
        layout=layout,
        target=target,
        files=files,
        description=str(raw.get("description", "")),
        source=str(raw.get("source", "")),
        provenance=str(raw.get("provenance", "")),
        language=raw.get("language"),
        aliases=tuple(_plain_name(a, f"alias of model {name!r}") for a in aliases),
        manifest=manifest,
        manifest_name=manifest_name,
        extra={k: v for k, v in raw.items() if k not in known},
    )


def parse_catalog(document: Any, source: str = "", base_url: str | None = None) -> Catalog:
    """Validate a decoded catalogue document (see docs/model-pulls.md for the format)."""
    if not isinstance(document, Mapping):
        raise CatalogError(f"catalogue {source}: the top level must be a JSON object")
    fmt = document.get("format")
    if fmt != CATALOG_FORMAT:
        raise CatalogError(
            f"catalogue {source}: format {fmt!r} is not supported (this ocrkit reads format {CATALOG_FORMAT})"
        )
    models = document.get("models")
    if not isinstance(models, Mapping):
        raise CatalogError(f"catalogue {source}: 'models' must be an object of name -> model")
    entries = {name: _parse_entry(name, raw, base_url) for name, raw in models.items()}
    seen: dict[str, str] = {}
    for entry in entries.values():
        for alias in entry.aliases:
            if alias in entries or alias in seen:
                raise CatalogError(f"catalogue {source}: alias {alias!r} of {entry.name!r} is already a name")
            seen[alias] = entry.name
    return Catalog(entries, source=source)


# -- loading ---------------------------------------------------------------------------


def _is_url(value: str) -> bool:
    return urllib.parse.urlsplit(value).scheme in _REMOTE_SCHEMES


def _read_url(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "ocrkit-catalog"})
    try:
        with open_url(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"cannot fetch the catalogue {url}: HTTP {exc.code} {one_line(exc.reason)}") from exc
    except DownloadError:
        raise
    except (urllib.error.URLError, OSError) as exc:
        reason = one_line(getattr(exc, "reason", exc))
        raise DownloadError(
            f"cannot fetch the catalogue {url}: {reason} (offline or server down? "
            "pass --catalog with a local file instead)"
        ) from exc


def load_catalog(source: str | os.PathLike[str] | Catalog | None = None, *, timeout: float = 30.0) -> Catalog:
    """The catalogue from *source*, else ``$OCRKIT_CATALOG``, else the one shipped with ocrkit.

    *source* may be a path or an ``http(s)://``/``file://`` URL. Relative file
    URLs inside it are resolved against its own location, so a mirror directory
    holding ``catalog.json`` next to the model files works as it is.
    """
    if isinstance(source, Catalog):
        return source
    if source is None:
        source = os.environ.get(CATALOG_ENV) or None
    if source is None:
        text = resources.files(__package__).joinpath("catalog.json").read_bytes()
        origin, base = "(shipped with ocrkit)", None
    elif isinstance(source, str) and _is_url(source) and not Path(source).exists():
        text, origin, base = _read_url(source, timeout), source, source
    else:
        path = Path(source).expanduser()
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise CatalogError(f"cannot read the catalogue {path}: {exc.strerror or exc}") from exc
        origin, base = str(path), path.resolve().as_uri()
    try:
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(f"catalogue {origin} is not valid JSON: {exc}") from exc
    return parse_catalog(document, source=origin, base_url=base)
