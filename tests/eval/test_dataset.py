"""Loading manifest.jsonl datasets: the format, and every way it can be wrong
failing early with a DatasetError that names the line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ocrkit import OcrkitError
from ocrkit.eval import DatasetError, load_dataset

from .conftest import DATA


def write(folder: Path, rows: list[object] | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = rows if isinstance(rows, str) else "".join(json.dumps(r) + "\n" for r in rows)
    (folder / "manifest.jsonl").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    ds = tmp_path / "ds"
    (ds / "img").mkdir(parents=True)
    shutil.copyfile(DATA / "line_hello.png", ds / "img" / "a.png")
    shutil.copyfile(DATA / "page_simple.png", ds / "img" / "b.png")
    return ds


def test_loads_samples_in_manifest_order(folder: Path) -> None:
    write(folder, [
        {"image": "img/b.png", "text": "page", "granularity": "page", "width": 10},
        {"image": "img/a.png", "text": "line", "granularity": "line"},
    ])
    ds = load_dataset(folder)
    assert [s.id for s in ds] == ["img/b.png", "img/a.png"]
    assert [s.layout for s in ds] == ["page", "line"]
    assert ds.granularity == "mixed"
    assert ds.samples[0].image == (folder / "img" / "b.png").resolve()
    assert ds.samples[0].meta == {"width": 10}
    assert ds.name == "ds"


def test_manifest_path_limit_and_default_granularity(folder: Path) -> None:
    write(folder, "\n" + json.dumps({"image": "img/a.png", "text": "x"}) + "\n\n"
          + json.dumps({"image": "img/b.png", "text": "y"}) + "\n")
    ds = load_dataset(folder / "manifest.jsonl", limit=1)
    assert len(ds) == 1 and ds.granularity == "page"
    assert len(load_dataset(folder)) == 2
    with pytest.raises(DatasetError, match="positive"):
        load_dataset(folder, limit=0)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("{not json\n", r"manifest.jsonl:1: not valid JSON"),
        ('["a list"]\n', r":1: expected a JSON object"),
        ([{"text": "no image"}], r"'image' must be"),
        ([{"image": "img/a.png"}], r"'text' must be a string"),
        ([{"image": "img/a.png", "text": "x", "granularity": "word"}], r"'granularity' must be one of"),
        ([{"image": "img/missing.png", "text": "x"}], r"not found"),
        ([{"image": "../outside.png", "text": "x"}], r"outside the dataset folder"),
        ([{"image": "img/../../outside.png", "text": "x"}], r"outside the dataset folder"),
        ([{"image": "/etc/passwd", "text": "x"}], r"must be relative"),
        ([{"image": "img/a.png", "text": "x"}, {"image": "img/a.png", "text": "y"}], r":2: image 'img/a.png' is listed twice"),
        ("", r"lists no samples"),
    ],
)
def test_bad_manifests_fail_early_naming_the_line(folder: Path, rows: list[object] | str, message: str) -> None:
    (folder.parent / "outside.png").write_bytes((DATA / "line_hello.png").read_bytes())
    write(folder, rows)
    with pytest.raises(DatasetError, match=message) as info:
        load_dataset(folder)
    assert isinstance(info.value, OcrkitError)


def test_missing_folder_and_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(tmp_path / "nope")
    with pytest.raises(DatasetError, match="has no manifest.jsonl"):
        load_dataset(tmp_path)


@pytest.mark.dataset
def test_shared_datasets_load(uw3_lines: tuple[Path, list[dict]], sroie_receipts: tuple[Path, list[dict]]) -> None:
    lines = load_dataset(uw3_lines[0])
    pages = load_dataset(sroie_receipts[0])
    assert (len(lines), lines.granularity) == (len(uw3_lines[1]), "line")
    assert (len(pages), pages.granularity) == (len(sroie_receipts[1]), "page")
    assert pages.samples[0].meta["boxes"]  # extra fields are kept
