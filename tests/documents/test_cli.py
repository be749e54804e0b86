"""``ocrkit read`` on documents: PDFs and TIFFs wherever images go, --pages, --dpi,
--password, every --format, and one error line per failed file or page."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.commands import call_ocrkit

from .conftest import DATA


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, list[str]]:
    """``ocrkit read ARGV``: (exit code, stdout, the non-blank stderr lines)."""
    code, out, err = call_ocrkit(capsys, "read", *argv)
    return code, out, [line for line in err.splitlines() if line.strip()]


def test_read_pdf_pages_as_tsv_and_json(three_page_pdf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(three_page_pdf), "--pages", "2-3", "--dpi", "100", "-f", "tsv")
    assert (code, err) == (0, [])
    rows = list(csv.DictReader(io.StringIO(out), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert sorted({r["page_num"] for r in rows}) == ["2", "3"]
    assert "entry" in {r["text"].lower() for r in rows if r["level"] == "5"}  # two_columns.png: "entry points"
    code, out, err = _run(capsys, str(three_page_pdf), "--pages", "1", "--dpi", "100", "-f", "json")
    page = json.loads(out)
    assert (code, page["page"], page["dpi"], page["source"]) == (0, 1, 100.0, str(three_page_pdf))


def test_read_tiff_as_text_hocr_and_alto(three_page_tiff: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(three_page_tiff), "-f", "text")
    assert code == 0 and out.count("\f") == 2 and "quick brown fox" in out
    hocr = tmp_path / "out.hocr"
    assert _run(capsys, str(three_page_tiff), "--pages", "3", "-f", "hocr", "--output", str(hocr))[0] == 0
    pages = [d for d in ET.parse(hocr).iter("{http://www.w3.org/1999/xhtml}div") if d.get("class") == "ocr_page"]
    assert len(pages) == 1 and "ppageno 2" in pages[0].get("title", "")
    code, out, _ = _run(capsys, str(three_page_tiff), "-f", "alto", "--pages", "1")
    assert code == 0 and ET.fromstring(out).tag == "{http://www.loc.gov/standards/alto/ns-v4#}alto"


def test_bad_files_and_refused_pages_cost_one_line_each(
    three_page_pdf: Path, encrypted_pdf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invalid = tmp_path / "invalid.pdf"
    invalid.write_bytes(b"%PDF-1.4\n")
    too_wide = tmp_path / "wide.png"  # a valid image that the tesseract backend refuses (a side > 32767)
    Image.fromarray(np.full((8, 33000), 255, np.uint8)).save(too_wide)
    files = [str(invalid), str(encrypted_pdf), str(too_wide), str(DATA / "line_hello.png"), str(three_page_pdf)]
    code, out, err = _run(capsys, *files, "--pages", "1", "--dpi", "60")
    assert code == 1
    assert len(err) == 3 and all(line.startswith("ocrkit: error: ") for line in err)
    assert str(invalid) in err[0] and "not a valid PDF" in err[0]
    assert str(encrypted_pdf) in err[1] and "--password" in err[1]
    assert str(too_wide) in err[2] and "32767" in err[2]
    assert f"==> {DATA / 'line_hello.png'} <==\nHello world from ocrkit" in out and f"==> {three_page_pdf} <==" in out
    code, out, err = _run(capsys, str(encrypted_pdf), "--password", "secret", "--pages", "1", "--dpi", "60")
    assert code == 0 and err == [] and out.strip()


def test_bad_page_selection_and_warnings(three_page_pdf: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _run(capsys, str(three_page_pdf), "--pages", "3-1")
    assert code == 1 and len(err) == 1 and "bad page selection" in err[0]
    code, out, err = _run(capsys, str(three_page_pdf), "--pages", "4")
    assert code == 1 and out == "" and "has 3 pages" in err[0]
    monkeypatch.setenv("OCRKIT_MAX_IMAGE_PIXELS", str(700 * 210))
    code, out, err = _run(capsys, str(three_page_pdf), "--pages", "1", "-f", "json")
    assert code == 0 and err[0].startswith("ocrkit: warning: ") and "rendered at" in err[0]
    assert json.loads(out)["dpi"] < 150
