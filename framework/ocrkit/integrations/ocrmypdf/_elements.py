"""ocrkit's Page -> Block -> Line -> Word as OCRmyPDF's OcrElement tree
(ocr_page -> ocr_par -> ocr_line -> ocrx_word), in pixels of the page image."""

from __future__ import annotations

from ocrmypdf.hocrtransform import BoundingBox, OcrClass, OcrElement

from ...results import BBox, Line, Page, Word

__all__ = ["page_element"]


def _box(bbox: BBox) -> BoundingBox:
    x0, y0, x1, y1 = bbox
    return BoundingBox(left=x0, top=y0, right=max(x1, x0), bottom=max(y1, y0))


def _word(word: Word) -> OcrElement:
    return OcrElement(ocr_class=OcrClass.WORD, bbox=_box(word.bbox), text=word.text.strip(),
                      confidence=float(word.confidence), poly=list(word.polygon) if word.polygon else None)


def _line(line: Line) -> OcrElement:
    # a backend without word boxes: the line is its one "word", so its text is still searchable
    words = [w for w in line.words if w.text.strip()] or [Word(line.text, line.confidence, line.bbox)]
    return OcrElement(ocr_class=OcrClass.LINE, bbox=_box(line.bbox), confidence=float(line.confidence),
                      children=[_word(w) for w in words if w.text.strip()])


def page_element(page: Page, dpi: float | None, page_number: int) -> OcrElement:
    """The OcrElement tree of *page*; *page_number* is 0-based, as OCRmyPDF counts."""
    paragraphs = [
        OcrElement(ocr_class=OcrClass.PARAGRAPH, bbox=_box(block.bbox or (0, 0, 0, 0)),
                   children=[_line(line) for line in block.lines if line.text.strip()])
        for block in page.blocks
    ]
    return OcrElement(
        ocr_class=OcrClass.PAGE,
        bbox=BoundingBox(left=0, top=0, right=page.width, bottom=page.height),
        dpi=dpi,
        page_number=page_number,
        children=[p for p in paragraphs if p.children],
    )
