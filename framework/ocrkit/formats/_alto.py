"""ALTO 4.4 (namespace ``http://www.loc.gov/standards/alto/ns-v4#``), valid against the
official schema: ``Layout/Page/PrintSpace/TextBlock/TextLine/String`` with ``SP``
between words, positions in pixels, word confidence ``WC`` in 0..1.

(Tesseract's own ALTO writer emits the v3 namespace and ``WC="0."+int``, so a
confidence of 100 reads as 0.100; this one writes the number.)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .._versions import installed_version
from ..results import BBox, Page, Word
from ._words import line_words
from ._xml import serialise, xml_text

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/alto/v4/alto-4-4.xsd"


def _position(box: BBox) -> dict[str, str]:
    x0, y0, x1, y1 = (int(v) for v in box)
    return {"HPOS": str(x0), "VPOS": str(y0), "WIDTH": str(max(0, x1 - x0)), "HEIGHT": str(max(0, y1 - y0))}


def _wc(confidence: float) -> str:
    return f"{min(1.0, max(0.0, float(confidence))):.4f}".rstrip("0").rstrip(".") or "0"


def render(pages: Sequence[Page]) -> str:
    alto = ET.Element(
        "alto", {"xmlns": ALTO_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": SCHEMA_LOCATION, "SCHEMAVERSION": "4.4"}
    )
    description = ET.SubElement(alto, "Description")
    ET.SubElement(description, "MeasurementUnit").text = "pixel"
    sources = {p.source for p in pages if p.source}
    if len(sources) == 1:
        info = ET.SubElement(description, "sourceImageInformation")
        ET.SubElement(info, "fileName").text = xml_text(sources.pop())
    processing = ET.SubElement(description, "Processing", {"ID": "ocrkit_processing"})
    ET.SubElement(processing, "processingCategory").text = "contentGeneration"
    engines = sorted({f"{p.backend} {p.model}".strip() for p in pages if p.backend})
    if engines:
        ET.SubElement(processing, "processingStepSettings").text = xml_text("; ".join(engines))
    software = ET.SubElement(processing, "processingSoftware")
    ET.SubElement(software, "softwareName").text = "ocrkit"
    ET.SubElement(software, "softwareVersion").text = installed_version("ocrkit", "unknown")
    layout = ET.SubElement(alto, "Layout")
    for index, page in enumerate(pages, start=1):
        _page(layout, page, index)
    return serialise(alto)


def _page(layout: ET.Element, page: Page, index: int) -> None:
    attrs = {
        "ID": f"page_{index}",
        "PHYSICAL_IMG_NR": str(page.page_number or index),
        "WIDTH": str(page.width),
        "HEIGHT": str(page.height),
        "PROCESSINGREFS": "ocrkit_processing",
    }
    element = ET.SubElement(layout, "Page", attrs)
    space = ET.SubElement(element, "PrintSpace", _position((0, 0, page.width, page.height)))
    line_no = word_no = 0
    for b, block in enumerate((b for b in page.blocks if b.lines), start=1):
        text_block = ET.SubElement(space, "TextBlock", {"ID": f"p{index}_b{b}", **_position(block.bbox or (0, 0, 0, 0))})
        if page.text_angle:  # page analysis turned the page: the block's text runs at this angle in the scan
            text_block.set("ROTATION", f"{page.text_angle:g}")
        for line in block.lines:
            words = line_words(line)
            if not words:
                continue
            line_no += 1
            text_line = ET.SubElement(text_block, "TextLine", {"ID": f"p{index}_l{line_no}", **_position(line.bbox)})
            previous: Word | None = None
            for word in words:
                if previous is not None:
                    gap = {"WIDTH": str(max(0, int(word.bbox[0]) - int(previous.bbox[2]))),
                           "HPOS": str(int(previous.bbox[2])), "VPOS": str(int(previous.bbox[1]))}
                    ET.SubElement(text_line, "SP", gap)
                word_no += 1
                ET.SubElement(
                    text_line,
                    "String",
                    {"ID": f"p{index}_w{word_no}", **_position(word.bbox),
                     "WC": _wc(word.confidence), "CONTENT": xml_text(word.text)},
                )
                previous = word
        if not len(text_block):
            space.remove(text_block)
