"""What the XML writers (hOCR, ALTO) share: text XML 1.0 can hold, and serialising."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["xml_text", "serialise"]

#: Characters XML 1.0 forbids even as references: C0 controls but tab, newline and
#: carriage return; lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str | None) -> str:
    """*text* with the characters XML cannot carry dropped (escaping ``<``, ``&``,
    quotes is the serialiser's job)."""
    return _NOT_XML.sub("", text or "")


def serialise(root: ET.Element, doctype: str = "") -> str:
    """An indented UTF-8 XML document (declaration, optional doctype, *root*)."""
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + (doctype + "\n" if doctype else "")
    return head + body + "\n"
