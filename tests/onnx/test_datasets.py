"""Accuracy on the shared real-scan datasets with the default PP-OCRv6 small set
(skipped when ``../shared/datasets`` is absent); the receipts are in
test_datasets_receipts.py, so two workers read the two datasets at once.

Reference figures measured on the same data: RapidOCR 3.10 with the same models
scores CER 0.80 % on uw3-lines (recognition only) and bag-of-words F1 0.836
(mean over receipts; 0.839 over all words) on sroie-receipts, case-insensitive.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ocrkit
from ocrkit.eval import TextScore, score_text

pytestmark = [pytest.mark.dataset, pytest.mark.slow]

UW3_MAX_CER = 0.009


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_uw3_lines_recognition_only_cer(ocrkit_home: Path, uw3_lines: tuple[Path, list[dict]]) -> None:
    folder, rows = uw3_lines
    total = TextScore()
    with ocrkit.open("onnx") as ocr:
        for chunk in chunks(rows, 100):
            pages = ocr.recognize([folder / row["image"] for row in chunk], layout="line")
            for row, page in zip(chunk, pages):
                total += score_text(row["text"], page.text)
    assert total.ref_chars > 15_000
    assert total.cer <= UW3_MAX_CER, f"CER {total.cer:.4%} over {total.ref_chars} characters"
