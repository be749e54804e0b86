"""The stage in the one read pipeline: ``engine.read_document`` and ``ocrkit read`` turn
pages upright by default, switchable, with boxes in the input's pixels; nothing on
``layout="line"``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ocrkit
from ocrkit.documents import ReadSpec
from ocrkit.errors import InvalidOptionError
from tests.commands import call_ocrkit

from .conftest import document_page, turned


@pytest.fixture(scope="module")
def sideways(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-column article page turned a quarter clockwise, as a file."""
    path = tmp_path_factory.mktemp("turned") / "sideways.png"
    turned(document_page("two-column", 0), 90).convert("L").save(path)
    return path


@pytest.mark.slow
def test_read_document_turns_pages_by_default(tesseract: ocrkit.Engine, sideways: Path) -> None:
    (page,) = list(tesseract.read_document(sideways))
    assert page.rotation == 90 and page.rotation_confidence is not None
    assert (page.width, page.height) == (1654, 2339)[::-1], "the input's grid: landscape, as given"
    assert all(w.bbox[3] - w.bbox[1] >= w.bbox[2] - w.bbox[0] for w in page.words if len(w.text) >= 6)
    (off,) = list(tesseract.read_document(sideways, analysis=False))
    assert off.rotation == 0 and off.rotation_confidence is None


def test_line_layout_skips_the_stage(tesseract: ocrkit.Engine, data: Path) -> None:
    (page,) = list(tesseract.read_document(data / "line_hello.png", layout="line"))
    assert page.rotation == 0 and page.rotation_confidence is None and page.text.strip()


def test_readspec_checks_the_settings() -> None:
    assert ReadSpec("tesseract", analysis={"deskew": False}).analysis.deskew is False
    assert not ReadSpec("tesseract", analysis=False).analysis.active
    with pytest.raises(InvalidOptionError, match="0-15 scale"):
        ReadSpec("tesseract", analysis={"rotate_pages_threshold": 14})


@pytest.mark.slow
def test_ocrkit_read_switches(capsys: pytest.CaptureFixture[str], sideways: Path) -> None:
    code, out, err = call_ocrkit(capsys, "read", str(sideways), "-f", "json")
    assert code == 0, err
    assert json.loads(out)["rotation"] == 90
    code, out, err = call_ocrkit(capsys, "read", str(sideways), "-f", "json", "--no-rotate-pages", "--no-deskew")
    assert code == 0, err
    data = json.loads(out)
    assert (data["rotation"], data["skew"], data["rotation_confidence"]) == (0, 0.0, None)
    code, _, err = call_ocrkit(capsys, "read", str(sideways), "--rotate-pages-threshold", "14")
    assert code != 0 and "0-15 scale" in err
