"""Documented usage cannot rot: every ```python block of the user-facing docs runs.

Each block runs in a fresh interpreter, in a folder holding the files the docs name
(``scan.png``, ``a.png``, ``b.png``, ``book.pdf``: the sample image and a three-page PDF
made from it), with a throw-away model store and ``import ocrkit`` done, as a page
that imported it once would have it. A block that cannot run offline is
preceded by ``<!-- snippet: skip (why) -->``; the reason is required.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "images" / "sample.png"
#: The pages whose Python blocks are executed.
DOCUMENTS = ("README.md", "docs/quickstart.md")
SKIP = re.compile(r"<!--\s*snippet:\s*skip\s*\((?P<why>[^)]+)\)\s*-->\s*$")
FENCE = re.compile(r"^```python\s*$")


def python_blocks(path: Path) -> list[tuple[int, str, str | None]]:
    """(first line number, code, skip reason) of every ```python block in *path*."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            previous = next((ln for ln in reversed(lines[:i]) if ln.strip()), "")
            skip = SKIP.search(previous)
            start = i + 1
            end = next(j for j in range(start, len(lines)) if lines[j].startswith("```"))
            blocks.append((start + 1, "\n".join(lines[start:end]) + "\n", skip.group("why") if skip else None))
            i = end
        i += 1
    return blocks


def _cases() -> list[object]:
    cases = []
    for doc in DOCUMENTS:
        for line, code, why in python_blocks(REPO / doc):
            marks = [pytest.mark.skip(reason=f"{doc}:{line}: {why}")] if why else []
            cases.append(pytest.param(code, id=f"{doc}:{line}", marks=marks))
    return cases


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("snippets")
    for name in ("scan.png", "a.png", "b.png"):
        shutil.copy(SAMPLE, folder / name)
    with Image.open(SAMPLE) as image:
        page = image.convert("RGB")
        page.save(folder / "book.pdf", save_all=True, append_images=[page, page], resolution=300)
    return folder


def test_the_documents_have_python_blocks() -> None:
    for doc in DOCUMENTS:
        assert python_blocks(REPO / doc), f"{doc} has no ```python block: is the fence still ```python?"


@pytest.mark.parametrize("code", _cases())
def test_documented_python_runs(code: str, workdir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "OCRKIT_HOME": str(tmp_path / "home"), "PYTHONWARNINGS": "error::ResourceWarning"}
    proc = subprocess.run(
        [sys.executable, "-c", "import ocrkit\n" + code], cwd=workdir, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, f"the snippet failed:\n{code}\n--- stderr ---\n{proc.stderr[-3000:]}"
