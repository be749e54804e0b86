"""Hostile clients (issue 21): oversized request heads, lying Content-Length, slow uploads,
reads past their deadline, and what ``/readyz`` tells one client about the others.

Every client here is a real socket, bounded in time: a test that fails does so on a
timeout of a few seconds, never by hanging the suite."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests import pdfcraft

from .conftest import Server, start_server, stop_server

PLAIN = np.full((16, 24), 7, dtype=np.uint8)


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def _address(server: Server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def _exchange(server: Server, head: bytes, body: bytes = b"", timeout: float = 10.0) -> tuple[int, dict]:
    """Send *head* and *body* on a fresh connection; the status and JSON body of the answer."""
    with socket.create_connection(_address(server), timeout=timeout) as s:
        try:
            s.sendall(head + body)
        except OSError:
            pass  # the server may answer before all of it is sent: its answer is what counts
        data = b""
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, json.loads(data.partition(b"\r\n\r\n")[2] or b"{}")


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_long_request_line_is_414_and_long_headers_431(server: Server) -> None:
    status, body = _exchange(server, b"GET /healthz?" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414 and "request line" in body["error"]
    status, body = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20_000 + b"\r\n\r\n")
    assert status == 431 and "headers" in body["error"]
    headers = b"".join(b"X-H%d: %s\r\n" % (i, b"c" * 100) for i in range(200))
    status, _ = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert status == 431


def test_absurd_content_length_is_413_at_once(server: Server) -> None:
    begin = time.monotonic()
    status, body = _exchange(
        server, b"POST /v1/read HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n", b"small", timeout=5)
    assert status == 413 and "larger than" in body["error"]
    assert time.monotonic() - begin < 5
    head = b"POST /v1/read HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n"
    status, _ = _exchange(server, head, b"small", timeout=5)
    assert status in (400, 413)


def test_readyz_shows_counts_not_other_clients_options(server: Server) -> None:
    with server.client() as c:
        r = c.post("/v1/read", params={"backend": "fake", "option": "greeting=/srv/private/notes.txt"},
                   content=_png(PLAIN))
        assert r.status_code == 200
        ready = c.get("/readyz")
    assert ready.status_code == 200
    assert "/srv/private" not in ready.text and "greeting" not in ready.text
    engines = ready.json()["engines"]
    assert engines["open"] >= 1 and engines["backends"].get("fake", 0) >= 1
    assert set(engines) == {"open", "in_use", "preloaded", "backends"}


@pytest.fixture()
def tight(tmp_path: Path) -> Iterator[Server]:
    """One slot, one queue place, 4 s per request."""
    s = start_server(tmp_path, "--concurrency", "1", "--queue", "1", "--timeout", "4")
    try:
        yield s
    finally:
        stop_server(s)


def test_slow_uploads_take_no_place_and_get_408(tight: Server) -> None:
    """Five clients sending a byte every 0.3 s (on main they held both places: 429)."""
    stop = threading.Event()
    answers: list[int] = []

    def slow_client() -> None:
        with socket.create_connection(_address(tight), timeout=10) as s:
            s.sendall(b"POST /v1/read?backend=fake HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
            try:
                while not stop.is_set():
                    s.sendall(b"x")
                    time.sleep(0.3)
            except OSError:
                pass  # the server closed it after its 408
            try:
                data = s.recv(4096)
                answers.append(int(data.split(b" ", 2)[1]) if data else 0)
            except OSError:
                answers.append(0)

    slow = [threading.Thread(target=slow_client) for _ in range(5)]
    for t in slow:
        t.start()
    try:
        time.sleep(1.0)  # every slow client has sent its head
        with tight.client() as c:
            good = [c.post("/v1/read", params={"backend": "fake"}, content=_png(PLAIN)).status_code for _ in range(3)]
        assert good == [200, 200, 200]
    finally:
        for t in slow:
            t.join(timeout=10)
        stop.set()
    assert answers.count(408) >= 4, answers


def _many_page_pdf(pages: int) -> bytes:
    frames = [Image.fromarray(np.full((40, 60), 200 + i % 50, dtype=np.uint8)) for i in range(pages)]
    buf = io.BytesIO()
    frames[0].save(buf, format="PDF", save_all=True, append_images=frames[1:], resolution=72.0)
    return buf.getvalue()


def _running(server: Server) -> int:
    with server.client() as c:
        return int(c.get("/readyz").json()["running"])


def test_504_stops_the_read_and_sigterm_exits_at_once(tight: Server) -> None:
    """100 pages at 0.25 s each answer 504 at 4 s; the read stops within a page batch (on
    main it ran on for 25 s with its slot taken, and SIGTERM waited for it)."""
    with tight.client() as c:
        r = c.post("/v1/read", params={"backend": "fake", "option": "delay=0.25", "dpi": "72"},
                   content=_many_page_pdf(100))
    assert r.status_code == 504
    deadline = time.monotonic() + 5
    while _running(tight) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _running(tight) == 0
    with tight.client() as c:
        assert c.post("/v1/read", params={"backend": "fake"}, content=_png(PLAIN)).status_code == 200

    def long_read() -> None:
        with tight.client() as c:
            try:
                c.post("/v1/read", params={"backend": "fake", "option": "delay=0.25", "dpi": "72"},
                       content=_many_page_pdf(100))
            except Exception:
                pass  # the server stopped: what counts is how fast

    reader = threading.Thread(target=long_read)
    reader.start()
    deadline = time.monotonic() + 5
    while not _running(tight) and time.monotonic() < deadline:
        time.sleep(0.05)
    tight.proc.terminate()
    assert tight.proc.wait(timeout=15) == 0  # main waited for all 100 pages (25 s)
    reader.join(timeout=10)


def test_a_pdf_bomb_is_422_and_other_requests_are_served(tmp_path: Path) -> None:
    """A 1.9 KB form-XObject bomb (main: the server process died, ~13 GB) is one 422 with the
    render budget's message; a PDF sent meanwhile is read; the server stays up."""
    server = start_server(tmp_path, "--concurrency", "2", "--timeout", "60",
                          env={"OCRKIT_RENDER_SECONDS": "4", "OCRKIT_RENDER_MEMORY": str(512 * 1024**2)})
    try:
        result: dict[str, object] = {}

        def bomb() -> None:
            with server.client() as c:
                r = c.post("/v1/read", params={"backend": "fake", "dpi": "72"}, content=pdfcraft.form_bomb(5, 20))
                result["status"], result["body"] = r.status_code, r.json()

        t = threading.Thread(target=bomb)
        t.start()
        time.sleep(0.5)
        with server.client() as c:  # analysis off: the fake answers with the size of the page it was given
            good = c.post("/v1/read", params={"backend": "fake", "dpi": "72", "rotate_pages": "false", "deskew": "false"},
                          content=pdfcraft.grey_text_page())
        t.join(timeout=60)
        assert good.status_code == 200 and good.text.startswith("page 612x792")
        assert result["status"] == 422 and "render budget" in result["body"]["error"]  # type: ignore[index]
        assert server.proc.poll() is None
    finally:
        stop_server(server)


def test_admission_reserves_memory_not_only_places(tmp_path: Path) -> None:
    """--max-memory 100 MB with 5 MP pages (90 MB a request): two slow requests run one
    after the other although two slots are free."""
    server = start_server(tmp_path, "--concurrency", "2", "--max-memory", str(100 * 1024**2))
    try:
        seen: list[int] = []

        def slow() -> None:
            with server.client() as c:
                assert c.post("/v1/read", params={"backend": "fake", "option": "delay=1.5"},
                              content=_png(PLAIN)).status_code == 200

        threads = [threading.Thread(target=slow) for _ in range(2)]
        for t in threads:
            t.start()
        with server.client() as c:
            while any(t.is_alive() for t in threads):
                ready = c.get("/readyz").json()
                seen.append(ready["running"])
                assert ready["memory_reserved"] <= ready["max_memory"]
                time.sleep(0.1)
        for t in threads:
            t.join()
        assert max(seen) == 1, seen
    finally:
        stop_server(server)
