"""The model store: one directory per backend under ``OCRKIT_HOME``.

Every destructive operation resolves names inside the backend's directory and
refuses anything that would reach outside it: path separators, ``..``, absolute
paths, and symlinks whose target lies outside the store. Models that a live
engine has loaded cannot be removed (:class:`ModelInUseError`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InvalidModelNameError, ModelInUseError, ModelNotFoundError

__all__ = ["ModelStore", "AuditEntry", "default_home", "in_use_paths", "mark_in_use"]

HOME_ENV = "OCRKIT_HOME"
_PARTIAL_SUFFIXES = (".part", ".tmp", ".lock")
_VERSION_RE = re.compile(r"^(?P<stem>.+?)[-_.]v?(?P<version>\d+(?:\.\d+)*)(?P<ext>(?:\.[A-Za-z]\w*)*)$")


def default_home() -> Path:
    """``$OCRKIT_HOME`` or the platform's user data dir for ocrkit."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("ocrkit", appauthor=False))


# -- in-use tracking: every live engine registers the files of its loaded models --------

_in_use_lock = threading.Lock()
_in_use: "weakref.WeakKeyDictionary[Any, frozenset[Path]]" = weakref.WeakKeyDictionary()


def mark_in_use(owner: Any, files: Iterable[Path]) -> None:
    """Record (or, with no files, clear) the model files *owner* keeps loaded."""
    resolved = frozenset(Path(f).resolve() for f in files)
    with _in_use_lock:
        if resolved:
            _in_use[owner] = resolved
        else:
            _in_use.pop(owner, None)


def in_use_paths() -> frozenset[Path]:
    with _in_use_lock:
        return frozenset(p for paths in _in_use.values() for p in paths)


@dataclass(frozen=True)
class AuditEntry:
    name: str
    path: Path
    size: int
    sha256: str
    status: str  # "OLD" | "CURRENT"
    reason: str = ""
    in_use: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "status": self.status,
            "reason": self.reason,
            "in_use": self.in_use,
        }


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Digest of a file, or of a directory's files (sorted relative names and contents)."""
    digest = hashlib.sha256()
    if path.is_dir():
        for sub in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(str(sub.relative_to(path)).encode() + b"\0")
            digest.update(sha256_of(sub).encode())
        return digest.hexdigest()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return path.stat().st_size


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


class ModelStore:
    """Model directories under a root (``OCRKIT_HOME``), one per backend."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_home()

    def __repr__(self) -> str:
        return f"ModelStore({str(self.root)!r})"

    def path(self, backend: str, create: bool = True) -> Path:
        """The backend's model directory (created unless *create* is false)."""
        directory = self.root / backend
        if create:
            directory.mkdir(parents=True, exist_ok=True)
        return directory

    def list_local(self, backend: str) -> list[str]:
        """Names of the models in the backend's directory, joinable with it.

        Files and model-set directories; hidden entries and partial downloads
        (``.part``/``.tmp``/``.lock``) are not models.
        """
        directory = self.path(backend, create=False)
        if not directory.is_dir():
            return []
        return sorted(
            entry.name
            for entry in directory.iterdir()
            if not entry.name.startswith(".") and not entry.name.endswith(_PARTIAL_SUFFIXES)
        )

    def resolve(self, backend: str, name: str) -> Path:
        """The path of model *name*, refusing anything outside the store."""
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise InvalidModelNameError(
                f"invalid model name {name!r}: give a plain name from `ocrkit models list`, "
                "without path separators or '..'"
            )
        if os.path.isabs(name) or Path(name).drive:
            raise InvalidModelNameError(f"invalid model name {name!r}: absolute paths are not model names")
        directory = self.path(backend, create=False).resolve()
        candidate = directory / name
        if not candidate.exists() and not candidate.is_symlink():
            raise ModelNotFoundError(
                f"no model {name!r} in the {backend} store ({directory})", self.list_local(backend)
            )
        if candidate.is_symlink():
            target = candidate.resolve()
            if not target.is_relative_to(directory):
                raise InvalidModelNameError(
                    f"model {name!r} is a symlink to {target}, outside the store {directory}; "
                    "remove the link yourself if you mean it"
                )
        return candidate

    def remove(self, backend: str, name: str) -> Path:
        """Delete model *name*; refuses loaded models and anything outside the store."""
        path = self.resolve(backend, name)
        busy = in_use_paths()
        resolved = path.resolve()
        if resolved in busy or any(p.is_relative_to(resolved) for p in busy):
            raise ModelInUseError(
                f"model {name!r} ({path}) is loaded by a live engine; call free_resources() "
                "on that engine first"
            )
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        return path

    def audit(self, backend: str, with_digest: bool = True) -> list[AuditEntry]:
        """Every model in the store with size, sha256 and OLD/CURRENT status.

        OLD: the name starts with ``old_``, or a newer version of the same name
        exists (``eng-v1.traineddata`` is superseded by ``eng-v2.traineddata``).
        """
        directory = self.path(backend, create=False)
        names = self.list_local(backend)
        newest: dict[tuple[str, str], tuple[int, ...]] = {}
        for name in names:
            m = _VERSION_RE.match(name)
            if m:
                key = (m["stem"], m["ext"])
                newest[key] = max(newest.get(key, ()), _version_key(m["version"]))
        busy = in_use_paths()
        entries = []
        for name in names:
            path = directory / name
            status, reason = "CURRENT", ""
            m = _VERSION_RE.match(name)
            if name.startswith("old_"):
                status, reason = "OLD", "old_ prefix"
            elif m and _version_key(m["version"]) < newest[(m["stem"], m["ext"])]:
                status = "OLD"
                reason = "superseded by version " + ".".join(map(str, newest[(m["stem"], m["ext"])]))
            entries.append(
                AuditEntry(
                    name=name,
                    path=path.resolve(),
                    size=_size(path),
                    sha256=sha256_of(path) if with_digest else "",
                    status=status,
                    reason=reason,
                    in_use=path.resolve() in busy,
                )
            )
        return entries

    def prune(
        self,
        backend: str,
        prefix: str | None = None,
        predicate: Callable[[str], bool] | None = None,
        dry_run: bool = False,
    ) -> list[str]:
        """Remove models whose name starts with *prefix* and/or satisfies *predicate*.

        With neither, prunes what :meth:`audit` marks OLD. Models in use are
        skipped, never removed. Returns the names removed (or, with *dry_run*,
        that would be).
        """
        if prefix is None and predicate is None:
            selected = [e.name for e in self.audit(backend, with_digest=False) if e.status == "OLD"]
        else:
            selected = [
                n for n in self.list_local(backend)
                if (prefix is None or n.startswith(prefix)) and (predicate is None or predicate(n))
            ]
        busy = in_use_paths()
        directory = self.path(backend, create=False)
        chosen = [n for n in selected if (directory / n).resolve() not in busy]
        if not dry_run:
            for name in chosen:
                self.remove(backend, name)
        return chosen
