"""Reading order of detected lines: text columns one after the other, the cells of
a receipt or form row by row. Geometry only (boxes in, order out); the real-image
checks are in test_recognition.py (two_columns.png) and test_datasets.py (SROIE)."""

from __future__ import annotations

from ocrkit_onnx._layout import reading_order


def _flat(blocks: list[list[int]]) -> list[int]:
    return [i for block in blocks for i in block]


def test_receipt_labels_and_prices_read_row_by_row() -> None:
    # label, price per row; rows 40 px apart, prices far to the right, slightly skewed
    boxes = [
        (20, 100, 300, 130), (600, 98, 660, 128),   # Total Sales 7.00
        (20, 140, 160, 170), (600, 141, 660, 171),  # Discount 0.00
        (20, 180, 200, 210), (600, 183, 660, 213),  # Total GST 0.42
    ]
    assert _flat(reading_order(boxes)) == [0, 1, 2, 3, 4, 5]


def test_skewed_rows_do_not_chain_into_one() -> None:
    # each row drifts 12 px over its width: the union of a row's boxes would swallow the next row
    boxes = [(20, 100, 200, 130), (400, 112, 460, 142), (20, 140, 200, 170), (400, 152, 460, 182)]
    assert _flat(reading_order(boxes)) == [0, 1, 2, 3]


def test_text_columns_read_one_after_the_other() -> None:
    # two columns of long lines (~20 heights), baselines on the same grid
    left = [(20, 100 + 30 * k, 420, 120 + 30 * k) for k in range(6)]
    right = [(480, 100 + 30 * k, 880, 120 + 30 * k) for k in range(6)]
    order = _flat(reading_order(left + right))
    assert order == list(range(12))  # the whole left column, then the right one
