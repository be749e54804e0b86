"""The model store: one directory per backend under ``OCRKIT_HOME``.

Every destructive operation resolves names inside the backend's directory and
refuses anything that would reach outside it: path separators, ``..``, absolute
paths, and symlinks whose target lies outside the store. Models that a live
engine has loaded cannot be removed (:class:`ModelInUseError`).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._digest import entry_size, sha256_of
from ._in_use import check_not_in_use, in_use_paths, mark_in_use
from ._names import check_plain_name, check_store_name, is_listed, plain_name_problem, store_name_problem
from ._records import ModelRecord
from ._staging import staged_entry
from .errors import InvalidModelNameError, ModelExistsError, ModelInUseError, ModelNotFoundError, NotRegularFileError, OcrkitError

__all__ = [
    "ModelStore", "AuditEntry", "PruneResult", "Importer", "default_home",
    # kept importable from here; they live in _in_use, _digest, _names and errors
    "NotRegularFileError", "in_use_paths", "mark_in_use", "plain_name_problem", "sha256_of",
]

#: A backend's ``ocrkit_import_model``: copy *record* into *dest_dir*, return the new
#: entry, or ``None`` to let the store copy the files as they are.
Importer = Callable[[ModelRecord, Path], "Path | None"]

HOME_ENV = "OCRKIT_HOME"
_VERSION_RE = re.compile(r"^(?P<stem>.+?)[-_.]v?(?P<version>\d+(?:\.\d+)*)(?P<ext>(?:\.[A-Za-z]\w*)*)$")


def default_home() -> Path:
    """``$OCRKIT_HOME`` or the platform's user data dir for ocrkit."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("ocrkit", appauthor=False))


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


class PruneResult(list[str]):
    """What a prune removed (the list of names) and what it kept: ``skipped`` maps a
    name to why (in use, a symlink out of the store...)."""

    def __init__(self, removed: Iterable[str] = (), skipped: dict[str, str] | None = None) -> None:
        super().__init__(removed)
        self.skipped: dict[str, str] = dict(skipped or {})

    def __repr__(self) -> str:
        return f"PruneResult({list(self)!r}, skipped={self.skipped!r})"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def _remove_entry(path: Path) -> None:
    """Delete one store entry; a symlink is unlinked, never followed.

    The entry is first renamed to a hidden name (atomic): of two removals at once
    exactly one wins, and the other gets :class:`ModelNotFoundError` instead of a
    ``FileNotFoundError`` from the middle of the other's deletion.
    """
    doomed = path.with_name(f".removing-{path.name}-{os.getpid()}-{threading.get_ident()}")
    try:
        os.rename(path, doomed)
    except FileNotFoundError:
        raise ModelNotFoundError(
            f"model {path.name!r} is gone: it was removed meanwhile (by another process?)"
        ) from None
    if doomed.is_dir() and not doomed.is_symlink():
        shutil.rmtree(doomed)
    else:
        doomed.unlink()


class ModelStore:
    """Model directories under a root (``OCRKIT_HOME``), one per backend."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_home()

    def __repr__(self) -> str:
        return f"ModelStore({str(self.root)!r})"

    def path(self, backend: str, create: bool = True) -> Path:
        """The backend's model directory (created unless *create* is false)."""
        check_plain_name(backend, "backend name")
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
            if is_listed(entry.name)
        )

    def resolve(self, backend: str, name: str) -> Path:
        """The path of model *name*, refusing anything outside the store."""
        check_plain_name(name, "model name")
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
        self.check_not_in_use(name, path)
        _remove_entry(path)
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
        root = directory.resolve() if directory.is_dir() else directory
        entries = []
        for name in names:
            path = root / name  # absolute, but a symlink entry is shown as itself
            status, reason = "CURRENT", ""
            m = _VERSION_RE.match(name)
            if name.startswith("old_"):
                status, reason = "OLD", "old_ prefix"
            elif m and _version_key(m["version"]) < newest[(m["stem"], m["ext"])]:
                status = "OLD"
                reason = "superseded by version " + ".".join(map(str, newest[(m["stem"], m["ext"])]))
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                reason = "; ".join(filter(None, [reason, f"symlink to {path.resolve()}, outside the store"]))
            try:
                size = entry_size(path)
                digest = sha256_of(path) if with_digest else ""
            except OSError as exc:  # a dangling symlink, a file removed meanwhile
                size, digest = 0, ""
                reason = "; ".join(filter(None, [reason, f"unreadable: {exc.strerror or exc}"]))
            entries.append(
                AuditEntry(
                    name=name,
                    path=path,
                    size=size,
                    sha256=digest,
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
    ) -> PruneResult:
        """Remove models whose name starts with *prefix* and/or satisfies *predicate*.

        With neither, prunes what :meth:`audit` marks OLD. Models in use and
        symlinks leading out of the store are skipped, never removed. Returns the
        names removed (or, with *dry_run*, that would be), as a list whose
        ``skipped`` maps each skipped name to the reason.
        """
        if prefix is not None and not (isinstance(prefix, str) and prefix.strip()):
            raise OcrkitError(
                f"prune prefix {prefix!r} would select every model; give a non-empty prefix "
                "(or none, to prune the models the audit marks OLD)"
            )
        if prefix is None and predicate is None:
            selected = [e.name for e in self.audit(backend, with_digest=False) if e.status == "OLD"]
        else:
            selected = [
                n for n in self.list_local(backend)
                if (prefix is None or n.startswith(prefix)) and (predicate is None or predicate(n))
            ]
        skipped: dict[str, str] = {}
        chosen: list[str] = []
        for name in selected:
            try:
                path = self.resolve(backend, name)
                self.check_not_in_use(name, path)
                if not dry_run:
                    _remove_entry(path)
            except (InvalidModelNameError, ModelInUseError, ModelNotFoundError) as exc:
                skipped[name] = str(exc)
                continue
            chosen.append(name)
        return PruneResult(chosen, skipped)

    # -- import -----------------------------------------------------------------------

    def record_for_path(self, backend: str, source: str | os.PathLike[str]) -> ModelRecord:
        """A :class:`ModelRecord` for a model file or directory the user names by path."""
        path = Path(source).expanduser()
        if not path.exists():
            raise ModelNotFoundError(f"no such model file or directory: {path}")
        path = path.resolve()
        files = tuple(sorted(p for p in path.rglob("*") if p.is_file())) if path.is_dir() else (path,)
        if not files:
            raise ModelNotFoundError(f"model directory {path} contains no files")
        return ModelRecord(
            name=path.name.split(".")[0] if path.is_file() else path.name,
            backend=backend,
            path=path,
            source="other",
            format=path.suffix.lstrip(".") if path.is_file() else "directory",
            size=entry_size(path),
            files=files if path.is_dir() else (),
        )

    def import_targets(self, record: ModelRecord) -> list[tuple[Path, Path]]:
        """(source, store entry) pairs a plain copy of *record* creates.

        A directory model is copied as one entry named ``record.extra["store_name"]``
        when the backend gives one (a model set that shares its directory with others
        inside a package), else the record's name — what users pass as ``model=`` —
        so the imported copy is found under the same name; otherwise each of its
        files becomes an entry with the same file name.
        """
        dest_dir = self.path(record.backend, create=False)
        if record.path.is_dir():
            default = record.name if store_name_problem(record.name) is None else record.path.name
            return [(record.path, dest_dir / str(record.extra.get("store_name") or default))]
        return [(f, dest_dir / f.name) for f in record.all_files()]

    def import_model(
        self,
        record: ModelRecord,
        importer: Importer | None = None,
        overwrite: bool = False,
    ) -> Path:
        """Copy a model found outside the store into ``path(record.backend)``.

        *importer* (the backend's ``ocrkit_import_model``, via the registry) gets the
        first go; when it returns ``None`` the files are copied as they are. Each entry
        is copied to a hidden temporary name in the store and renamed into place, so
        an interrupted import leaves no half-copied model. Existing entries raise
        :class:`ModelExistsError` unless *overwrite*; loaded ones always raise
        :class:`ModelInUseError`.
        """
        dest_dir = self.path(record.backend)
        root = dest_dir.resolve()
        if any(Path(f).resolve().is_relative_to(root) for f in (record.path, *record.all_files())):
            raise ModelExistsError(f"{record.path} is already in the {record.backend} store ({root})")
        targets = self.import_targets(record)
        for _, target in targets:
            check_store_name(target.name)
            if target.exists() or target.is_symlink():
                if not overwrite:
                    raise ModelExistsError(
                        f"model {target.name!r} already exists in the {record.backend} store ({target}); "
                        "remove it first or import with overwrite (--force)"
                    )
                self.check_not_in_use(target.name, target)
        if importer is not None:
            made = importer(record, dest_dir)
            if made is not None:
                made = Path(made)
                if not made.resolve().is_relative_to(root):
                    raise OcrkitError(
                        f"the {record.backend} plugin imported {record.name!r} to {made}, outside the store {root}"
                    )
                return made
        for source, _ in targets:
            if not source.exists():
                raise ModelNotFoundError(f"model file {source} of {record.name!r} does not exist")
        for source, target in targets:
            self._copy_in(source, target, overwrite)
        return targets[0][1]

    @staticmethod
    def _copy_in(source: Path, target: Path, overwrite: bool) -> None:
        """Copy *source* beside *target* under a hidden name, then swap it into place."""
        with staged_entry(target) as staged:
            if source.is_dir():
                shutil.copytree(source, staged.path)
            else:
                shutil.copyfile(source, staged.path)
            if not overwrite and (target.exists() or target.is_symlink()):
                raise ModelExistsError(f"model {target.name!r} appeared in the store during the import")
            staged.commit()

    @staticmethod
    def check_not_in_use(name: str, path: Path) -> None:
        """Raise :class:`ModelInUseError` if a live engine has *path* (or a file in it) loaded."""
        check_not_in_use(name, path)
