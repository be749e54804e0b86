"""Result types: Page -> Block -> Line -> Word, and the text/JSON exporters.

Coordinates are pixels of the input image, ``bbox = (x0, y0, x1, y1)`` with
``x1``/``y1`` exclusive; ``polygon`` is a tuple of ``(x, y)`` points where the
backend has a rotated or quadrilateral shape. Confidences are in ``[0, 1]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._json_bounds import escape_lone_surrogates

__all__ = ["BBox", "Polygon", "Word", "Line", "Block", "Page", "PageAnalysis", "union_bbox", "dumps_json"]

BBox = tuple[int, int, int, int]
Polygon = tuple[tuple[float, float], ...]

JSON_SCHEMA_VERSION = 1


def union_bbox(boxes: Iterable[BBox]) -> BBox:
    """Smallest box containing every box in *boxes* (``(0, 0, 0, 0)`` when empty)."""
    boxes = list(boxes)
    if not boxes:
        return (0, 0, 0, 0)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
#: An indented array of numbers. It must span lines, and JSON strings never contain a
#: raw newline, so text that merely looks like ``[1, 2]`` is never touched.
_NUMBER_ARRAY = re.compile(rf"\[\n\s*({_NUMBER}(?:,\n\s*{_NUMBER})*)\n\s*\]")


def dumps_json(data: Any, indent: int | None = 2) -> str:
    """``json.dumps`` for results: indented, but boxes and points on one line each; a
    file name that is not UTF-8 (lone surrogates) as ``\\udcXX`` escapes."""
    text = escape_lone_surrogates(json.dumps(data, ensure_ascii=False, indent=indent, default=str))
    if indent is None:
        return text
    return _NUMBER_ARRAY.sub(lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)


def _poly(p: Polygon | None) -> list[list[float]] | None:
    return None if p is None else [[round(float(x), 2), round(float(y), 2)] for x, y in p]


@dataclass
class Word:
    text: str
    confidence: float
    bbox: BBox
    polygon: Polygon | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "confidence": round(float(self.confidence), 4),
            "bbox": list(self.bbox),
            "polygon": _poly(self.polygon),
        }


@dataclass
class Line:
    text: str
    confidence: float
    bbox: BBox
    words: list[Word] = field(default_factory=list)
    polygon: Polygon | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "confidence": round(float(self.confidence), 4),
            "bbox": list(self.bbox),
            "polygon": _poly(self.polygon),
            "words": [w.to_dict() for w in self.words],
        }


@dataclass
class Block:
    """A paragraph: lines in reading order. ``area`` numbers the layout area it belongs
    to (a column of a section, a run of full-width text, a table; 0, 1, ... in reading
    order) where the core's reading order or the backend gave one, else None."""

    lines: list[Line] = field(default_factory=list)
    bbox: BBox | None = None
    area: int | None = None

    def __post_init__(self) -> None:
        if self.bbox is None:
            self.bbox = union_bbox(line.bbox for line in self.lines)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"bbox": list(self.bbox or (0, 0, 0, 0))}
        if self.area is not None:
            data["area"] = self.area
        data["lines"] = [ln.to_dict() for ln in self.lines]
        return data


@dataclass(frozen=True)
class PageAnalysis:
    """What a page analyser found on a page image as given (see ``ocrkit.analysis``).

    ``rotation`` is how far the page's content is turned clockwise (0, 90, 180 or 270;
    the pipeline turns the image back counter-clockwise by it), ``rotation_confidence``
    how sure the analyser is (0..1), ``skew`` the small angle of the text lines in
    degrees (positive: they run downhill to the right), or ``None`` to leave skew to
    the built-in measure. ``analyser`` names who answered (for the record).
    """

    rotation: int = 0
    rotation_confidence: float = 0.0
    skew: float | None = None
    analyser: str = ""


@dataclass
class Page:
    """One recognised image (or one page of a document).

    ``text`` is the page text in reading order as the backend produces it (for
    Tesseract it equals the ``tesseract`` command's output); when a backend does
    not set it, it is the lines joined by newlines, blocks separated by a blank line.
    """

    width: int
    height: int
    blocks: list[Block] = field(default_factory=list)
    text: str = ""
    backend: str = ""
    model: str = ""
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # backend extras, JSON-serialisable
    page_number: int | None = None  # 1-based page of a document (PDF, TIFF); 1 for an image file
    dpi: float | None = None  # resolution the page was rendered at (or the image file declares)
    #: Page analysis (ocrkit.analysis): the clockwise rotation of the content that was
    #: undone before recognition (0/90/180/270), the skew straightened (degrees,
    #: positive = lines ran downhill), the orientation's confidence (None: not analysed).
    #: Boxes and polygons are always in the input's pixel grid, whatever was applied.
    rotation: int = 0
    skew: float = 0.0
    rotation_confidence: float | None = None

    def __post_init__(self) -> None:
        if not self.text and self.blocks:
            self.text = "\n\n".join(b.text for b in self.blocks if b.lines)

    @property
    def text_angle(self) -> float:
        """Counter-clockwise angle (degrees, 0 <= a < 360) of the text on the page as given:
        what hOCR's ``textangle`` and ALTO's ``ROTATION`` say (0 for an upright page)."""
        return round((-self.rotation - self.skew) % 360.0, 2) % 360.0

    @property
    def lines(self) -> list[Line]:
        return [line for block in self.blocks for line in block.lines]

    @property
    def words(self) -> list[Word]:
        return [word for line in self.lines for word in line.words]

    @property
    def areas(self) -> list[list[Block]]:
        """The non-empty blocks grouped by area: consecutive blocks with the same
        ``area`` together, a block without one alone (hOCR's ``ocr_carea``)."""
        areas: list[list[Block]] = []
        for block in self.blocks:
            if not block.lines:
                continue
            if areas and block.area is not None and areas[-1][-1].area == block.area:
                areas[-1].append(block)
            else:
                areas.append([block])
        return areas

    @property
    def confidence(self) -> float:
        """Mean line confidence weighted by text length (0 for an empty page)."""
        lines = [ln for ln in self.lines if ln.text]
        total = sum(len(ln.text) for ln in lines)
        return sum(ln.confidence * len(ln.text) for ln in lines) / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": JSON_SCHEMA_VERSION,
            "backend": self.backend,
            "model": self.model,
            "source": self.source,
            "page": self.page_number,
            "dpi": None if self.dpi is None else round(float(self.dpi), 2),
            "width": self.width,
            "height": self.height,
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "rotation": self.rotation,
            "skew": round(float(self.skew), 2),
            "rotation_confidence": None if self.rotation_confidence is None else round(float(self.rotation_confidence), 4),
            "meta": dict(self.meta),
            "blocks": [b.to_dict() for b in self.blocks],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON document described in docs/json-format.md (``meta`` values that are
        not JSON types are written as strings)."""
        return dumps_json(self.to_dict(), indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Page:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

    def to_text(self) -> str:
        return self.text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Page:
        """Inverse of :meth:`to_dict` (used to move results across processes and files)."""

        def poly(p: Sequence[Sequence[float]] | None) -> Polygon | None:
            return None if p is None else tuple((float(x), float(y)) for x, y in p)

        blocks = [
            Block(
                bbox=tuple(b["bbox"]),
                area=b.get("area"),
                lines=[
                    Line(
                        text=ln["text"],
                        confidence=ln["confidence"],
                        bbox=tuple(ln["bbox"]),
                        polygon=poly(ln.get("polygon")),
                        words=[
                            Word(w["text"], w["confidence"], tuple(w["bbox"]), poly(w.get("polygon")))
                            for w in ln.get("words", [])
                        ],
                    )
                    for ln in b["lines"]
                ],
            )
            for b in data.get("blocks", [])
        ]
        return cls(
            width=data["width"],
            height=data["height"],
            blocks=blocks,
            text=data.get("text", ""),
            backend=data.get("backend", ""),
            model=data.get("model", ""),
            source=data.get("source"),
            meta=dict(data.get("meta") or {}),
            page_number=data.get("page"),
            dpi=data.get("dpi"),
            rotation=int(data.get("rotation") or 0),
            skew=float(data.get("skew") or 0.0),
            rotation_confidence=data.get("rotation_confidence"),
        )
