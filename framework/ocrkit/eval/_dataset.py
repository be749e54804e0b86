"""Evaluation datasets: a folder with a ``manifest.jsonl`` (format in docs/eval.md).

Loading checks everything up front: a broken manifest line or a missing image
fails with a :class:`DatasetError` naming the line, before any model is loaded,
rather than an hour into a run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DatasetError

__all__ = ["Dataset", "Sample", "DatasetError", "load_dataset", "GRANULARITIES", "MANIFEST_NAME"]

MANIFEST_NAME = "manifest.jsonl"
#: ``line``: the image is one text line (read with the backend's ``layout="line"``);
#: ``page``: find the text on the page (``layout="page"``).
GRANULARITIES = ("line", "page")


@dataclass(frozen=True)
class Sample:
    """One manifest row: an image and its ground-truth text."""

    id: str  # the manifest's ``image`` value, unique within the dataset
    image: Path
    text: str
    granularity: str = "page"
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def layout(self) -> str:
        """The ``recognize(layout=...)`` this sample is read with."""
        return "line" if self.granularity == "line" else "page"


@dataclass(frozen=True)
class Dataset:
    """The samples of one dataset folder, in manifest order."""

    root: Path
    samples: tuple[Sample, ...]

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def granularity(self) -> str:
        """``line``, ``page``, or ``mixed``."""
        kinds = {s.granularity for s in self.samples}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def head(self, limit: int | None) -> Dataset:
        """The first *limit* samples (all when ``None``)."""
        if limit is None:
            return self
        if limit < 1:
            raise DatasetError(f"limit must be a positive number of samples, got {limit}")
        return Dataset(self.root, self.samples[:limit])


def _manifest_path(path: Path) -> tuple[Path, Path]:
    """(dataset root, manifest file) for a folder or a manifest path."""
    if path.is_dir():
        manifest = path / MANIFEST_NAME
        if not manifest.is_file():
            raise DatasetError(f"{path} has no {MANIFEST_NAME}; a dataset is a folder with one (see docs/eval.md)")
        return path, manifest
    if path.is_file():
        return path.parent, path
    raise DatasetError(f"dataset not found: {path} (give a folder containing {MANIFEST_NAME})")


def _parse_row(row: Any, root: Path, where: str) -> Sample:
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(row).__name__}")
    image, text = row.get("image"), row.get("text")
    if not isinstance(image, str) or not image:
        raise DatasetError(f"{where}: 'image' must be a non-empty relative path")
    if not isinstance(text, str):
        raise DatasetError(f"{where}: 'text' must be a string (the ground truth)")
    granularity = row.get("granularity", "page")
    if granularity not in GRANULARITIES:
        raise DatasetError(f"{where}: 'granularity' must be one of {list(GRANULARITIES)}, got {granularity!r}")
    if Path(image).is_absolute():
        raise DatasetError(f"{where}: 'image' must be relative to the dataset folder, got {image!r}")
    resolved = (root / image).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise DatasetError(f"{where}: 'image' {image!r} points outside the dataset folder")
    if not resolved.is_file():
        raise DatasetError(f"{where}: image {image!r} not found in {root}")
    meta = {k: v for k, v in row.items() if k not in ("image", "text", "granularity")}
    return Sample(id=image, image=resolved, text=text, granularity=granularity, meta=meta)


def load_dataset(path: str | Path, limit: int | None = None) -> Dataset:
    """Read and check a dataset folder (or its ``manifest.jsonl``); keep the first *limit* rows."""
    if limit is not None and limit < 1:
        raise DatasetError(f"limit must be a positive number of samples, got {limit}")
    root, manifest = _manifest_path(Path(path).expanduser())
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {manifest}: {exc}") from exc
    samples: list[Sample] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if limit is not None and len(samples) >= limit:
            break
        where = f"{manifest}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not valid JSON ({exc.msg})") from exc
        sample = _parse_row(row, root, where)
        if sample.id in seen:
            raise DatasetError(f"{where}: image {sample.id!r} is listed twice")
        seen.add(sample.id)
        samples.append(sample)
    if not samples:
        raise DatasetError(f"{manifest} lists no samples")
    return Dataset(root, tuple(samples)).head(limit)
