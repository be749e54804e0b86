"""The hostile inputs of issue 11, rebuilt from the attack run's reproductions (so a
reader sees how each was made), and a helper to run code in a fresh interpreter."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.commands import run_ocrkit as run_ocrkit  # the hostile tests import it from here

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "images" / "sample.png"
SAMPLE_FIRST_LINE = "ocrkit reads this sample page."
SHARED_DATASETS = Path(os.environ.get("OCRKIT_SHARED_DATASETS", REPO.parent / "shared" / "datasets"))


def _tiff(size: tuple[int, int] = (10, 10)) -> bytearray:
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, "TIFF")
    return bytearray(out.getvalue())


def strip_offsets_as_ascii_tiff() -> bytes:
    """Issue 11, 1a: StripOffsets typed ASCII; Pillow raises TypeError."""
    data = _tiff()
    at = data.find(struct.pack("<HH", 0x111, 4))
    data[at + 2 : at + 4] = struct.pack("<H", 2)
    return bytes(data)


def tesserocr_fallback_tiff() -> bytes:
    """Issue 11, 1b: leptonica rejects it, tesserocr's re-save through Pillow raises KeyError."""
    data = _tiff()
    data[62], data[84] = 0x68, 0x85
    return bytes(data)


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "bad1.tif").write_bytes(strip_offsets_as_ascii_tiff())
    (folder / "bad2.tif").write_bytes(tesserocr_fallback_tiff())
    Image.new("L", (40000, 20), 255).save(folder / "wide.png")
    return folder


def run_python(code: str, *args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """*code* in a fresh interpreter (for stderr and peak memory of one action alone)."""
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=REPO,
    )
