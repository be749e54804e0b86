"""Fuzz ocrkit's input handling: structural mutations of image and PDF bytes.

    python tools/fuzz.py                      # CI budget: fixed seed, ~35 s and at most CI_CASES cases a target
    python tools/fuzz.py --minutes 30         # the longer run (docs/hostile-input.md)
    python tools/fuzz.py --targets loader --seconds 60 --seed 7

Seeds are small valid PNG/JPEG/TIFF/GIF/BMP/WebP/PDF files made with Pillow.
Hypothesis picks a seed and 1-4 mutations that know the format's structure: an
integer field (PNG chunk lengths and IHDR, JPEG segment lengths and SOF sizes,
TIFF IFD entries, GIF and BMP headers, RIFF chunk sizes, PDF numbers) set to a
value that breaks parsers (0, -1, 0x7fff, 0xffffffff...), bytes flipped, the
file cut, a range deleted or doubled; PNG CRCs are usually fixed up so the
mutation reaches the decoder.

Targets: ``loader`` (``ocrkit.images.load_image`` and
``ocrkit.documents.iter_source_pages``, in the worker process), ``tesseract`` and
``onnx`` (``ocrkit.open(..., isolation="process")``). The only acceptable outcome
of a case is a result or an :class:`ocrkit.OcrkitError`. Anything else is a
finding: another exception, a crash of the worker or of an isolated backend
(``BackendCrashedError``), or a call running past ``--hang-seconds``. Each
finding is written to ``--out`` (default ``tests/data/fuzz``) as
``<target>-<kind>-<sha>.<ext>``; tests/hostile/test_fuzz_regressions.py replays
every file there. Exit status: 0 nothing found, 1 findings.

Each target runs in a worker process that writes the case it is about to try
to ``current.bin`` first, so a native crash of the worker still leaves the input.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tests" / "data" / "fuzz"
TARGETS = ("loader", "tesseract", "onnx", "options", "pdf", "query")
#: CI budget per target (seconds): the loader is fast, the backends pay for a child.
CI_SECONDS = {"loader": 15.0, "tesseract": 6.0, "onnx": 6.0, "options": 4.0, "pdf": 6.0, "query": 5.0}
#: ... and at most this many cases each, so the CI run is the same on a fast machine and a
#: slow one (a faster one must not explore further than the cases verified to pass; the
#: sequence is fixed by the seed). seed 0 was run past these counts with no finding.
CI_CASES = {"loader": 5000, "tesseract": 1500, "onnx": 1000, "options": 3000, "pdf": 3, "query": 60}
#: Pixel limit while fuzzing: mutated sizes stay cheap, the limit itself is exercised.
FUZZ_MAX_PIXELS = 2_000_000
EXTENSIONS = {"png": "png", "jpeg": "jpg", "tiff": "tif", "gif": "gif", "bmp": "bmp", "webp": "webp", "pdf": "pdf",
              "options": "options.json", "query": "query.json"}


# -- seeds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    name: str
    fmt: str
    data: bytes


def _page(mode: str, size: tuple[int, int] = (64, 40)):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    draw.text((4, 4), "Ab 12", fill="black")
    draw.rectangle((40, 20, 60, 36), outline=(200, 30, 30))
    if mode == "RGB":
        return img
    if mode == "P":
        return img.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    if mode == "I;16":
        return Image.fromarray(__import__("numpy").asarray(img.convert("L"), dtype="uint16") * 257)
    return img.convert(mode)


def _saved(img, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def make_seeds() -> list[Seed]:
    """Small valid files of every format, in the variants whose parsers differ."""
    seeds = [
        Seed("png-l", "png", _saved(_page("L"), "PNG")),
        Seed("png-rgba", "png", _saved(_page("RGBA"), "PNG")),
        Seed("png-p-interlaced", "png", _saved(_page("P"), "PNG", interlace=1, transparency=0)),
        Seed("png-16", "png", _saved(_page("I;16"), "PNG")),
        Seed("jpeg", "jpeg", _saved(_page("RGB"), "JPEG", quality=80)),
        Seed("jpeg-progressive-l", "jpeg", _saved(_page("L"), "JPEG", progressive=True)),
        Seed("tiff-raw", "tiff", _saved(_page("L"), "TIFF")),
        Seed("tiff-lzw-rgb", "tiff", _saved(_page("RGB"), "TIFF", compression="tiff_lzw")),
        Seed("tiff-g4", "tiff", _saved(_page("1"), "TIFF", compression="group4")),
        Seed("tiff-2pages", "tiff", _saved(_page("L"), "TIFF", save_all=True, append_images=[_page("L")])),
        Seed("gif-2frames", "gif", _saved(_page("P"), "GIF", save_all=True, append_images=[_page("P")])),
        Seed("bmp-rgb", "bmp", _saved(_page("RGB"), "BMP")),
        Seed("bmp-1bit", "bmp", _saved(_page("1"), "BMP")),
        Seed("webp-lossy", "webp", _saved(_page("RGB"), "WEBP", quality=70)),
        Seed("webp-lossless", "webp", _saved(_page("RGBA"), "WEBP", lossless=True)),
        Seed("pdf", "pdf", _saved(_page("RGB"), "PDF", resolution=72.0)),
    ]
    return seeds


# -- the structure of each format: where its integer fields are -----------------------------


@dataclass(frozen=True)
class Field:
    offset: int
    size: int  # bytes; 0 = an ASCII number token of the original length
    big_endian: bool = True


def _png_fields(data: bytes) -> Iterator[Field]:
    pos = 8
    while pos + 8 <= len(data):
        length = struct.unpack_from(">I", data, pos)[0]
        kind = data[pos + 4 : pos + 8]
        yield Field(pos, 4)
        if kind == b"IHDR":
            yield from (Field(pos + 8, 4), Field(pos + 12, 4), *(Field(pos + 16 + i, 1) for i in range(5)))
        elif kind in (b"PLTE", b"tRNS", b"pHYs", b"gAMA"):
            yield from (Field(pos + 8 + i, 1) for i in range(min(length, 8)))
        pos += 12 + length


def _jpeg_fields(data: bytes) -> Iterator[Field]:
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = struct.unpack_from(">H", data, pos + 2)[0]
        yield Field(pos + 2, 2)
        body = pos + 4
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # SOFn
            yield from (Field(body, 1), Field(body + 1, 2), Field(body + 3, 2), Field(body + 5, 1))
            yield from (Field(body + 6 + i, 1) for i in range(3 * min(data[body + 5] if body + 5 < len(data) else 0, 3)))
        elif marker in (0xC4, 0xDB, 0xDD):  # DHT, DQT, DRI
            yield from (Field(body + i, 1) for i in range(min(length - 2, 17)))
        elif marker == 0xDA:  # SOS: the entropy-coded data follows
            yield from (Field(body + i, 1) for i in range(min(length - 2, 10)))
            return
        pos += 2 + length


def _tiff_fields(data: bytes) -> Iterator[Field]:
    if len(data) < 8:
        return
    big = data[:2] == b"MM"
    order = ">" if big else "<"
    yield Field(4, 4, big)
    ifd, seen = struct.unpack_from(order + "I", data, 4)[0], set()
    while 0 < ifd < len(data) - 2 and ifd not in seen and len(seen) < 4:
        seen.add(ifd)
        count = struct.unpack_from(order + "H", data, ifd)[0]
        yield Field(ifd, 2, big)
        for i in range(min(count, 40)):
            entry = ifd + 2 + 12 * i
            if entry + 12 > len(data):
                return
            yield from (Field(entry, 2, big), Field(entry + 2, 2, big), Field(entry + 4, 4, big), Field(entry + 8, 4, big))
        nxt = ifd + 2 + 12 * count
        if nxt + 4 > len(data):
            return
        yield Field(nxt, 4, big)
        ifd = struct.unpack_from(order + "I", data, nxt)[0]


def _gif_fields(data: bytes) -> Iterator[Field]:
    yield from (Field(6, 2, False), Field(8, 2, False), Field(10, 1), Field(11, 1))
    pos = 13 + (3 << ((data[10] & 7) + 1) if len(data) > 10 and data[10] & 0x80 else 0)
    while pos < len(data):
        block = data[pos]
        if block == 0x2C:  # image descriptor
            yield from (Field(pos + 1 + 2 * i, 2, False) for i in range(4))
            yield Field(pos + 9, 1)
            flags = data[pos + 9] if pos + 9 < len(data) else 0
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
            yield Field(pos, 1)  # LZW minimum code size
            pos += 1
        elif block == 0x21:
            yield Field(pos + 2, 1)
            pos += 2
        else:
            return
        while pos < len(data) and data[pos]:  # sub-blocks
            yield Field(pos, 1)
            pos += 1 + data[pos]
        pos += 1


def _bmp_fields(data: bytes) -> Iterator[Field]:
    for offset, size in ((2, 4), (10, 4), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2), (30, 4), (34, 4), (46, 4)):
        yield Field(offset, size, False)


def _webp_fields(data: bytes) -> Iterator[Field]:
    yield Field(4, 4, False)
    pos = 12
    while pos + 8 <= len(data):
        size = struct.unpack_from("<I", data, pos + 4)[0]
        yield Field(pos + 4, 4, False)
        kind = data[pos : pos + 4]
        if kind == b"VP8 ":
            yield from (Field(pos + 14, 2, False), Field(pos + 16, 2, False))
        elif kind == b"VP8L":
            yield from (Field(pos + 9, 2, False), Field(pos + 11, 2, False))
        elif kind == b"VP8X":
            yield from (Field(pos + 8, 1), Field(pos + 12, 2, False), Field(pos + 15, 2, False))
        pos += 8 + size + (size & 1)


def _pdf_fields(data: bytes) -> Iterator[Field]:
    for match in list(re.finditer(rb"(?<![\w.])\d+(?![\w.])", data[:20000]))[:400]:
        yield Field(match.start(), 0)


FIELDS: dict[str, Callable[[bytes], Iterator[Field]]] = {
    "png": _png_fields, "jpeg": _jpeg_fields, "tiff": _tiff_fields, "gif": _gif_fields,
    "bmp": _bmp_fields, "webp": _webp_fields, "pdf": _pdf_fields,
}

INTERESTING = {
    1: (0, 1, 2, 7, 8, 0x10, 0x7F, 0x80, 0xFE, 0xFF),
    2: (0, 1, 2, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF, 32767, 32768, 40000),
    4: (0, 1, 2, 0xFF, 0xFFFF, 0x10000, 40000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF),
}
PDF_NUMBERS = (b"0", b"1", b"-1", b"2", b"99999", b"2147483647", b"2147483648", b"4294967296",
               b"99999999999999999999", b"1e308", b"0.0001")


def fields_of(seed: Seed) -> list[Field]:
    try:
        return [f for f in FIELDS[seed.fmt](seed.data) if f.offset + max(f.size, 1) <= len(seed.data)]
    except (struct.error, IndexError):
        return []


def fix_png_crcs(data: bytearray) -> None:
    """Recompute every chunk's CRC that can be located, so a mutation passes the check."""
    pos = 8
    while pos + 12 <= len(data):
        length = struct.unpack_from(">I", data, pos)[0]
        end = pos + 8 + length
        if end + 4 > len(data):
            return
        struct.pack_into(">I", data, end, zlib.crc32(bytes(data[pos + 4 : end])) & 0xFFFFFFFF)
        pos = end + 4


# -- the cases: Hypothesis draws a seed and its mutations --------------------------------------


def case_strategy(seeds: list[Seed]):
    from hypothesis import strategies as st

    fields = {seed.name: fields_of(seed) for seed in seeds}

    @st.composite
    def cases(draw) -> tuple[Seed, bytes]:
        seed = draw(st.sampled_from(seeds))
        data = bytearray(seed.data)
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(("field", "field", "field", "flip", "cut", "delete", "double")))
            known = fields[seed.name]
            if kind == "field" and known:
                field = draw(st.sampled_from(known))
                if field.size == 0:  # an ASCII number in a PDF
                    token = re.match(rb"\d+", bytes(data[field.offset : field.offset + 24]))
                    if token:
                        data[field.offset : field.offset + len(token.group())] = draw(st.sampled_from(PDF_NUMBERS))
                    continue
                choices = st.sampled_from(INTERESTING[field.size]) | st.integers(0, 256**field.size - 1)
                value = draw(choices)
                data[field.offset : field.offset + field.size] = value.to_bytes(
                    field.size, "big" if field.big_endian else "little"
                )
            elif kind == "flip" and data:
                at = draw(st.integers(0, len(data) - 1))
                data[at] ^= draw(st.integers(1, 255))
            elif kind == "cut" and len(data) > 1:
                del data[draw(st.integers(1, len(data) - 1)) :]
            elif kind in ("delete", "double") and len(data) > 2:
                start = draw(st.integers(0, len(data) - 2))
                end = draw(st.integers(start + 1, min(len(data), start + 64)))
                if kind == "delete":
                    del data[start:end]
                else:
                    data[end:end] = data[start:end]
        if seed.fmt == "png" and draw(st.integers(0, 9)) > 1:
            fix_png_crcs(data)
        return seed, bytes(data)

    return cases()


# -- targets -----------------------------------------------------------------------------------


class Finding(Exception):
    """A case ended in something other than a result or an OcrkitError."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@contextmanager
def stderr_captured() -> Iterator[io.BytesIO]:
    """What is written to file descriptor 2 inside the block (Python warnings, logging's
    last-resort handler, native libraries alike): the worker is single-threaded."""
    sys.stderr.flush()
    saved = os.dup(2)
    out = io.BytesIO()
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield out
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            out.write(sink.read())


def exception_finding(exc: BaseException, prefix: str = "") -> Finding:
    """A finding for an exception that is not an ocrkit error: what a user would see as a traceback."""
    return Finding("exception", prefix + "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300])


def check_quiet(err: io.BytesIO) -> None:
    """Anything a check wrote to stderr is a finding (``noise``)."""
    if err.getvalue().strip():
        raise Finding("noise", err.getvalue().decode("utf-8", "replace").strip()[:300])


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Inside: an ocrkit error must be one line; any other exception is a finding."""
    from ocrkit import OcrkitError

    try:
        yield
    except OcrkitError as exc:
        if "\n" in str(exc):
            raise Finding("multiline-error", f"{type(exc).__name__}: {exc!r}") from exc
    except Finding:
        raise
    except Exception as exc:
        raise exception_finding(exc) from exc


def check_loader(data: bytes) -> None:
    """load_image and iter_source_pages: a result or one ocrkit error, and nothing on
    stderr on the way (ocrkit's own DocumentWarning on an animation aside)."""
    from ocrkit.documents import DocumentWarning, iter_source_pages
    from ocrkit.images import load_image

    warnings.simplefilter("always")  # every warning reaches stderr, not the first per place
    warnings.simplefilter("ignore", DocumentWarning)
    for read in (lambda: load_image(data, max_pixels=FUZZ_MAX_PIXELS),
                 lambda: list(iter_source_pages(data, dpi=36, max_pixels=FUZZ_MAX_PIXELS))):
        with stderr_captured() as err, one_line_errors():
            read()
        check_quiet(err)


class BackendTarget:
    """One isolated engine; reopened after a crash, killed after *hang_seconds* in a call."""

    def __init__(self, backend: str, hang_seconds: float) -> None:
        self.backend = backend
        self.hang_seconds = hang_seconds
        self.engine = None
        self._open()

    def _open(self) -> None:
        import ocrkit

        self.engine = ocrkit.open(self.backend, isolation="process", max_image_pixels=FUZZ_MAX_PIXELS)

    def __call__(self, data: bytes) -> None:
        import signal

        import ocrkit

        engine = self.engine
        hung = threading.Event()

        def kill() -> None:
            hung.set()
            try:
                os.kill(engine.pid, signal.SIGKILL)
            except (OSError, TypeError):
                pass

        timer = threading.Timer(self.hang_seconds, kill)
        timer.start()
        try:
            engine.recognize(data)
        except ocrkit.BackendCrashedError as exc:
            self.close()
            self._open()
            kind = "hang" if hung.is_set() else "backend-crash"
            raise Finding(kind, str(exc).splitlines()[0]) from exc
        except ocrkit.OcrkitError as exc:
            if "\n" in str(exc):
                raise Finding("multiline-error", f"{type(exc).__name__}: {exc!r}") from exc
        except Exception as exc:
            raise exception_finding(exc) from exc
        finally:
            timer.cancel()

    def close(self) -> None:
        if self.engine is not None:
            self.engine.free_resources()
            self.engine = None


# -- generated PDFs: structure-aware (page trees, content streams, nested forms, images) -------------

#: The PDF target's render budget: a bomb is stopped in seconds and is an OcrkitError.
FUZZ_RENDER_BUDGET = {"OCRKIT_RENDER_SECONDS": "2", "OCRKIT_RENDER_MEMORY": str(384 * 1024**2)}
PDF_OPERANDS = ("0", "1", "-1", "0.5", "72", "612", "792", "1e6", "-1e6", "1e38", "3.4e38", "99999999999",
                "2147483648", "0.000001", "nan", "-0", ".")
PDF_OPERATORS = (
    ("m", 2), ("l", 2), ("c", 6), ("v", 4), ("y", 4), ("re", 4), ("h", 0), ("S", 0), ("s", 0), ("f", 0), ("f*", 0),
    ("B", 0), ("b", 0), ("n", 0), ("W", 0), ("W*", 0), ("q", 0), ("Q", 0), ("cm", 6), ("w", 1), ("J", 1), ("j", 1),
    ("M", 1), ("d", 2), ("i", 1), ("g", 1), ("G", 1), ("rg", 3), ("RG", 3), ("k", 4), ("K", 4), ("sc", 1),
    ("BT", 0), ("ET", 0), ("Td", 2), ("TD", 2), ("Tm", 6), ("T*", 0), ("Tc", 1), ("Tw", 1), ("Tz", 1), ("TL", 1),
    ("Ts", 1), ("Tr", 1), ("d0", 2), ("d1", 6),
)
PDF_BOXES = ("[0 0 612 792]", "[0 0 0 0]", "[0 0 -612 792]", "[612 792 0 0]", "[0 0 1e6 1e6]", "[0 0 14400 14400]",
             "[0 0 1 1]", "[0 0 612]", "[0 0 nan 792]", "null", "[0 0 3e38 3e38]")


def pdf_strategy():
    """Whole PDFs built from parts (tests/pdfcraft.py assembles them with a valid xref),
    each part drawn from what breaks renderers: page trees with lying counts and loops,
    page boxes, rotations and UserUnit, content streams of random operators with
    hostile operands and deep q nesting, chains of Form XObjects (depth x fanout up to
    bomb sizes), images whose declared size, depth, colour space or filter lie."""
    from hypothesis import strategies as st

    from tests import pdfcraft

    operand = st.sampled_from(PDF_OPERANDS) | st.integers(-(2**40), 2**40).map(str) | st.floats(
        allow_nan=False, allow_infinity=False, width=32).map(lambda f: f"{f:.6g}")

    @st.composite
    def content(draw, forms: bool, images: bool) -> bytes:
        ops: list[str] = []
        for _ in range(draw(st.integers(0, 40))):
            choice = draw(st.integers(0, 9))
            if choice == 0 and forms:
                ops.append("/F Do")
            elif choice == 1 and images:
                ops.append("q 200 0 0 200 10 10 cm /Im Do Q")
            elif choice == 2:
                ops.append("BT /F1 " + draw(operand) + " Tf " + draw(operand) + " " + draw(operand) + " Td (" +
                           draw(st.text("abcXYZ \\()", max_size=20)).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                           + ") Tj ET")
            elif choice == 3:
                ops.append("q " * draw(st.sampled_from((1, 10, 100, 5000))))
            else:
                op, arity = draw(st.sampled_from(PDF_OPERATORS))
                ops.append(" ".join([*(draw(operand) for _ in range(arity)), op]))
        body = "\n".join(ops).encode()
        repeat = draw(st.sampled_from((1, 1, 1, 10, 100, 3000)))
        return body * repeat

    @st.composite
    def image(draw) -> bytes:
        width, height = (draw(st.sampled_from((0, 1, 8, 100, 40000, 2**31))) for _ in range(2))
        bits = draw(st.sampled_from((1, 2, 4, 8, 16, 3, 0)))
        space = draw(st.sampled_from(("/DeviceGray", "/DeviceRGB", "/DeviceCMYK", "[/Indexed /DeviceRGB 1 <000000ffffff>]",
                                      "/Bogus", "[/ICCBased 99 0 R]")))
        filt = draw(st.sampled_from(("", "/Filter /FlateDecode", "/Filter /DCTDecode", "/Filter /JBIG2Decode",
                                     "/Filter /JPXDecode", "/Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns 8 >>",
                                     "/Filter [/FlateDecode /FlateDecode]")))
        mask = draw(st.sampled_from(("", "", "/ImageMask true", "/SMask 99 0 R")))
        data = draw(st.binary(max_size=300))
        return pdfcraft.stream(data, f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
                                     f"/BitsPerComponent {bits} /ColorSpace {space} {filt} {mask}")

    @st.composite
    def document(draw) -> bytes:
        pages = draw(st.integers(1, 3))
        depth = draw(st.sampled_from((0, 0, 1, 2, 3, 5, 6)))
        fanout = draw(st.sampled_from((1, 2, 5, 20, 30)))
        images = draw(st.booleans())
        first = pdfcraft.first_extra(pages)
        font, im = first, first + 1
        forms_from = first + 2
        extra: list[bytes | str] = ["<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                                    draw(image()) if images else "null"]
        for level in range(depth):
            body = b"/F Do " * fanout if level < depth - 1 else draw(content(False, images))
            nxt = f"/F {forms_from + level + 1} 0 R" if level < depth - 1 else ""
            bbox = draw(st.sampled_from(("[0 0 612 792]", "[0 0 0 0]", "[0 0 1e30 1e30]")))
            extra.append(pdfcraft.stream(body, f"/Type /XObject /Subtype /Form /BBox {bbox} "
                                               f"/Resources << /XObject << {nxt} /Im {im} 0 R >> >>"))
        resources = (f"<< /Font << /F1 {font} 0 R >> /XObject << /Im {im} 0 R "
                     f"{f'/F {forms_from} 0 R' if depth else ''} >> >>")
        page_list = [(draw(content(depth > 0, images)), resources) for _ in range(pages)]
        data = pdfcraft.document(page_list, extra, box=draw(st.sampled_from(PDF_BOXES)),
                                 compress=draw(st.booleans()))
        return draw(_page_tree_lies(data, pages))

    return document()


def _page_tree_lies(data: bytes, pages: int):
    """Edits of the page tree and page dictionaries: a lying /Count, a kid that is the
    tree itself (a loop), /Rotate and /UserUnit values, a truncated file."""
    from hypothesis import strategies as st

    @st.composite
    def edit(draw) -> bytes:
        out = data
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(("count", "loop", "rotate", "userunit", "cut", "none")))
            if kind == "count":
                out = out.replace(b"/Count %d" % pages, b"/Count " + draw(st.sampled_from(
                    (b"0", b"-1", b"2147483647", b"99999999999", b"1.5"))), 1)
            elif kind == "loop":
                out = out.replace(b"/Kids [", b"/Kids [2 0 R ", 1)
            elif kind == "rotate":
                out = out.replace(b"/Type /Page /Parent", b"/Type /Page /Rotate " + draw(st.sampled_from(
                    (b"90", b"45", b"-270", b"99999999999", b"1e9"))) + b" /Parent", 1)
            elif kind == "userunit":
                out = out.replace(b"/Type /Page /Parent", b"/Type /Page /UserUnit " + draw(st.sampled_from(
                    (b"0", b"75000", b"-1", b"1e30"))) + b" /Parent", 1)
            elif kind == "cut" and len(out) > 20:
                out = out[: draw(st.integers(10, len(out) - 1))]
        return out

    return edit()


def check_pdf(data: bytes) -> None:
    """A generated PDF through ``iter_source_pages`` (errors collected and raised): a result
    or one ocrkit error per page, nothing on stderr, and every page within its budget."""
    from ocrkit.documents import DocumentWarning, PageError, iter_source_pages

    warnings.simplefilter("always")
    warnings.simplefilter("ignore", DocumentWarning)
    budget = float(os.environ["OCRKIT_RENDER_SECONDS"])
    begin = time.monotonic()
    pages = 0
    with stderr_captured() as err, one_line_errors():
        for item in iter_source_pages(data, dpi=72, max_pixels=FUZZ_MAX_PIXELS, errors="collect"):
            pages += 1
            if isinstance(item, PageError) and "\n" in str(item.error):
                raise Finding("multiline-error", repr(str(item.error)))
    check_quiet(err)
    # Each page (and the opening) has the budget; a worker restart adds about a second.
    allowed = (pages + 1) * (budget + 2) + 5
    if time.monotonic() - begin > allowed:
        raise Finding("over-budget", f"{time.monotonic() - begin:.1f} s for {pages} pages (budget {budget:g} s each)")


# -- the server's query string ------------------------------------------------------------------


QUERY_NAMES = ("backend", "model", "lang", "layout", "format", "pages", "dpi", "option")
QUERY_VALUES = ("", "0", "-1", "1e308", "nan", "inf", "1" * 5000, "..", "../../etc/passwd", "/etc/passwd",
                "tesseract", "fake", "eng", "page", "line", "json", "hocr", "1-3,7", "3-1", "1-", "0-0",
                "psm=6", "psm=banana", "variables={}", "variables=" + "[" * 3000, "oem=lstm", "\x00", "é", "%00")


def query_strategy():
    """Query strings for ``POST /v1/read``: known and unknown names, repeated ones, hostile
    values (huge numbers, deep JSON in option=, paths, NULs, non-UTF-8 escapes)."""
    from hypothesis import strategies as st

    name = st.sampled_from(QUERY_NAMES) | st.text(min_size=1, max_size=12)
    value = st.sampled_from(QUERY_VALUES) | st.text(max_size=40) | st.sampled_from(QUERY_NAMES).map(lambda n: n + "=1")
    raw = st.binary(max_size=60).map(lambda b: "".join(f"%{c:02X}" for c in b))
    pair = st.tuples(name, value | raw)
    return st.lists(pair, max_size=6)


#: A value made of percent-escapes only (the raw bytes strategy): sent as it is.
_RAW_ESCAPES = re.compile(r"(?:%[0-9A-F]{2})+")


class QueryTarget:
    """The app in this process (Starlette's test client, fake backend): any answer but a
    4xx/2xx with a one-line JSON error (or the document) is a finding."""

    ALLOWED = {200, 400, 404, 408, 413, 414, 422, 429, 431, 502, 503, 504}

    def __init__(self) -> None:
        from fastapi.testclient import TestClient

        from ocrkit.serve import ServeConfig, create_app

        self.body = _saved(_page("L", (24, 16)), "PNG")
        self.client = TestClient(create_app(ServeConfig(concurrency=1, queue=4, timeout=30)), raise_server_exceptions=False)
        self.client.__enter__()

    def __call__(self, case: bytes) -> None:
        from urllib.parse import quote

        pairs = json.loads(case)
        query = "&".join(f"{quote(k, safe='')}={v if _RAW_ESCAPES.fullmatch(v) else quote(v, safe='')}"
                         for k, v in pairs)
        with stderr_captured() as err:
            r = self.client.post("/v1/read?" + query, content=self.body)
        if r.status_code not in self.ALLOWED:
            raise Finding(f"status{r.status_code}", f"{query[:300]} -> {r.text[:300]}")
        if r.status_code != 200:
            try:
                error = r.json()["error"]
            except (ValueError, KeyError, TypeError):
                raise Finding("not-json", f"{query[:300]} -> {r.text[:300]}") from None
            if "\n" in error:
                raise Finding("multiline-error", f"{query[:300]} -> {error[:300]}")
        check_quiet(err)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


# -- backend options: what -o KEY=VALUE, ?option= and --ocrkit-option send ---------------------------

#: The longest an option error may be (the tesseract allow-list error lists ~45 names).
MAX_OPTION_ERROR = 4000
#: A parse using more CPU than this is a finding: options are checked before anything
#: loads. CPU time, not wall time: on a loaded machine a 0.2 ms parse once took 1.1 s.
SLOW_OPTION_SECONDS = 1.0
OPTION_VALUES = ("", "0", "-1", "1", "true", "nan", "inf", "-inf", "1e308", "-1e308", "1e-320", "1" * 5000,
                 "9" * 30, "0x10", "1_000", " 7 ", "+3", "eng", "eng+deu", "../eng", "/etc/passwd", "~deu",
                 "cpu", "cpu,cuda", "cuda;cpu", "a:b,c:d", "a:", ":", "{}", "[]", "null", "\x00", "\udce9",
                 "é" * 100, "x" * 70000)
#: tesseract variables the JSON values name: the allowed ones and some that name files.
OPTION_VARIABLES = ("tessedit_char_whitelist", "preserve_interword_spaces", "thresholding_method",
                    "invert_threshold", "edges_max_children_per_outline", "load_system_dawg", "debug_file",
                    "user_words_file", "tessedit_write_images", "user_defined_dpi", "tessedit_pageseg_mode", "")


def option_strategy():
    """``(backend, option, value text)``: every option of both backends, with values
    from the hostile list, JSON of any nesting (up to 5,000 levels) with extreme
    numbers, key:value lists and arbitrary text (lone surrogates included: a
    command line that is not UTF-8)."""
    from hypothesis import strategies as st

    from ocrkit._registry import get_registry

    registry = get_registry()
    names = [(b, o.name) for b in ("tesseract", "onnx") for o in registry.require(b).options]
    scalar = (st.sampled_from(OPTION_VALUES) | st.integers(-(2**70), 2**70)
              | st.floats(allow_nan=True, allow_infinity=True) | st.booleans() | st.none())
    json_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4)
                              | st.dictionaries(st.sampled_from(OPTION_VARIABLES) | st.text(max_size=8), inner,
                                                max_size=4), max_leaves=12)
    nested = st.integers(1, 5000).map(lambda depth: '{"a": ' + "[" * depth + "]" * depth + "}")
    unclosed = st.sampled_from(("[", "{", '{"a": [')).flatmap(
        lambda opener: st.integers(1, 5000).map(lambda depth: opener * depth))
    pairs = st.lists(st.tuples(st.sampled_from(OPTION_VARIABLES), st.sampled_from(OPTION_VALUES)), max_size=4).map(
        lambda items: ",".join(f"{k}:{v}" for k, v in items))
    text = st.text(st.characters(blacklist_categories=()), max_size=60)
    value = (st.sampled_from(OPTION_VALUES) | json_value.map(lambda v: json.dumps(v, allow_nan=True)) | nested
             | unclosed | pairs | text)
    return st.tuples(st.sampled_from(names), value).map(lambda case: (case[0][0], case[0][1], case[1]))


def _option_validators() -> dict[str, Callable[[dict], object]]:
    """Each built-in backend's own check of its options, run without loading a model."""
    from ocrkit_onnx._options import parse_options as onnx_options
    from ocrkit_tesseract._options import parse_options as tesseract_options

    return {"tesseract": lambda options: tesseract_options(None, options), "onnx": onnx_options}


def check_options(case: bytes) -> None:
    """``OptionSpec.parse`` (through ``BackendInfo.parse_options``, as the CLI, the server
    and the OCRmyPDF plugin call it), then the backend's own check: a value or one short
    ocrkit error line, in well under a second of CPU, nothing on stderr."""
    from ocrkit import OcrkitError
    from ocrkit._registry import get_registry

    backend, option, value = json.loads(case)
    info = get_registry().require(backend)
    validate = _option_validators()[backend]
    begin = time.process_time()
    with stderr_captured() as err:
        try:
            validate(info.parse_options([f"{option}={value}"]))
        except OcrkitError as exc:
            message = str(exc)
            if "\n" in message or len(message) > MAX_OPTION_ERROR:
                raise Finding("bad-error", f"{option}: {type(exc).__name__}: {message[:300]!r} ({len(message)} chars)") from exc
        except Exception as exc:
            raise exception_finding(exc, f"{option}: ") from exc
    if (used := time.process_time() - begin) > SLOW_OPTION_SECONDS:
        raise Finding("slow", f"{option}={value[:80]!r}: {used:.1f} s of CPU")
    check_quiet(err)


# -- the worker: one target, Hypothesis rounds until the time is up --------------------------------


def save_finding(out: Path, target: str, kind: str, seed: Seed, data: bytes, detail: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = out / f"{target}-{kind}-{digest}.{EXTENSIONS[seed.fmt]}"
    path.write_bytes(data)
    notes = out / "FINDINGS.jsonl"
    with notes.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"file": path.name, "target": target, "kind": kind, "seed": seed.name,
                             "detail": detail[:500]}) + "\n")
    return path


def run_worker(target: str, seconds: float, seed_value: int, out: Path, current: Path, hang_seconds: float,
               max_cases: int | None = None) -> int:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import FlakyFailure

    seeds = make_seeds()
    check: Callable[[bytes], None]
    backend: BackendTarget | QueryTarget | None = None
    cases = case_strategy(seeds)
    if target == "loader":
        check = check_loader
    elif target == "options":
        generated = Seed("generated-options", "options", b"")
        cases = option_strategy().map(lambda case: (generated, json.dumps(case).encode()))
        check = check_options
    elif target == "pdf":
        os.environ.update(FUZZ_RENDER_BUDGET)
        generated = Seed("generated-pdf", "pdf", b"")
        cases = pdf_strategy().map(lambda data: (generated, data))
        check = check_pdf
    elif target == "query":
        query = Seed("generated-query", "query", b"")
        cases = query_strategy().map(lambda pairs: (query, json.dumps(pairs).encode()))
        backend = QueryTarget()
        check = backend
    else:
        backend = BackendTarget(target, hang_seconds)
        check = backend
    deadline = time.monotonic() + seconds
    stats = {"cases": 0, "findings": 0}
    last: list[tuple[Finding, Seed, bytes]] = []

    # Few examples a round where a case is slow to make or to run: past the deadline a
    # round still draws its remaining examples (cheaply skipped, but drawn).
    @settings(max_examples=20 if target == "pdf" else 300, deadline=None, database=None, phases=[Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(cases)
    def prop(case: tuple[Seed, bytes]) -> None:
        seed, data = case
        if time.monotonic() > deadline or (max_cases is not None and stats["cases"] >= max_cases):
            return
        current.write_bytes(data)
        (current.parent / "current.fmt").write_text(seed.fmt)
        stats["cases"] += 1
        try:
            check(data)
        except Finding as finding:
            last.append((finding, seed, data))
            raise

    round_no = 0
    try:
        while time.monotonic() < deadline and (max_cases is None or stats["cases"] < max_cases):
            try:
                hypothesis_seed(seed_value * 1000 + round_no)(prop)()
            except (Finding, FlakyFailure):  # flaky: the failure did not repeat on replay (time, load)
                finding, seed, data = last[-1]  # the last failing call is the shrunk one
                path = save_finding(out, target, finding.kind, seed, data, str(finding))
                stats["findings"] += 1
                print(f"[{target}] FINDING {finding} -> {path}", flush=True)
            round_no += 1
    finally:
        if backend is not None:
            backend.close()
    print(json.dumps({"target": target, **stats}), flush=True)
    return 1 if stats["findings"] else 0


# -- the driver: a worker per target, restarted after a crash --------------------------------------


def run_target(target: str, seconds: float, seed_value: int, out: Path, hang_seconds: float,
               max_cases: int | None = None) -> dict[str, int]:
    totals = {"cases": 0, "findings": 0, "worker_crashes": 0}
    deadline = time.monotonic() + seconds
    work = Path(tempfile.mkdtemp(prefix=f"ocrkit-fuzz-{target}-"))
    try:
        while (left := deadline - time.monotonic()) > 1:
            current = work / "current.bin"
            current.unlink(missing_ok=True)
            cmd = [sys.executable, __file__, "--worker", target, "--seconds", f"{left:.1f}", "--seed", str(seed_value),
                   "--out", str(out), "--current", str(current), "--hang-seconds", str(hang_seconds)]
            if max_cases is not None:
                cmd += ["--max-cases", str(max_cases)]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=left + 4 * hang_seconds + 120)
            for line in done.stdout.splitlines():
                if line.startswith("{"):
                    stats = json.loads(line)
                    totals["cases"] += stats["cases"]
                    totals["findings"] += stats["findings"]
                elif line.strip():
                    print(line, flush=True)
            if done.returncode in (0, 1):
                break
            # The worker itself died (a native crash in the loader): keep what it was reading.
            totals["worker_crashes"] += 1
            totals["findings"] += 1
            if current.is_file():
                fmt = (work / "current.fmt").read_text() if (work / "current.fmt").is_file() else "png"
                seed = Seed("unknown", fmt, b"")
                path = save_finding(out, target, f"worker-exit{done.returncode}", seed, current.read_bytes(),
                                    done.stderr[-500:])
                print(f"[{target}] FINDING worker died ({done.returncode}) -> {path}", flush=True)
            seed_value += 1  # do not replay the same sequence into the same crash
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated, of {', '.join(TARGETS)}")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="total budget, shared by the targets like the CI budget")
    budget.add_argument("--seconds", type=float, help="total budget in seconds")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (fixed: the same run finds the same)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where findings are written")
    parser.add_argument("--hang-seconds", type=float, default=60.0, help="a backend call longer than this is a hang")
    parser.add_argument("--worker", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--current", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--max-cases", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args.worker, args.seconds or 10.0, args.seed, args.out, args.current, args.hang_seconds,
                          args.max_cases)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s) {', '.join(sorted(unknown))}; use {', '.join(TARGETS)}")
    share = {t: CI_SECONDS[t] for t in targets}
    ci_run = not (args.minutes or args.seconds)
    total = args.minutes * 60 if args.minutes else args.seconds if args.seconds else sum(share.values())
    started = time.monotonic()
    results = {}
    for target in targets:
        seconds = total * share[target] / sum(share.values())
        results[target] = run_target(target, seconds, args.seed, args.out, args.hang_seconds,
                                     CI_CASES[target] if ci_run else None)
    found = sum(r["findings"] for r in results.values())
    summary = ", ".join(f"{t}: {r['cases']} cases, {r['findings']} findings" for t, r in results.items())
    print(f"fuzz: {summary} in {time.monotonic() - started:.0f} s (seed {args.seed})", flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
