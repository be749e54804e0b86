"""Accuracy and CLI parity on the shared real-scan datasets (skipped when
``../shared/datasets`` is absent)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import ocrkit
from ocrkit.eval import TextScore, score_text

pytestmark = pytest.mark.dataset

#: The issue's bar for tesseract (tessdata_fast eng, psm 7) on the 500 UW-III lines.
UW3_MAX_CER = 0.011


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_uw3_lines_cer(ocrkit_home: Path, uw3_lines: tuple[Path, list[dict]]) -> None:
    folder, rows = uw3_lines
    total = TextScore()
    with ocrkit.open("tesseract") as ocr:
        for chunk in _chunks(rows, 100):
            pages = ocr.recognize([folder / row["image"] for row in chunk], layout="line")
            for row, page in zip(chunk, pages):
                assert page.meta["psm"] == 7
                total += score_text(row["text"], page.text)
    assert total.ref_chars > 15_000
    assert total.cer <= UW3_MAX_CER, f"CER {total.cer:.4%} over {total.ref_chars} characters"


def test_sroie_receipts_equal_the_tesseract_command(
    ocrkit_home: Path, sroie_receipts: tuple[Path, list[dict]], cli: Callable[..., str]
) -> None:
    """All 60 receipts: the engine's page text is the CLI's, byte for byte."""
    folder, rows = sroie_receipts
    images = [folder / row["image"] for row in rows]
    with ThreadPoolExecutor(2) as pool:
        expected = pool.map(cli, images)  # runs beside the engine: both cores stay busy
        got: list[str] = []
        with ocrkit.open("tesseract") as ocr:
            for chunk in _chunks(images, 8):
                got += [page.text for page in ocr.recognize(chunk)]
        expected = list(expected)
    mismatched = [img.name for img, a, b in zip(images, got, expected) if a != b]
    assert len(got) == len(rows) == 60
    assert mismatched == [], f"{len(mismatched)} receipts differ from the CLI: {mismatched[:10]}"
    assert all(text.strip() for text in got)
