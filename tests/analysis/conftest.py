"""Real pages for the page-analysis tests: one page of each documents/ set (skipped
cleanly without ../shared), turned and skewed here, and one engine per built-in backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import ocrkit
from tests.conftest import load_manifest

#: (set, page index): a noisy all-caps form, a 400 dpi typed play script, a two-column article.
PAGES = [("forms", 0), ("typewritten-fr", 5), ("two-column", 0)]


def document_page(folder: str, index: int) -> Image.Image:
    root, rows = load_manifest(f"documents/{folder}")
    image = Image.open(root / rows[index]["image"])
    image.load()
    return image


def turned(image: Image.Image, rotation: int) -> Image.Image:
    """*image* with its content turned clockwise by *rotation* (what a scanner does)."""
    return image.rotate(-rotation, expand=True) if rotation else image


@pytest.fixture(scope="module")
def tesseract() -> Iterator[ocrkit.Engine]:
    with ocrkit.open("tesseract") as engine:
        yield engine  # type: ignore[misc]


@pytest.fixture(scope="module")
def onnx() -> Iterator[ocrkit.Engine]:
    with ocrkit.open("onnx") as engine:
        yield engine  # type: ignore[misc]


@pytest.fixture(params=["tesseract", "onnx"], scope="module")
def engine(request: pytest.FixtureRequest) -> ocrkit.Engine:
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def data() -> Path:
    return Path(__file__).parents[1] / "data"
