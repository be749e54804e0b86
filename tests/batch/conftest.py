"""Inputs for the batch tests: a folder of mixed real files (good scans, a
multi-page TIFF, an empty file, a broken PNG, an invalid PDF, PDFs from the shared
corpus when it is present), and a shared Dask LocalCluster on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

DATA = Path(__file__).resolve().parent.parent / "data"
SHARED_DATASETS = Path(os.environ.get("OCRKIT_SHARED_DATASETS", DATA.parent.parent.parent / "shared" / "datasets"))
PDF_CORPUS = SHARED_DATASETS / "pdf-corpus" / "files"
GOOD = ("page_simple.png", "two_columns.png", "german.png", "line_hello.png")
GOOD_IN_SUB = ("line_numbers.png", "line_sentence.png")
#: Small valid PDFs of the shared corpus (no text: an empty page, not an error), when present.
CORPUS_GOOD = ("trivial.pdf", "no_contents.pdf")
#: Invalid inputs and the error class each must be recorded with.
BAD = {"empty.png": "BadImageError", "broken.png": "BadImageError", "invalid.pdf": "DocumentError"}


def build_mixed(folder: Path) -> Path:
    """The mixed input tree (see the module docstring); returns *folder*."""
    (folder / "sub").mkdir(parents=True)
    for name in GOOD:
        shutil.copy(DATA / name, folder / name)
    for name in GOOD_IN_SUB:
        shutil.copy(DATA / name, folder / "sub" / name)
    frames = [Image.open(DATA / n).convert("L") for n in ("line_hello.png", "line_numbers.png")]
    frames[0].save(folder / "sub" / "two_pages.tif", save_all=True, append_images=frames[1:])
    pdf_pages = [Image.open(DATA / n).convert("RGB") for n in ("page_simple.png", "line_sentence.png")]
    pdf_pages[0].save(folder / "two_pages.pdf", save_all=True, append_images=pdf_pages[1:], resolution=300)
    for name in CORPUS_GOOD:
        if (PDF_CORPUS / name).is_file():
            shutil.copy(PDF_CORPUS / name, folder / "sub" / name)
    (folder / "empty.png").write_bytes(b"")
    (folder / "broken.png").write_bytes((DATA / "line_hello.png").read_bytes()[:60])
    if (PDF_CORPUS / "invalid.pdf").is_file():
        shutil.copy(PDF_CORPUS / "invalid.pdf", folder / "invalid.pdf")
    else:  # the corpus file is a PDF header then EOF; the same thing, made here
        (folder / "invalid.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (folder / "notes.txt").write_text("not an input: a folder walk skips it\n")
    (folder / ".hidden.png").write_bytes(b"skipped: hidden")
    return folder


@pytest.fixture(scope="session")
def mixed_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_mixed(tmp_path_factory.mktemp("batch-inputs") / "in")


def good_names() -> list[str]:
    corpus = [f"sub/{n}" for n in CORPUS_GOOD if (PDF_CORPUS / n).is_file()]
    return sorted([*GOOD, *(f"sub/{n}" for n in GOOD_IN_SUB), "sub/two_pages.tif", "two_pages.pdf", *corpus])


@pytest.fixture(scope="session")
def dask_client() -> Iterator[object]:
    """One real LocalCluster (2 worker processes, nanny-restarted) for every Dask test."""
    distributed = pytest.importorskip("distributed")
    import logging

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
