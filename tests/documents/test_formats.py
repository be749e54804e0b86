"""hOCR, ALTO and TSV from the core's results: checked by someone else's truth (hocr-spec,
the official ALTO 4.4 schema, OCRmyPDF's hOCR reader) and by reading them back."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ocrkit
from ocrkit import Block, Line, Page, Word, formats

from .conftest import SHARED_DATASETS

SCHEMAS = SHARED_DATASETS.parent / "schemas"
XHTML = "{http://www.w3.org/1999/xhtml}"
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
#: The XLink schema the ALTO schema imports from the web, as its README says to write it.
XLINK_XSD = b"""<?xml version="1.0"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/1999/xlink"
            xmlns:xlink="http://www.w3.org/1999/xlink" attributeFormDefault="qualified">
  <xsd:attributeGroup name="simpleLink">
    <xsd:attribute name="type" type="xsd:string"/>
    <xsd:attribute name="href" type="xsd:anyURI"/>
    <xsd:attribute name="role" type="xsd:string"/>
    <xsd:attribute name="arcrole" type="xsd:string"/>
    <xsd:attribute name="title" type="xsd:string"/>
    <xsd:attribute name="show" type="xsd:string"/>
    <xsd:attribute name="actuate" type="xsd:string"/>
  </xsd:attributeGroup>
</xsd:schema>
"""
NASTY = "a<b & \"c\" 'd'\x00\x07\x1b\ufffe>"
CLEAN = "a<b & \"c\" 'd'>"


@pytest.fixture(scope="session")
def alto_schema():  # type: ignore[no-untyped-def]
    etree = pytest.importorskip("lxml.etree")
    xsd = SCHEMAS / "alto-4-4.xsd"
    if not xsd.is_file():
        pytest.skip(f"ALTO schema not found at {xsd} (only present beside the repo)")

    class OfflineXlink(etree.Resolver):
        def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
            if url.endswith("xlink.xsd"):
                return self.resolve_string(XLINK_XSD, context)
            return None

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(OfflineXlink())
    return etree.XMLSchema(etree.parse(str(xsd), parser))


def assert_valid_alto(schema, text: str) -> None:  # type: ignore[no-untyped-def]
    from lxml import etree

    doc = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(doc), schema.error_log.filter_from_errors()


def assert_valid_hocr(path: Path) -> None:
    hocr_spec = pytest.importorskip("hocr_spec")
    report = hocr_spec.HocrValidator("standard").validate(str(path))
    assert report.is_valid(), report.format("text")


@pytest.fixture(scope="session")
def document(engines: dict[str, ocrkit.Engine], three_page_pdf: Path) -> dict[str, list[Page]]:
    """The 3-page test PDF read once by each backend (at 100 dpi: small, still readable)."""
    return {name: list(engine.read_document(three_page_pdf, dpi=100)) for name, engine in engines.items()}


def _nasty_page() -> Page:
    words = [Word(NASTY, 0.5, (10, 10, 60, 30)), Word("ok", 1.0, (70, 10, 90, 30)), Word("\x01", 0.1, (95, 10, 99, 30))]
    lines = [Line(NASTY + " ok", 0.7, (10, 10, 90, 30), words), Line("no word boxes", 0.9, (10, 40, 90, 60))]
    return Page(120, 80, [Block(lines), Block([])], source='dir/"odd" <name>.png', backend="x", page_number=2, dpi=72.0)


@pytest.mark.parametrize("backend", ["tesseract", "onnx"])
def test_hocr_passes_hocr_spec_and_reads_back(document: dict[str, list[Page]], tmp_path: Path, backend: str) -> None:
    pages = document[backend]
    path = tmp_path / f"{backend}.hocr"
    path.write_text(formats.render(pages, "hocr"), encoding="utf-8")
    assert_valid_hocr(path)
    root = ET.parse(path).getroot()
    divs = root.findall(f".//{XHTML}div[@class='ocr_page']")
    assert [d.get("title", "").split("ppageno ")[1].split(";")[0] for d in divs] == ["0", "1", "2"]
    assert all("scan_res 100 100" in d.get("title", "") for d in divs)
    words = [w.text for w in divs[0].iterfind(f".//{XHTML}span[@class='ocrx_word']")]
    assert words == [w.text for w in pages[0].words if w.text.strip()]


@pytest.mark.parametrize("backend", ["tesseract", "onnx"])
def test_alto_validates_against_the_official_schema(document: dict[str, list[Page]], alto_schema, backend: str) -> None:  # type: ignore[no-untyped-def]
    pages = document[backend]
    text = formats.render(pages, "alto")
    assert_valid_alto(alto_schema, text)
    root = ET.fromstring(text)
    assert root.tag == f"{ALTO}alto"
    assert [p.get("PHYSICAL_IMG_NR") for p in root.iter(f"{ALTO}Page")] == ["1", "2", "3"]
    strings = list(root.iter(f"{ALTO}String"))
    assert [s.get("CONTENT") for s in strings] == [w.text for p in pages for w in p.words if w.text.strip()]
    assert all(0.0 <= float(s.get("WC", "-1")) <= 1.0 for s in strings)


def test_tsv_has_tesseracts_columns_and_a_row_per_word(document: dict[str, list[Page]]) -> None:
    pages = document["onnx"]
    rows = list(csv.DictReader(io.StringIO(formats.render(pages, "tsv")), delimiter="\t", quoting=csv.QUOTE_NONE))
    assert list(rows[0]) == ["level", "page_num", "block_num", "par_num", "line_num", "word_num",
                             "left", "top", "width", "height", "conf", "text"]
    words = [r for r in rows if r["level"] == "5"]
    assert [r["text"] for r in words] == [w.text for p in pages for w in p.words if w.text.strip()]
    assert sorted({r["page_num"] for r in rows}) == ["1", "2", "3"]
    first = pages[0].words[0]
    assert [int(words[0][k]) for k in ("left", "top", "width", "height")] == [
        first.bbox[0], first.bbox[1], first.bbox[2] - first.bbox[0], first.bbox[3] - first.bbox[1]
    ]
    assert all(float(r["conf"]) == -1 for r in rows if r["level"] != "5")


def test_text_that_xml_cannot_hold_is_escaped_or_dropped(tmp_path: Path, alto_schema) -> None:  # type: ignore[no-untyped-def]
    page = _nasty_page()
    hocr = formats.render([page], "hocr")
    path = tmp_path / "nasty.hocr"
    path.write_text(hocr, encoding="utf-8")
    assert_valid_hocr(path)
    words = [w.text for w in ET.fromstring(hocr).iter(f"{XHTML}span") if w.get("class") == "ocrx_word"]
    assert words == [CLEAN, "ok", "no word boxes"]  # a control-only word is left out; a box-less line is one word
    assert 'image "dir/%22odd%22 <name>.png"' in ET.fromstring(hocr).find(f".//{XHTML}div").get("title", "")  # type: ignore[union-attr]
    alto = formats.render([page], "alto")
    assert_valid_alto(alto_schema, alto)
    assert [s.get("CONTENT") for s in ET.fromstring(alto).iter(f"{ALTO}String")] == [CLEAN, "ok", "no word boxes"]
    tsv = formats.render([page], "tsv")
    assert all(len(line.split("\t")) == 12 for line in tsv.splitlines())


def test_empty_pages_are_valid_documents(tmp_path: Path, alto_schema) -> None:  # type: ignore[no-untyped-def]
    empty = Page(100, 50, source="blank.png")
    path = tmp_path / "empty.hocr"
    path.write_text(formats.render([empty], "hocr"), encoding="utf-8")
    assert_valid_hocr(path)
    assert_valid_alto(alto_schema, formats.render([empty], "alto"))
    assert formats.render([empty], "tsv").splitlines()[1].split("\t")[:2] == ["1", "1"]
    assert formats.render([empty], "text") == ""


def test_ocrmypdf_reads_our_hocr(document: dict[str, list[Page]], tmp_path: Path) -> None:
    parser = pytest.importorskip("ocrmypdf.hocrtransform.hocr_parser", reason="OCRmyPDF is the [ocrmypdf] extra")
    page = document["tesseract"][0]
    path = tmp_path / "page.hocr"
    path.write_text(formats.render([page], "hocr"), encoding="utf-8")
    parsed = parser.HocrParser(path).parse()

    def words(element):  # type: ignore[no-untyped-def]
        if getattr(element, "ocr_class", None) == "ocrx_word":
            yield element
        for child in getattr(element, "children", []) or []:
            yield from words(child)

    found = list(words(parsed))
    assert [w.text for w in found] == [w.text for w in page.words if w.text.strip()]
    assert parsed.dpi == 100
