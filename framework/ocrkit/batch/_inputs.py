"""From the command line's INPUT... (folders, glob patterns, files) to one job per
input file, each with its output paths mirrored under the output folder."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import OcrkitError
from ._read import extension
from ._records import Job

__all__ = ["plan", "INPUT_SUFFIXES"]

#: What a folder walk picks up (named files and glob matches are taken as given).
INPUT_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp",
    ".pbm", ".pgm", ".ppm", ".pnm", ".jp2", ".j2k", ".pdf",
})


def _walk(folder: Path, recursive: bool, skip: Path) -> Iterable[Path]:
    """Input files in *folder* in a stable order; hidden entries and *skip* (the
    output folder, when it lies inside an input folder) are left out."""
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if recursive and not d.startswith(".") and (here / d).resolve() != skip
        )
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix.lower() in INPUT_SUFFIXES:
                yield here / name


def _literal_base(pattern: str) -> Path:
    """The folder part of a glob pattern before its first wildcard."""
    parts = Path(pattern).parts
    literal = []
    for part in parts[:-1]:
        if glob.has_magic(part):
            break
        literal.append(part)
    return Path(*literal) if literal else Path(".")


def _expand(item: str, recursive: bool, skip: Path) -> Iterable[tuple[Path, Path]]:
    """``(file, root)`` pairs for one INPUT; *root* is what the mirrored name is relative to."""
    path = Path(item)
    if path.is_dir():
        return ((f, path) for f in _walk(path, recursive, skip))
    if path.is_file():
        return [(path, path.parent)]
    if glob.has_magic(item):
        matches = [Path(m) for m in sorted(glob.glob(item, recursive=True)) if Path(m).is_file()]
        if matches:
            base = _literal_base(item)
            return ((m, base) for m in matches)
        raise OcrkitError(f"input {item!r}: no file matches this pattern; check the path and the quoting")
    raise OcrkitError(f"input {item!r}: no such file or folder")


def plan(inputs: Sequence[str | os.PathLike[str]], out: Path, formats: Sequence[str], recursive: bool = False) -> list[Job]:
    """One :class:`Job` per input file, outputs at ``out/<relative name>.<ext>``.

    The full input name is kept (``scan.png`` -> ``scan.png.txt``) so that
    ``scan.png`` and ``scan.pdf`` in one folder never share an output. The same
    file named twice is read once; two files that would share outputs (same
    name under two input roots) are refused before anything runs.
    """
    if not inputs:
        raise OcrkitError("no input given: name files, folders or glob patterns")
    skip = out.resolve()
    jobs: dict[str, Job] = {}
    by_source: set[Path] = set()
    for item in inputs:
        for file, root in _expand(os.fspath(item), recursive, skip):
            source = file.resolve()
            if source in by_source:
                continue
            name = file.relative_to(root).as_posix() if file.is_relative_to(root) else file.name
            if name in jobs:
                raise OcrkitError(
                    f"inputs {jobs[name].source} and {source} would both write {out / name}.*; "
                    "pass their common folder instead (the tree below it is mirrored)"
                )
            by_source.add(source)
            st = source.stat()
            outputs = tuple((fmt, out / f"{name}{extension(fmt)}") for fmt in formats)
            jobs[name] = Job(source=source, name=name, outputs=outputs, size=st.st_size, mtime_ns=st.st_mtime_ns)
    return list(jobs.values())
