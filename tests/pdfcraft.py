"""Hand-made PDFs for hostile-input tests and the fuzzer: a few lines each, with a
correct cross-reference table, so PDFium reaches the part under test.

    pdf_file([catalog, pages, ...])     # objects numbered from 1, the first is the catalog
    document([(content, resources), ...])  # a PDF of several pages
    form_bomb(depth=5, fanout=20)       # nested Form XObjects: fanout**depth draws
    stroke_page(2_000_000)              # one content stream of many strokes
    big_page(200)                       # a 200 x 200 inch page box
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

__all__ = ["pdf_file", "stream", "document", "first_extra", "single_page", "bomb_forms", "form_bomb", "stroke_page",
           "big_page", "grey_text_page"]


def stream(data: bytes, extra: str = "", compress: bool = False) -> bytes:
    """A stream object's body (dictionary + data)."""
    if compress:
        data = zlib.compress(data)
        extra += " /Filter /FlateDecode"
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra.encode()) + data + b"\nendstream"


def pdf_file(objects: Sequence[bytes | str], root: int = 1) -> bytes:
    """A PDF of *objects* (numbered from 1) with its xref table; object *root* is the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + (body.encode() if isinstance(body, str) else body) + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def document(pages: Sequence[tuple[bytes, str]], extra_objects: Sequence[bytes | str] = (),
             box: str = "[0 0 612 792]", compress: bool = False) -> bytes:
    """A PDF of *pages* ``(content, resources)``: catalog 1, pages 2, then each page and its
    content, then *extra_objects* from number :func:`first_extra` (len(pages)) on."""
    n = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objects: list[bytes | str] = ["<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {n} >>"]
    for i, (content, resources) in enumerate(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox {box} /Resources {resources} /Contents {4 + 2 * i} 0 R >>")
        objects.append(stream(content, compress=compress))
    return pdf_file([*objects, *extra_objects])


def first_extra(page_count: int) -> int:
    """The number of the first extra object of a :func:`document` of *page_count* pages."""
    return 3 + 2 * page_count


def single_page(content: bytes, resources: str = "<< >>", box: str = "[0 0 612 792]",
                extra_objects: Sequence[bytes | str] = (), compress: bool = False) -> bytes:
    """A one-page PDF: catalog 1, pages 2, page 3, content 4, then *extra_objects* from 5."""
    return document([(content, resources)], extra_objects, box, compress)


def bomb_forms(first: int, depth: int = 5, fanout: int = 20) -> tuple[bytes, str, list[bytes | str]]:
    """A page's content, resources and form objects (numbered from *first*) for nested Form
    XObjects: form k draws form k+1 *fanout* times, the last strokes a line, so the page
    draws fanout**depth lines from about 1-2 KB."""
    forms: list[bytes | str] = []
    for level in range(depth):
        number = first + level
        if level == depth - 1:
            body, resources = b"0 0 m 612 792 l S", "<< >>"
        else:
            body = b"/F Do " * fanout
            resources = f"<< /XObject << /F {number + 1} 0 R >> >>"
        forms.append(stream(body, f"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources {resources}"))
    return b"/F Do " * fanout, f"<< /XObject << /F {first} 0 R >> >>", forms


def form_bomb(depth: int = 5, fanout: int = 20) -> bytes:
    """A one-page Form XObject bomb (:func:`bomb_forms`): 20**5 strokes in 1.9 KB."""
    content, resources, forms = bomb_forms(first_extra(1), depth, fanout)
    return single_page(content, resources, extra_objects=forms)


def stroke_page(strokes: int) -> bytes:
    """One page whose content stream strokes *strokes* short lines (compressed: small file)."""
    content = b"".join(b"%d %d m %d %d l S\n" % (i % 600, i % 780, i % 600 + 5, i % 780 + 5) for i in range(strokes))
    return single_page(content, compress=True)


def big_page(inches: float) -> bytes:
    """An empty page *inches* on each side."""
    side = inches * 72
    return single_page(b"", box=f"[0 0 {side:g} {side:g}]")


def grey_text_page(text: str = "Hello grey", colour: str = "0 g") -> bytes:
    """A page of Helvetica text in the fill colour *colour* (``0 g`` black, ``1 0 0 rg`` red)."""
    content = f"BT /F1 36 Tf {colour} 72 700 Td ({text}) Tj ET".encode()
    return single_page(content, "<< /Font << /F1 5 0 R >> >>",
                       extra_objects=["<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])
