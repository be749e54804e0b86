"""Fixtures for the OCRmyPDF plugin tests: the real ``ocrmypdf`` command and API,
PDFs built from tests/data images, and the pdf-corpus files when present."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ocrmypdf", reason="OCRmyPDF 17 needs Python >= 3.11 (the ocrmypdf extra installs nothing below)")

import img2pdf
from PIL import Image

TESTS = Path(__file__).resolve().parents[1]
DATA = TESTS / "data"
SHARED_DATASETS = Path(os.environ.get("OCRKIT_SHARED_DATASETS", TESTS.parent.parent / "shared" / "datasets"))

#: The ``ocrmypdf`` console script of this environment.
OCRMYPDF = Path(sys.executable).with_name("ocrmypdf")
#: Resolution of the PDFs built from tests/data images (small pages: OCRmyPDF is slow per page).
BUILT_DPI = 150
TIMEOUT = 300


def run_ocrmypdf(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real command, with the machine's two cores and no progress bar."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(OCRMYPDF), "--jobs", "2", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=TIMEOUT)


def build_pdf(images: list[Image.Image], path: Path, dpi: int = BUILT_DPI) -> Path:
    """A scanned-looking PDF: one image a page at *dpi*, no text layer."""
    files = []
    for i, image in enumerate(images):
        file = path.with_name(f"{path.stem}-{i}.png")
        image.save(file, dpi=(dpi, dpi))
        files.append(str(file))
    path.write_bytes(img2pdf.convert(files))
    return path


def corpus_file(name: str) -> Path:
    path = SHARED_DATASETS / "pdf-corpus" / "files" / name
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared pdf-corpus is only present beside the repo in CI)")
    return path


@pytest.fixture(scope="session")
def built_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two pages from tests/data: English prose and German with umlauts."""
    folder = tmp_path_factory.mktemp("built")
    return build_pdf([Image.open(DATA / "page_simple.png"), Image.open(DATA / "german.png")], folder / "built.pdf")
