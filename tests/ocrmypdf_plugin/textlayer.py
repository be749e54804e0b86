"""Read an output PDF back the way a user's viewer does: pypdfium2's text layer
(words and their boxes) and the page rendered to pixels."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image

BBox = tuple[float, float, float, float]

_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


def norm(word: str) -> str:
    """A word as bag-of-words compares it: case folded, edge punctuation dropped."""
    return _EDGE_PUNCT.sub("", word.casefold())


@dataclass(frozen=True)
class PdfWord:
    text: str
    bbox: BBox  # pixels of the page rendered at the requested DPI, top-left origin


def text_words(pdf_path, page_index: int, dpi: float) -> list[PdfWord]:
    """The words of a page's text layer, with the union of their glyph boxes."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[page_index]
        to_view = _viewer_transform(page)
        textpage = page.get_textpage()
        scale = dpi / 72.0
        words: list[PdfWord] = []
        chars: list[str] = []
        boxes: list[BBox] = []

        def flush() -> None:
            if chars:
                x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
                x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
                words.append(PdfWord("".join(chars), (x0, y0, x1, y1)))
                chars.clear()
                boxes.clear()

        for i in range(textpage.count_chars()):
            ch = textpage.get_text_range(i, 1)
            if not ch or ch.isspace():
                flush()
                continue
            left, bottom, right, top = textpage.get_charbox(i)
            (ax, ay), (bx, by) = to_view(left, bottom), to_view(right, top)
            chars.append(ch)
            boxes.append((min(ax, bx) * scale, min(ay, by) * scale, max(ax, bx) * scale, max(ay, by) * scale))
        flush()
        return words
    finally:
        pdf.close()


def _viewer_transform(page: pdfium.PdfPage):
    """PDF user space (y up, before the page's /Rotate) -> the rendered page's points
    (y down, rotated as a viewer shows it)."""
    x0, y0, x1, y1 = page.get_mediabox()
    width, height = x1 - x0, y1 - y0
    rotation = page.get_rotation() % 360

    def to_view(x: float, y: float) -> tuple[float, float]:
        x, y = x - x0, y - y0
        if rotation == 90:
            return y, x
        if rotation == 180:
            return width - x, y
        if rotation == 270:
            return height - y, width - x
        return x, height - y

    return to_view


def render(pdf_path, page_index: int, dpi: float) -> Image.Image:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return pdf[page_index].render(scale=dpi / 72.0).to_pil().convert("RGB")
    finally:
        pdf.close()


def page_count(pdf_path) -> int:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def bag_f1(found: Iterable[str], expected: Iterable[str]) -> float:
    a = Counter(w for w in map(norm, found) if w)
    b = Counter(w for w in map(norm, expected) if w)
    if not a and not b:
        return 1.0
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def _centre(b: Sequence[float]) -> tuple[float, float]:
    return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2


def placed_fraction(pdf_words: Sequence[PdfWord], image_words: Sequence[tuple[str, Sequence[float]]],
                    slack: float = 0.25) -> float:
    """Of the text-layer words that the image's recognition also has, the share whose
    centre lies on that word in the image (its box grown by *slack* of its height)."""
    by_text: dict[str, list[Sequence[float]]] = {}
    for text, box in image_words:
        if norm(text):
            by_text.setdefault(norm(text), []).append(box)
    checked = placed = 0
    for word in pdf_words:
        candidates = by_text.get(norm(word.text))
        if not candidates:
            continue
        checked += 1
        cx, cy = _centre(word.bbox)
        for x0, y0, x1, y1 in candidates:
            pad = slack * (y1 - y0)
            if x0 - pad <= cx <= x1 + pad and y0 - pad <= cy <= y1 + pad:
                placed += 1
                break
    return placed / checked if checked else 0.0
