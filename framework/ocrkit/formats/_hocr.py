"""hOCR 1.2 (https://kba.github.io/hocr-spec/1.2/), the subset Tesseract writes and
OCRmyPDF's and hocr-tools' readers expect: ``ocr_page`` > ``ocr_carea`` > ``ocr_par`` >
``ocr_line`` > ``ocrx_word``, one class per element, boxes in page pixels.

Each ocrkit Block is one ``ocr_par`` (a paragraph); consecutive blocks of one area
(``Block.area``: a column, a run of full-width text) share an ``ocr_carea``, and a
block without an area has one of its own. A line without word boxes becomes one
word spanning the line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .._versions import installed_version
from ..results import BBox, Page, union_bbox
from ._words import line_words
from ._xml import serialise, xml_text

XHTML = "http://www.w3.org/1999/xhtml"
DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
    '    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)
#: What a file name in a title property may not hold as it is.
_TITLE_UNSAFE = re.compile(r'[%;"\\\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]')
#: Everything this writer emits, declared as hOCR requires.
CAPABILITIES = "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"


def _bbox(box: BBox) -> str:
    return "bbox {} {} {} {}".format(*(int(v) for v in box))


def _wconf(confidence: float) -> int:
    return max(0, min(100, round(float(confidence) * 100)))


def _systems(pages: Sequence[Page]) -> str:
    engines = sorted({f"{p.backend} {p.model}".strip() for p in pages if p.backend})
    return f"ocrkit {installed_version('ocrkit', 'unknown')}" + (f" ({', '.join(engines)})" if engines else "")


def render(pages: Sequence[Page]) -> str:
    html = ET.Element("html", {"xmlns": XHTML, "xml:lang": "en", "lang": "en"})
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "title").text = xml_text(pages[0].source if len(pages) == 1 and pages[0].source else "")
    ET.SubElement(head, "meta", {"http-equiv": "Content-Type", "content": "text/html;charset=utf-8"})
    ET.SubElement(head, "meta", {"name": "ocr-system", "content": xml_text(_systems(pages))})
    ET.SubElement(head, "meta", {"name": "ocr-capabilities", "content": CAPABILITIES})
    ET.SubElement(head, "meta", {"name": "ocr-number-of-pages", "content": str(len(pages))})
    body = ET.SubElement(html, "body")
    for index, page in enumerate(pages):
        _page(body, page, index)
    return serialise(html, DOCTYPE)


def _title_name(name: str) -> str:
    """*name* as a quoted ``image`` property: ``%``, ``;``, ``"``, ``\\`` and line breaks
    percent-encoded, so no title parser (split on ``;``, or a regex search) reads a
    property out of a file name such as ``x; bbox 0 0 9 9; ppageno 41.png``."""
    return '"{}"'.format(_TITLE_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", xml_text(name)))


def _page(body: ET.Element, page: Page, index: int) -> None:
    n = index + 1
    title = [_bbox((0, 0, page.width, page.height)), f"ppageno {(page.page_number or n) - 1}"]
    if page.dpi:
        title.append(f"scan_res {round(page.dpi)} {round(page.dpi)}")
    if page.text_angle:  # page analysis turned the page: its text runs at this angle in the scan
        title.append(f"textangle {page.text_angle:g}")
    if page.source:  # last: a parser that searches the title finds the real properties first
        title.append(f"image {_title_name(page.source)}")
    div = ET.SubElement(body, "div", {"class": "ocr_page", "id": f"page_{n}", "title": "; ".join(title)})
    line_no = word_no = par_no = 0
    for a, area in enumerate(page.areas, start=1):
        box = _bbox(union_bbox(block.bbox or (0, 0, 0, 0) for block in area))
        carea = ET.SubElement(div, "div", {"class": "ocr_carea", "id": f"block_{n}_{a}", "title": box})
        for block in area:
            par_no += 1
            par_box = _bbox(block.bbox or (0, 0, 0, 0))
            par = ET.SubElement(carea, "p", {"class": "ocr_par", "id": f"par_{n}_{par_no}", "title": par_box})
            for line in block.lines:
                words = line_words(line)
                if not words:
                    continue
                line_no += 1
                line_id = f"line_{n}_{line_no}"
                span = ET.SubElement(par, "span", {"class": "ocr_line", "id": line_id, "title": _bbox(line.bbox)})
                for word in words:
                    word_no += 1
                    ET.SubElement(
                        span,
                        "span",
                        {
                            "class": "ocrx_word",
                            "id": f"word_{n}_{word_no}",
                            "title": f"{_bbox(word.bbox)}; x_wconf {_wconf(word.confidence)}",
                        },
                    ).text = xml_text(word.text)

