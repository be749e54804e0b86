"""What installed distributions say about themselves, read from their metadata without
importing them: versions for ``BackendInfo.version`` and reports, and the data files a
model pack ships."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

__all__ = ["__version__", "installed_version", "distribution_files"]

#: ocrkit's own version (``ocrkit.__version__``), here so that modules below the
#: package's ``__init__`` (the pull's User-Agent) need not import the package.
__version__ = "0.1.0"


def installed_version(distribution: str, missing: str | None = None) -> str | None:
    """The installed version of *distribution* (a pip name), without importing it;
    *missing* when it is not installed. Cheap enough for ``ocrkit_describe_backend``."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return missing


def distribution_files(distribution: str, suffix: str = "") -> list[Path]:
    """Absolute paths of the files installed *distribution* lists in its ``RECORD``
    whose names end with *suffix* (``[]`` when it is not installed).

    For model packs: it reads one distribution's ``RECORD``, imports nothing, and works
    for wheels, editable installs and zipped data alike — cheaper and more exact than
    ``importlib.util.find_spec`` and a directory walk."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return []
    files = dist.files or ()
    return sorted(Path(str(dist.locate_file(f))).resolve() for f in files if f.name.endswith(suffix))
