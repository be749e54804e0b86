"""Fixtures for the LangChain, LlamaIndex and Haystack adapter tests: the real client
libraries (their extras are in ``[test]``), real files, and ``ocrkit read`` of the
same files to compare with."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from ocrkit.cli import main as ocrkit_main
from tests.conftest import DATA, SHARED_DATASETS

BACKENDS = ("tesseract", "onnx")
#: PDF pages render at this resolution in these tests (small pages: fast, still well read).
DPI = 100
#: A real scanned PDF (one small page of French prose) and a test image.
PDF_NAME = "francais.pdf"
IMAGE = DATA / "page_simple.png"
#: An image small enough that 20 of them read in a second or two.
SMALL_IMAGE = DATA / "line_hello.png"


def corpus_file(name: str) -> Path:
    path = SHARED_DATASETS / "pdf-corpus" / "files" / name
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared pdf-corpus is only present beside the repo in CI)")
    return path


#: ``ocrkit_read(path, backend)``
ReadOutput = Callable[[Path, str], str]


@pytest.fixture(scope="session")
def ocrkit_read(tmp_path_factory: pytest.TempPathFactory) -> ReadOutput:
    """What ``ocrkit read --dpi DPI`` prints for a file: its pages' texts, separated by a
    form feed. Each (file, backend) is read once per test session, whatever the number
    of xdist workers: the output is kept in a folder they share."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the session's folder, above each worker's
    folder = shared / "ocrkit-read"
    folder.mkdir(exist_ok=True)

    def read(path: Path, backend: str) -> str:
        kept = folder / f"{path.name}.{backend}.txt"
        with FileLock(f"{kept}.lock"):
            if not kept.exists():
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    code = ocrkit_main(["read", "-b", backend, "--dpi", str(DPI), str(path)])
                assert code == 0
                kept.write_text(out.getvalue(), encoding="utf-8")
            return kept.read_text(encoding="utf-8")

    return read


def as_read_output(texts: list[str]) -> str:
    """Page texts as ``ocrkit read`` prints them (form feeds between, a final newline)."""
    text = "\f".join(texts)
    return text if not text or text.endswith("\n") else text + "\n"


def assert_blocks(blocks: list[dict[str, Any]], text: str, width: int, height: int) -> None:
    """The page's blocks: their words are the page's, their boxes inside the page."""
    assert blocks
    words = set(text.split())
    for block in blocks:
        x0, y0, x1, y1 = block["bbox"]
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        assert set(block["text"].split()) <= words and 0 < block["confidence"] <= 1


def write_bad_files(folder: Path) -> list[Path]:
    """A PDF header then nothing, and bytes that are no image: each must fail alone."""
    broken_pdf = folder / "broken.pdf"
    broken_pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    not_image = folder / "garbage.png"
    not_image.write_bytes(b"this is not an image at all")
    return [broken_pdf, not_image]


@pytest.fixture(scope="session")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two good images and two bad files, in one folder."""
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copy(IMAGE, folder / "a_page.png")
    shutil.copy(SMALL_IMAGE, folder / "z_line.png")
    write_bad_files(folder)
    return folder


@pytest.fixture(scope="session")
def twenty_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("twenty")
    files = [folder / f"line{i:02}.png" for i in range(20)]
    for file in files:
        shutil.copy(SMALL_IMAGE, file)
    return files


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
