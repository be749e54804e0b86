"""Pulls against hostile servers (issue 11: 11, 12): redirects only to http(s), every
error on one line, "(resumed)" only when verified bytes really were resumed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ocrkit import DownloadError, ModelStore
from ocrkit.pull import load_catalog, pull_model
from ocrkit.pull._download import fetch

from .conftest import sha256_file

ENG = "eng.traineddata"


class _Redirects(BaseHTTPRequestHandler):
    """``/ftp`` sends the client to an FTP server, ``/loop`` to itself."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        target = "ftp://127.0.0.1:9/model.bin" if self.path == "/ftp" else self.path
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def redirects(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Redirects)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_a_redirect_to_ftp_is_refused(redirects: str, tmp_path: Path) -> None:
    """12: urllib followed it although the catalogue forbids ftp:// URLs."""
    with pytest.raises(DownloadError, match=r"ftp:// redirect is refused") as info:
        fetch(f"{redirects}/ftp", tmp_path / "x.part", size=None, label="x", timeout=5)
    assert "\n" not in str(info.value)
    with pytest.raises(DownloadError, match="refused"):
        load_catalog(f"{redirects}/ftp", timeout=5)


def test_a_redirect_loop_is_one_line(redirects: str, tmp_path: Path) -> None:
    """11: urllib's reason is three lines ("...infinite loop.\\nThe last 30x error message was:\\nFound")."""
    with pytest.raises(DownloadError, match="loop") as info:
        fetch(f"{redirects}/loop", tmp_path / "x.part", size=None, label="x", timeout=5)
    assert "\n" not in str(info.value)


def test_a_stale_part_answered_416_is_not_reported_resumed(ocrkit_home, serve_catalog, real_models) -> None:
    """12: a .part as long as the file but of other bytes: the server answers 416, the
    digest fails, the file comes again from byte 0; it was "(resumed)" all the same."""
    catalog, server = serve_catalog
    spec = load_catalog(catalog).get("eng").files[0]
    store_dir = ModelStore(ocrkit_home).path("tesseract")
    (store_dir / f"{ENG}.{spec.sha256[:12]}.part").write_bytes(b"\0" * spec.size)

    result = pull_model("eng", store=ocrkit_home, catalog=catalog, timeout=10)

    assert sha256_file(result.path) == sha256_file(real_models[ENG])
    assert [r.range for r in server.body_requests(ENG)][-1] is None  # the last request was from byte 0
    assert not result.resumed
