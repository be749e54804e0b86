"""Recognition with the real PP-OCRv6 small set on the rendered test images:
page text, detection, reading order, words and their boxes, line mode, inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocrkit
from ocrkit.results import Page

from .conftest import DATA

PAGES = ["page_simple.png", "two_columns.png", "german.png"]
LINES = ["line_hello.png", "line_numbers.png", "line_sentence.png"]


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


@pytest.mark.parametrize("name", PAGES)
def test_page_text_matches_the_truth_in_reading_order(engine: ocrkit.Engine, truth: dict[str, str], name: str) -> None:
    page = engine.recognize(DATA / name)
    assert _lines(page.text) == truth[name].splitlines()
    assert [ln.text for ln in page.lines] == truth[name].splitlines()
    assert page.backend == "onnx" and page.model == "ppocrv6-small"
    assert page.width, page.height == Image.open(DATA / name).size
    assert 0.9 < page.confidence <= 1.0


def test_two_columns_form_two_blocks_read_left_column_first(engine: ocrkit.Engine) -> None:
    page = engine.recognize(DATA / "two_columns.png")
    assert len(page.blocks) == 2
    left, right = page.blocks
    assert left.bbox[2] < right.bbox[0]
    assert left.text.startswith("Plugins register through") and right.text.startswith("Every backend")


@pytest.mark.parametrize("name", PAGES + LINES)
def test_detection_only_finds_every_line_with_polygons(engine: ocrkit.Engine, truth: dict[str, str], name: str) -> None:
    page = engine.recognize(DATA / name, layout="detect")
    expected = truth[name].splitlines()
    assert len(page.lines) == len(expected)
    full = engine.recognize(DATA / name)
    for found, recognised in zip(page.lines, full.lines):
        assert found.text == "" and found.words == []
        assert found.polygon is not None and len(found.polygon) == 4
        x0, y0, x1, y1 = found.bbox
        assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
        assert found.bbox == recognised.bbox


@pytest.mark.parametrize("name", PAGES + LINES)
def test_words_are_separated_and_their_boxes_lie_inside_the_line(
    engine: ocrkit.Engine, truth: dict[str, str], name: str
) -> None:
    page = engine.recognize(DATA / name)
    assert [w.text for w in page.words] == truth[name].split()
    for line in page.lines:
        assert line.text == " ".join(w.text for w in line.words)
        lx0, ly0, lx1, ly1 = line.bbox
        previous_right = -1
        slack = 0.1 * (ly1 - ly0)  # a slightly skewed line makes neighbouring word boxes touch
        for word in line.words:
            x0, y0, x1, y1 = word.bbox
            assert lx0 <= x0 < x1 <= lx1 and ly0 <= y0 < y1 <= ly1, (word, line.bbox)
            assert x0 >= previous_right - slack, "words of a line overlap"
            previous_right = x1
            assert 0.5 < word.confidence <= 1.0
            assert word.polygon is not None and len(word.polygon) == 4


def test_word_boxes_cover_the_ink_of_their_word(engine: ocrkit.Engine) -> None:
    """Each word box is mostly ink columns, the first and last boxes reach the ends of
    the ink, and the border between two neighbouring words falls on blank paper."""
    page = engine.recognize(DATA / "line_sentence.png", layout="line")
    pixels = np.asarray(Image.open(DATA / "line_sentence.png").convert("L"))
    ink_columns = (pixels < 128).any(axis=0)
    columns = np.flatnonzero(ink_columns)
    words = page.words
    assert len(words) == 8
    for word in words:
        x0, _, x1, _ = word.bbox
        assert ink_columns[x0:x1].mean() > 0.6, word
    assert words[0].bbox[0] <= columns[0] + 4 and words[-1].bbox[2] >= columns[-1] - 4
    for left, right in zip(words, words[1:]):
        border = (left.bbox[2] + right.bbox[0]) // 2
        assert not ink_columns[border], (left.text, right.text, border)


@pytest.mark.parametrize("name", LINES)
def test_line_layout_recognises_line_crops_without_detection(
    engine: ocrkit.Engine, truth: dict[str, str], name: str
) -> None:
    page = engine.recognize(DATA / name, layout="line")
    assert page.text == truth[name]
    (line,) = page.lines
    assert line.bbox == (0, 0, page.width, page.height)
    assert [w.text for w in line.words] == truth[name].split()


def _words(page: Page) -> list[str]:
    return [w.text for w in page.words]


def test_line_batch_reads_like_one_by_one(engine: ocrkit.Engine) -> None:
    """Batching pads crops to a common width, which nudges probabilities but not the text."""
    paths = [DATA / n for n in LINES] * 3
    batch = engine.recognize(paths, layout="line")
    single = [engine.recognize(p, layout="line") for p in paths]
    assert [p.text for p in batch] == [p.text for p in single]
    assert [_words(p) for p in batch] == [_words(p) for p in single]
    assert [p.source for p in batch] == [str(p) for p in paths]


def test_page_batch_reads_like_one_by_one(engine: ocrkit.Engine) -> None:
    paths = [DATA / n for n in PAGES]
    batch = engine.recognize(paths)
    single = [engine.recognize(p) for p in paths]
    assert [p.text for p in batch] == [p.text for p in single]
    assert [[ln.bbox for ln in p.lines] for p in batch] == [[ln.bbox for ln in p.lines] for p in single]


def test_inputs_of_every_kind_give_the_same_text(engine: ocrkit.Engine, truth: dict[str, str]) -> None:
    path = DATA / "page_simple.png"
    grey = Image.open(path)
    rgb = grey.convert("RGB")
    inputs = [str(path), path.read_bytes(), grey, rgb, np.asarray(rgb), np.asarray(grey)]
    texts = {engine.recognize(item).text for item in inputs}
    assert texts == {engine.recognize(path).text}
    assert _lines(texts.pop()) == truth["page_simple.png"].splitlines()


def test_upside_down_page_is_turned_by_the_angle_classifier(engine: ocrkit.Engine, truth: dict[str, str]) -> None:
    rotated = Image.open(DATA / "page_simple.png").rotate(180)
    page = engine.recognize(rotated)
    assert [ln.text for ln in page.lines] == truth["page_simple.png"].splitlines()
    for line in page.lines:
        for word in line.words:
            x0, y0, x1, y1 = word.bbox
            assert line.bbox[0] <= x0 < x1 <= line.bbox[2]
    # read upside down, the first word of each line sits at its right end
    first = page.lines[0]
    assert first.words[0].bbox[0] > first.words[-1].bbox[0]


def test_vertical_text_line_is_read_after_a_quarter_turn(engine: ocrkit.Engine) -> None:
    turned = Image.open(DATA / "line_hello.png").rotate(90, expand=True)
    page = engine.recognize(turned)
    assert page.text == "Hello world from ocrkit"
    (line,) = page.lines
    assert line.bbox[3] - line.bbox[1] > 3 * (line.bbox[2] - line.bbox[0])
    for word in line.words:
        assert line.bbox[1] <= word.bbox[1] < word.bbox[3] <= line.bbox[3]


def test_blank_and_tiny_images_give_empty_pages(engine: ocrkit.Engine) -> None:
    for image in (np.full((300, 400), 255, np.uint8), np.zeros((1, 1), np.uint8), np.full((5, 900), 200, np.uint8)):
        page = engine.recognize(image)
        assert page.text == "" and page.lines == []
        assert (page.width, page.height) == (image.shape[1], image.shape[0])
        line = engine.recognize(image, layout="line")
        assert isinstance(line, Page)


def test_json_round_trip_keeps_polygons_and_words(engine: ocrkit.Engine) -> None:
    page = engine.recognize(DATA / "german.png")
    again = Page.from_dict(json.loads(page.to_json()))
    assert again.text == page.text
    assert [w.text for w in again.words] == [w.text for w in page.words]
    assert again.lines[0].polygon is not None


def test_options_change_detection(ocrkit_home: Path, truth: dict[str, str]) -> None:
    """A side limit enlarging small pages (limit_type min) still reads the page; a
    box threshold of 1.0 keeps no line at all."""
    with ocrkit.open("onnx", det_limit_type="min", det_limit_side_len=736, use_angle_cls=False) as ocr:
        assert ocr.handle.state.classifier is None
        assert _lines(ocr.recognize(DATA / "german.png").text) == truth["german.png"].splitlines()
    with ocrkit.open("onnx", det_box_thresh=1.0) as ocr:
        assert ocr.recognize(DATA / "german.png").lines == []


class _SpaceDroppingSession:
    """The real recogniser, with every time step where the space class won handed to
    blank instead (space left at 0.3): what PP-OCRv4 does between Latin words."""

    def __init__(self, session: object) -> None:
        self.session = session

    def run(self, outputs: list[str], feed: dict) -> list[np.ndarray]:
        (out,) = self.session.run(outputs, feed)
        out = out.copy()
        won = out.argmax(axis=2) == out.shape[2] - 1
        out[..., -1][won] = 0.3
        out[..., 0][won] = 0.7
        return [out]

    def __getattr__(self, name: str) -> object:
        return getattr(self.session, name)


def _drop_spaces(ocr: ocrkit.Engine) -> None:
    """Both recogniser sessions (the one-thread one and the whole-machine one a
    single line runs on) behave like a recogniser that drops spaces."""
    pipeline = ocr.handle.state
    for rec in (pipeline.recognizer, pipeline.wide_recognizer):
        if rec is not None:
            rec.session = _SpaceDroppingSession(rec.session)


@pytest.mark.parametrize("name", LINES)
def test_spaces_a_recogniser_drops_are_recovered_from_the_time_steps(
    ocrkit_home: Path, truth: dict[str, str], name: str
) -> None:
    with ocrkit.open("onnx", use_angle_cls=False) as ocr:
        _drop_spaces(ocr)
        page = ocr.recognize(DATA / name, layout="line")
        assert page.text == truth[name]
        assert [w.text for w in page.words] == truth[name].split()
    with ocrkit.open("onnx", use_angle_cls=False, space_threshold=0) as ocr:
        _drop_spaces(ocr)
        glued = ocr.recognize(DATA / name, layout="line").text
        assert glued == truth[name].replace(" ", "")


def test_absurdly_long_line_is_squeezed_not_exploded(engine: ocrkit.Engine) -> None:
    """A 'line' 200 heights long is recognised with bounded memory (squeezed to 160)."""
    line = np.asarray(Image.open(DATA / "line_hello.png"))
    long_line = np.tile(line, (1, 30))  # 16980 x 80
    page = engine.recognize(long_line, layout="line")
    assert "Hello" in page.text or "ocrkit" in page.text
    (only,) = page.lines
    assert all(0 <= w.bbox[0] < w.bbox[2] <= long_line.shape[1] for w in only.words)


def test_detector_input_respects_the_limits() -> None:
    from ocrkit_onnx._detect import DetParams, detect_resize_shape

    assert detect_resize_shape(420, 1400, DetParams()) == (288, 960)
    assert detect_resize_shape(80, 566, DetParams()) == (64, 576)
    assert detect_resize_shape(80, 566, DetParams(limit_type="min", limit_side_len=736)) == (288, 1984)
    h, w = detect_resize_shape(12000, 9000, DetParams(limit_type="min", limit_side_len=736))
    assert max(h, w) <= 2000 and h % 32 == 0 and w % 32 == 0
    assert detect_resize_shape(1, 1, DetParams()) == (32, 32)
