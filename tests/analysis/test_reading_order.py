"""Reading order and paragraphs from line boxes alone (the core's, for every backend
that returns bare lines): columns one after the other, full-width titles and
captions between the sections they separate, receipts, forms and tables row by row."""

from __future__ import annotations

from ocrkit.analysis import paragraphs, reading_order

Box = tuple[int, int, int, int]
LINE = 20  # line height of the synthetic pages
PITCH = 30  # baseline to baseline


def _flat(areas: list[list[int]]) -> list[int]:
    return [i for area in areas for i in area]


def _column(x0: int, x1: int, top: int, n: int) -> list[Box]:
    return [(x0, top + PITCH * k, x1, top + PITCH * k + LINE) for k in range(n)]


def _two_column_page(gutter: int = 60) -> tuple[list[Box], list[str], list[str]]:
    """Title, two columns on one baseline grid, a full-width caption, two more columns,
    a footer; boxes listed the way a detector finds them (row by row, across the gutter)
    and each box's name in true reading order."""
    half = (1000 - gutter) // 2
    left, right = (20, 20 + half), (20 + half + gutter, 1020)
    top = 10
    title = (200, top, 840, top + 30)
    top += 60
    first = (_column(*left, top, 8), _column(*right, top, 6))  # the left column is the longer one
    top += 8 * PITCH + 20
    caption = [(20, top, 1020, top + LINE), (20, top + PITCH, 600, top + PITCH + LINE)]
    top += 2 * PITCH + 30
    second = (_column(*left, top, 5), _column(*right, top, 5))
    top += 5 * PITCH + 30
    footer = [(20, top, 1020, top + LINE)]
    names: dict[Box, str] = {}
    truth: list[str] = []

    def add(name: str, box: Box) -> None:
        names[box] = name
        truth.append(name)

    add("title", title)
    for side, col in zip("LR", first):
        for k, box in enumerate(col):
            add(f"1{side}{k}", box)
    for k, box in enumerate(caption):
        add(f"caption{k}", box)
    for side, col in zip("LR", second):
        for k, box in enumerate(col):
            add(f"2{side}{k}", box)
    add("footer", footer[0])
    boxes = sorted(names, key=lambda b: (b[1], b[0]))  # detection order: rows across the gutter
    return boxes, [names[b] for b in boxes], truth


def test_two_columns_on_one_baseline_grid_read_column_by_column() -> None:
    boxes, names, truth = _two_column_page()
    order = _flat(reading_order(boxes))
    assert [names[i] for i in order] == truth


def test_a_gutter_narrower_than_a_line_height_still_separates_columns() -> None:
    # linn.pdf: 32 px between columns of 50 px lines
    boxes, names, truth = _two_column_page(gutter=12)
    assert [names[i] for i in _flat(reading_order(boxes))] == truth


def test_areas_are_title_columns_caption_columns_footer() -> None:
    boxes, names, _ = _two_column_page()
    areas = [[names[i] for i in area] for area in reading_order(boxes)]
    assert [area[0] for area in areas] == ["title", "1L0", "1R0", "caption0", "2L0", "2R0", "footer"]


def test_turned_page_reads_from_the_bottom_right() -> None:
    boxes, names, truth = _two_column_page()
    turned = [(1100 - x1, 1000 - y1, 1100 - x0, 1000 - y0) for x0, y0, x1, y1 in boxes]
    assert [names[i] for i in _flat(reading_order(turned, upside_down=True))] == truth


def test_receipt_labels_and_prices_read_row_by_row() -> None:
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


def test_table_cells_read_row_by_row() -> None:
    cells = [(x, 100 + 30 * r, x + 120, 120 + 30 * r) for r in range(4) for x in (20, 300, 600)]
    assert _flat(reading_order(cells)) == list(range(12))


def test_an_address_above_a_salutation_is_not_two_columns() -> None:
    # a letter: the sender's address on the right, then "Monsieur," on the left, then the text
    address = [(600, 50 + 30 * k, 1000, 70 + 30 * k) for k in range(3)]
    salutation = [(40, 160, 400, 180)]
    body = _column(40, 1000, 200, 3)
    assert _flat(reading_order(address + salutation + body)) == list(range(7))


def test_no_lines_no_areas() -> None:
    assert reading_order([]) == []


def test_paragraphs_break_at_gaps_indents_headings_and_short_lines() -> None:
    boxes = [
        (20, 0, 600, 30),        # 0 heading: taller text
        (20, 50, 1000, 70),      # 1 paragraph
        (20, 80, 1000, 100),     # 2
        (20, 110, 500, 130),     # 3 short: ends the paragraph
        (20, 140, 1000, 160),    # 4 new paragraph after the short line
        (20, 170, 1000, 190),    # 5
        (20, 230, 1000, 250),    # 6 after a white gap
        (20, 260, 1000, 280),    # 7
        (80, 290, 1000, 310),    # 8 indented first line
        (20, 320, 1000, 340),    # 9
    ]
    assert paragraphs(boxes, list(range(10))) == [[0], [1, 2, 3], [4, 5], [6, 7], [8, 9]]


def test_lines_of_one_row_stay_in_one_paragraph() -> None:
    boxes = [(20, 0, 400, 20), (500, 2, 900, 22), (20, 30, 900, 50)]
    assert paragraphs(boxes, [0, 1, 2]) == [[0, 1, 2]]
