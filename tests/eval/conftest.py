"""Tiny evaluation datasets built from tests/data (real rendered images and their
ground truth), one of lines and one of pages, in the manifest format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
LINE_IMAGES = ("line_hello.png", "line_numbers.png", "line_sentence.png")
PAGE_IMAGES = ("page_simple.png", "two_columns.png")
REAL_BACKENDS = ("tesseract", "onnx")


def make_dataset(folder: Path, images: tuple[str, ...], granularity: str, truth: dict[str, str]) -> Path:
    """Copy *images* into ``folder/images`` and write its manifest.jsonl."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for name in images:
        shutil.copyfile(DATA / name, folder / "images" / name)
        rows.append({"image": f"images/{name}", "text": truth[name], "granularity": granularity})
    (folder / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def tiny_lines(tmp_path_factory: pytest.TempPathFactory, truth: dict[str, str]) -> Path:
    return make_dataset(tmp_path_factory.mktemp("tiny") / "lines", LINE_IMAGES, "line", truth)


@pytest.fixture(scope="session")
def tiny_pages(tmp_path_factory: pytest.TempPathFactory, truth: dict[str, str]) -> Path:
    return make_dataset(tmp_path_factory.mktemp("tiny") / "pages", PAGE_IMAGES, "page", truth)
