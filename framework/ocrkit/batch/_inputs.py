"""From the command line's INPUT... (folders, glob patterns, files) to one job per
input file, each with its output paths mirrored under the output folder.

What the walk finds but cannot read (a dangling symlink, a symlink loop, a folder
it may not list) is a failed input of its own, so the others are still read and
the failure log says what was left out."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from ..errors import OcrkitError
from ._read import extension
from ._records import FileResult, Job

__all__ = ["plan", "plan_inputs", "INPUT_SUFFIXES"]

#: What a folder walk picks up (named files and glob matches are taken as given).
INPUT_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp",
    ".pbm", ".pgm", ".ppm", ".pnm", ".jp2", ".j2k", ".pdf",
})


class _Unreadable(NamedTuple):
    """A file or folder the walk found but cannot read: why, and the OSError class."""

    path: Path
    reason: str
    error_class: str


def _walk(folder: Path, recursive: bool, skip: Path) -> Iterable[Path | _Unreadable]:
    """Input files in *folder* in a stable order; hidden entries and *skip* (the
    output folder, when it lies inside an input folder) are left out. A folder
    that cannot be listed comes out as :class:`_Unreadable`."""
    problems: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(folder, onerror=problems.append):
        yield from map(_unlistable, problems)
        problems.clear()
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if recursive and not d.startswith(".") and _resolved(here / d) != skip
        )
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix.lower() in INPUT_SUFFIXES:
                yield here / name
    yield from map(_unlistable, problems)


def _unlistable(problem: OSError) -> _Unreadable:
    return _Unreadable(Path(problem.filename), f"a folder that cannot be listed ({problem.strerror or problem})",
                       type(problem).__name__)


def _resolved(path: Path) -> Path | None:
    """*path* resolved, or None for a symlink loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return None


def _unopenable(path: Path, problem: Exception) -> _Unreadable:
    """Why *path*, a file the walk listed, cannot be opened."""
    if not path.is_symlink():
        return _Unreadable(path, f"unreadable ({problem})", type(problem).__name__)
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    if _resolved(path) is None:
        return _Unreadable(path, f"a symbolic link loop (it points to {target})", "OSError")
    return _Unreadable(path, f"a symbolic link to {target}, which does not exist", "FileNotFoundError")


def _literal_base(pattern: str) -> Path:
    """The folder part of a glob pattern before its first wildcard."""
    parts = Path(pattern).parts
    literal = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        literal.append(part)
    return Path(*literal) if literal else Path(".")


def _expand(item: str, recursive: bool, skip: Path) -> Iterable[tuple[Path | _Unreadable, Path]]:
    """``(file, root)`` pairs for one INPUT; *root* is what the mirrored name is relative to."""
    path = Path(item)
    if path.is_dir():
        return ((f, path) for f in _walk(path, recursive, skip))
    if path.is_file():
        return [(path, path.parent)]
    if glob.has_magic(item):
        # a dangling link matches too: it is a failed input, not silently left out
        matches = [Path(m) for m in sorted(glob.glob(item, recursive=True)) if Path(m).is_file() or Path(m).is_symlink()]
        if matches:
            base = _literal_base(item)
            return ((m, base) for m in matches)
        raise OcrkitError(f"input {item!r}: no file matches this pattern; check the path and the quoting")
    raise OcrkitError(f"input {item!r}: no such file or folder")


def _relative_name(file: Path, root: Path) -> str:
    return file.relative_to(root).as_posix() if file.is_relative_to(root) else file.name


def _failed(found: _Unreadable, root: Path) -> FileResult:
    return FileResult(source=str(found.path), name=_relative_name(found.path, root), status="failed",
                      error_class=found.error_class, error=f"{found.path} is {found.reason}")


def plan_inputs(
    inputs: Sequence[str | os.PathLike[str]], out: Path, formats: Sequence[str], recursive: bool = False
) -> tuple[list[Job], list[FileResult]]:
    """One :class:`Job` per input file, outputs at ``out/<relative name>.<ext>``, and
    a failed :class:`FileResult` per file or folder found that cannot be read.

    The full input name is kept (``scan.png`` -> ``scan.png.txt``) so that
    ``scan.png`` and ``scan.pdf`` in one folder never share an output. The same
    file named twice is read once; two files that would share outputs (same
    name under two input roots) are refused before anything runs.
    """
    if not inputs:
        raise OcrkitError("no input given: name files, folders or glob patterns")
    skip = out.resolve()
    jobs: dict[str, Job] = {}
    unreadable: list[FileResult] = []
    by_source: set[Path] = set()
    for item in inputs:
        for file, root in _expand(os.fspath(item), recursive, skip):
            if isinstance(file, _Unreadable):
                unreadable.append(_failed(file, root))
                continue
            try:
                source = file.resolve(strict=True)
                st = source.stat()
            except (OSError, RuntimeError) as exc:
                unreadable.append(_failed(_unopenable(file, exc), root))
                continue
            if source in by_source:
                continue
            name = _relative_name(file, root)
            if name in jobs:
                raise OcrkitError(
                    f"inputs {jobs[name].source} and {source} would both write {out / name}.*; "
                    "pass their common folder instead (the tree below it is mirrored)"
                )
            by_source.add(source)
            outputs = tuple((fmt, out / f"{name}{extension(fmt)}") for fmt in formats)
            jobs[name] = Job(source=source, name=name, outputs=outputs, size=st.st_size, mtime_ns=st.st_mtime_ns)
    return list(jobs.values()), unreadable


def plan(inputs: Sequence[str | os.PathLike[str]], out: Path, formats: Sequence[str], recursive: bool = False) -> list[Job]:
    """The jobs of :func:`plan_inputs` (what cannot be read is left out)."""
    return plan_inputs(inputs, out, formats, recursive)[0]
