"""PageTransform: pages turned by quarter turns and small angles, and every box
mapped back onto the input's pixel grid."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocrkit.analysis import PageTransform
from ocrkit.images import load_image
from ocrkit.results import Block, Line, Page, Word


def _page_with_square(width: int = 300, height: int = 200, box: tuple[int, int, int, int] = (40, 30, 90, 60)) -> Image.Image:
    image = Image.new("L", (width, height), 255)
    ImageDraw.Draw(image).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=0)
    return image


def _ink_box(array: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(array < 128)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_quarter_turns_map_boxes_back_exactly(rotation: int) -> None:
    box = (40, 30, 90, 60)
    image = load_image(_page_with_square(box=box))
    transform = PageTransform(image.width, image.height, rotation)
    out = transform.apply(image)
    assert (out.width, out.height) == ((300, 200) if rotation % 180 == 0 else (200, 300))
    found = _ink_box(out.array)  # where the square is on the turned page
    word = Word("x", 0.9, found)
    page = Page(width=out.width, height=out.height, blocks=[Block(lines=[Line("x", 0.9, found, [word])])])
    back = transform.page_back(page)
    assert (back.width, back.height) == (300, 200)
    assert back.words[0].bbox == box and back.lines[0].bbox == box and back.blocks[0].bbox == box
    assert back.words[0].polygon is None, "a quarter turn keeps boxes boxes"
    assert back.rotation == rotation and back.skew == 0.0


def test_identity_is_the_same_image() -> None:
    image = load_image(_page_with_square())
    assert PageTransform(image.width, image.height).apply(image) is image


@pytest.mark.parametrize(("rotation", "skew"), [(0, 4.0), (0, -7.5), (90, 3.0), (270, -2.0)])
def test_turned_and_straightened_pixels_map_back_where_they_were(rotation: int, skew: float) -> None:
    box = (120, 80, 180, 110)
    image = load_image(_page_with_square(box=box))
    transform = PageTransform(image.width, image.height, rotation, skew)
    out = transform.apply(image)
    assert out.width > image.height if rotation % 180 else out.width > image.width
    ys, xs = np.nonzero(out.array < 128)
    back = transform.points_back(np.column_stack([xs + 0.5, ys + 0.5]))
    assert back[:, 0].min() >= box[0] - 1.5 and back[:, 0].max() <= box[2] + 1.5
    assert back[:, 1].min() >= box[1] - 1.5 and back[:, 1].max() <= box[3] + 1.5
    found = _ink_box(out.array)
    page = Page(width=out.width, height=out.height, blocks=[Block(lines=[Line("x", 0.9, found, [Word("x", 0.9, found)])])])
    result = transform.page_back(page)
    word = result.words[0]
    assert word.bbox[0] <= box[0] + 1 and word.bbox[1] <= box[1] + 1
    assert word.bbox[2] >= box[2] - 1 and word.bbox[3] >= box[3] - 1
    assert word.polygon is not None and len(word.polygon) == 4, "a straightened box is a turned rectangle"
    assert all(0 <= x <= image.width and 0 <= y <= image.height for x, y in word.polygon)
    assert result.skew == skew and (result.width, result.height) == (image.width, image.height)


def test_points_back_inverts_the_turn() -> None:
    transform = PageTransform(640, 480, 90, 6.0)
    forward = np.linalg.inv(np.linalg.inv(transform._matrix()[0]))
    points = np.array([[0.0, 0.0], [640.0, 480.0], [100.5, 20.25]])
    moved = (forward @ np.column_stack([points, np.ones(3)]).T).T[:, :2]
    assert np.allclose(transform.points_back(moved), points)
