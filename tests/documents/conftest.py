"""Fixtures for the document tests: small PDFs and TIFFs made from tests/data, one
engine per real backend shared by the whole session (opening is the slow part)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import ocrkit

DATA = Path(__file__).resolve().parent.parent / "data"
REPO = DATA.parent.parent
SHARED_DATASETS = Path(os.environ.get("OCRKIT_SHARED_DATASETS", REPO.parent / "shared" / "datasets"))
PDF_CORPUS = SHARED_DATASETS / "pdf-corpus" / "files"
#: The images that become the pages of the test documents, in page order.
PAGE_IMAGES = ("page_simple.png", "two_columns.png", "german.png")


@pytest.fixture(scope="session")
def docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("documents")


@pytest.fixture(scope="session")
def page_images() -> list[Image.Image]:
    return [Image.open(DATA / name).convert("RGB") for name in PAGE_IMAGES]


@pytest.fixture(scope="session")
def three_page_pdf(docs_dir: Path, page_images: list[Image.Image]) -> Path:
    """tests/data's three page images as a 3-page PDF at 150 dpi (so 150 dpi renders
    them back at their own pixel size)."""
    path = docs_dir / "three.pdf"
    first, *rest = (img.copy() for img in page_images)  # Pillow's PDF writer leaves state on images
    first.save(path, save_all=True, append_images=rest, resolution=150.0)
    return path


@pytest.fixture(scope="session")
def three_page_tiff(docs_dir: Path, page_images: list[Image.Image]) -> Path:
    path = docs_dir / "three.tif"
    first, *rest = (img.copy() for img in page_images)
    first.save(path, save_all=True, append_images=rest, dpi=(150, 150))  # raw: no libtiff encoder
    return path


@pytest.fixture(scope="session")
def encrypted_pdf(docs_dir: Path, three_page_pdf: Path) -> Path:
    pikepdf = pytest.importorskip("pikepdf")
    path = docs_dir / "encrypted.pdf"
    with pikepdf.open(three_page_pdf) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner="owner-pw", user="secret", R=6))
    return path


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not PDF_CORPUS.is_dir():
        pytest.skip(f"PDF corpus not found at {PDF_CORPUS} (only present beside the repo)")
    return PDF_CORPUS


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ocrkit.Engine]]:
    """One open engine per real backend, freed at the end of the session."""
    opened: dict[str, ocrkit.Engine] = {}
    try:
        for name in ("tesseract", "onnx"):
            opened[name] = ocrkit.open(name)
        yield opened
    finally:
        for engine in opened.values():
            engine.free_resources()


@pytest.fixture(scope="session")
def tesseract(engines: dict[str, ocrkit.Engine]) -> ocrkit.Engine:
    return engines["tesseract"]
