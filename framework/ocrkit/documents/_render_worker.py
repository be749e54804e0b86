"""The PDF render worker: a child process that does every PDFium call for its parent.

Run as a script (``python -I _render_worker.py FD BUDGET [PATH...]``), it imports only the standard
library and pypdfium2, caps its own address space at what it uses after those imports
plus *BUDGET* bytes (``RLIMIT_AS``), and then answers requests on the ``SOCK_SEQPACKET``
socket *FD*, one at a time:

- ``{"op": "open", "password": ...}`` with a file descriptor of the PDF ->
  ``{"pages": N}``
- ``{"op": "size", "page": n}`` -> ``{"width": pt, "height": pt}`` (as displayed)
- ``{"op": "render", "page": n, "scale": s}`` -> ``{"width", "height", "channels", "resident"}``
  with a memfd holding the pixels (grey, one byte a pixel, for a page whose content
  is all grey or bilevel; RGB otherwise), rendered straight into that shared memory
- ``{"op": "close"}`` -> ``{}``

A failure is ``{"error": code, "detail": text}``; the parent words the message. The
parent enforces the deadline (it kills this process); the memory cap makes PDFium's
allocations fail, or this process die, instead of the machine's memory running out.
This file is the whole child: policy (DPI, limits, messages) stays in the parent.
"""

from __future__ import annotations

import ctypes
import json
import mmap
import os
import resource
import socket
import sys
import threading
import time
from typing import Any

#: Page objects looked at to decide grey or colour; a page with more renders in colour.
MAX_OBJECTS_INSPECTED = 4096
#: Largest request or reply packet.
PACKET = 1 << 16


def _cap_memory(budget: int) -> None:
    """Address space: what the interpreter and PDFium's code use now, plus *budget*."""
    if budget <= 0:
        return
    with open("/proc/self/statm") as f:
        in_use = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = in_use + budget
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)  # a caller's own cap (inherited) is never raised
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _resident() -> int:
    """This process's resident memory in bytes (PDFium's allocator keeps what a big page took)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _give_memory_back() -> None:
    """Hand the heap PDFium freed back to the system: an idle worker should not sit on a
    big page's peak while the caller recognises that page."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc


def _exit_with_parent(parent: int) -> None:
    """A render the parent stopped waiting for must not outlive it (PDFium runs without the GIL)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


class _Grey:
    """Decides whether a page's content is all grey (bilevel scans, black text)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.seen = 0

    def _color_is_grey(self, getter: Any, obj: Any) -> bool:
        r, g, b, a = (ctypes.c_uint() for _ in range(4))
        if not getter(obj, r, g, b, a):
            return True  # no colour set: the default, black
        return r.value == g.value == b.value

    def _image_is_grey(self, obj: Any, page: Any) -> bool:
        raw = self.raw
        meta = raw.FPDF_IMAGEOBJ_METADATA()
        if not raw.FPDFImageObj_GetImageMetadata(obj, page, meta):
            return False
        space, bits = meta.colorspace, meta.bits_per_pixel
        if space in (raw.FPDF_COLORSPACE_DEVICEGRAY, raw.FPDF_COLORSPACE_CALGRAY):
            return True
        if space == raw.FPDF_COLORSPACE_ICCBASED:
            return bits in (1, 8)  # one component
        return space == raw.FPDF_COLORSPACE_UNKNOWN and bits == 1  # a stencil mask, painted in the fill colour

    def objects(self, count: int, get: Any, page: Any) -> bool:
        raw = self.raw
        for i in range(count):
            self.seen += 1
            if self.seen > MAX_OBJECTS_INSPECTED:
                return False
            obj = get(i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM:
                if not self.objects(raw.FPDFFormObj_CountObjects(obj),
                                    lambda j, o=obj: raw.FPDFFormObj_GetObject(o, j), page):
                    return False
                continue
            if kind == raw.FPDF_PAGEOBJ_SHADING:
                return False
            if kind == raw.FPDF_PAGEOBJ_IMAGE and not self._image_is_grey(obj, page):
                return False
            if not (self._color_is_grey(raw.FPDFPageObj_GetFillColor, obj)
                    and self._color_is_grey(raw.FPDFPageObj_GetStrokeColor, obj)):
                return False
        return True

    def page(self, page: Any) -> bool:
        raw = self.raw
        if raw.FPDFPage_GetAnnotCount(page) > 0:
            return False  # annotations may be drawn in colour
        return self.objects(raw.FPDFPage_CountObjects(page), lambda i: raw.FPDFPage_GetObject(page, i), page)


class Worker:
    def __init__(self, sock: socket.socket) -> None:
        import pypdfium2
        import pypdfium2.raw

        self.pdfium = pypdfium2
        self.raw = pypdfium2.raw
        self.sock = sock
        self.doc: Any = None
        self.page: Any = None
        self.page_number = 0

    # -- the loop ------------------------------------------------------------------------------

    def serve(self) -> None:
        while True:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(PACKET, socket.CMSG_SPACE(4))
            except OSError:
                return
            if not data:
                return  # the parent closed the socket
            fds = [int.from_bytes(d[:4], sys.byteorder) for lvl, typ, d in ancillary
                   if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS]
            request = json.loads(data)
            fd: int | None = None
            try:
                reply, fd = getattr(self, "op_" + request["op"])(request, fds)
            except MemoryError:
                reply = {"error": "memory", "detail": "out of memory"}
            except self.pdfium.PdfiumError as exc:
                reply = {"error": "pdfium", "detail": str(exc), "code": getattr(exc, "err_code", None)}
            except Exception as exc:  # reported to the parent, which words it
                reply = {"error": "failed", "detail": f"{type(exc).__name__}: {exc}"}
            _give_memory_back()
            self.sock.sendmsg([json.dumps(reply).encode()],
                              [] if fd is None else [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fd.to_bytes(4, sys.byteorder))])
            if fd is not None:
                os.close(fd)

    # -- requests ------------------------------------------------------------------------------

    def _close_page(self) -> None:
        if self.page is not None:
            self.page.close()
            self.page = None
            self.page_number = 0

    def op_open(self, request: dict[str, Any], fds: list[int]) -> tuple[dict[str, Any], None]:
        self.op_close(request, [])
        stream = os.fdopen(fds[0], "rb")
        try:
            self.doc = self.pdfium.PdfDocument(stream, password=request.get("password"), autoclose=True)
        except BaseException:
            stream.close()
            raise
        return {"pages": len(self.doc)}, None

    def op_close(self, request: dict[str, Any], fds: list[int]) -> tuple[dict[str, Any], None]:
        self._close_page()
        if self.doc is not None:
            self.doc.close()
            self.doc = None
        return {}, None

    def _load(self, number: int) -> Any:
        if self.page_number != number:
            self._close_page()
            self.page = self.doc[number - 1]
            self.page_number = number
        return self.page

    def op_size(self, request: dict[str, Any], fds: list[int]) -> tuple[dict[str, Any], None]:
        try:
            page = self._load(request["page"])
        except self.pdfium.PdfiumError as exc:
            return {"error": "page", "detail": str(exc)}, None
        width, height = page.get_size()
        return {"width": width, "height": height}, None

    def op_render(self, request: dict[str, Any], fds: list[int]) -> tuple[dict[str, Any], int | None]:
        page = self._load(request["page"])
        grey = _Grey(self.raw).page(page)
        made: dict[str, Any] = {}

        def into_shared_memory(width: int, height: int, format: int, rev_byteorder: bool = False) -> Any:
            channels = 1 if format == self.raw.FPDFBitmap_Gray else 3
            if format not in (self.raw.FPDFBitmap_Gray, self.raw.FPDFBitmap_BGR):
                raise ValueError(f"unexpected bitmap format {format}")
            size = width * height * channels
            fd = os.memfd_create("ocrkit-page")
            try:
                os.ftruncate(fd, size)
                mem = mmap.mmap(fd, size)
            except BaseException:
                os.close(fd)
                raise
            buffer = (ctypes.c_ubyte * size).from_buffer(mem)
            made.update(fd=fd, mem=mem, buffer=buffer, width=width, height=height, channels=channels)
            return self.pdfium.PdfBitmap.new_native(width, height, format, rev_byteorder, buffer=buffer,
                                                    stride=width * channels)

        try:
            pixel_format = {"force_bitmap_format": self.raw.FPDFBitmap_Gray} if grey else {"rev_byteorder": True}
            _render(page, request["scale"], pixel_format, into_shared_memory)
        except BaseException:
            if "fd" in made:
                os.close(made["fd"])
            raise
        finally:
            made.pop("buffer", None)
            if "mem" in made:
                try:
                    made.pop("mem").close()
                except BufferError:
                    pass  # still referenced by a failed render's traceback: unmapped when that goes
        return {"width": made["width"], "height": made["height"], "channels": made["channels"],
                "resident": _resident()}, made["fd"]


def _render(page: Any, scale: float, pixel_format: dict[str, Any], maker: Any) -> None:
    """Render *page* into the bitmap *maker* makes; the bitmap is gone when this returns."""
    bitmap = page.render(scale=scale, may_draw_forms=False, bitmap_maker=maker, **pixel_format)
    bitmap.close()


def main() -> None:
    fd, budget = int(sys.argv[1]), int(sys.argv[2])
    sys.path[:0] = sys.argv[3:]  # where the parent found pypdfium2
    sock = socket.socket(fileno=fd)
    worker = Worker(sock)  # imports PDFium before the cap: its code is not the budget
    _cap_memory(budget)
    _exit_with_parent(os.getppid())
    worker.serve()


if __name__ == "__main__":
    main()
