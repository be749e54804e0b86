"""Servers of their own: process isolation (crash -> 502, then a fresh child), the API
key, the request timeout, the idle free (RSS really back), and SIGTERM mid-request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest

from .conftest import Server, png_bytes, start_server, stop_server

#: fakeocr's magic inputs: a 3x3 grey image of value 66 calls abort() in the backend.
ABORT_IMAGE = png_bytes(np.full((3, 3), 66, dtype=np.uint8))
PLAIN_IMAGE = png_bytes(np.full((16, 24), 7, dtype=np.uint8))
KEY = "s3cret-key-for-tests"


@pytest.fixture(scope="module")
def isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve-isolated")
    (tmp / "key").write_text(KEY + "\n")
    s = start_server(tmp, "--isolation", "process", "--api-key-file", str(tmp / "key"), "--timeout", "5")
    try:
        yield s
    finally:
        stop_server(s)


def test_api_key_is_required_except_for_healthz(isolated: Server) -> None:
    with isolated.client() as c:
        assert c.get("/healthz").status_code == 200
        for path in ("/readyz", "/metrics", "/v1/backends", "/openapi.json"):
            assert c.get(path).status_code == 401, path
        r = c.post("/v1/read", params={"backend": "fake"}, content=PLAIN_IMAGE, headers={"X-API-Key": "wrong"})
        assert r.status_code == 401 and "API key" in r.json()["error"] and r.headers["www-authenticate"] == "Bearer"
        assert c.get("/readyz", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_native_crash_is_502_and_the_next_request_gets_a_fresh_child(isolated: Server) -> None:
    with isolated.client(headers={"X-API-Key": KEY}) as c:
        first = c.post("/v1/read", params={"backend": "fake"}, content=PLAIN_IMAGE)
        assert first.status_code == 200
        crash = c.post("/v1/read", params={"backend": "fake"}, content=ABORT_IMAGE)
        assert crash.status_code == 502 and crash.json()["type"] == "BackendCrashedError"
        assert "\n" not in crash.json()["error"]
        after = c.post("/v1/read", params={"backend": "fake"}, content=PLAIN_IMAGE)
        assert after.status_code == 200 and after.text == first.text
        assert isolated.proc.poll() is None
        metrics = c.get("/metrics").text
        assert 'ocrkit_engine_events_total{event="free:crash"} 1.0' in metrics
        assert 'ocrkit_engine_events_total{event="load"} 2.0' in metrics


def test_request_timeout_is_504(isolated: Server) -> None:
    with isolated.client(headers={"X-API-Key": KEY}) as c:
        r = c.post("/v1/read", params={"backend": "fake", "option": "delay=6"}, content=PLAIN_IMAGE)
        assert r.status_code == 504 and "timeout" in r.json()["error"]
        assert c.get("/healthz").status_code == 200


def _rss(server: Server) -> int:
    return psutil.Process(server.proc.pid).memory_info().rss


def _wait_engines_freed(c, count: int, timeout: float = 30.0) -> None:
    """Until the idle timer has freed *count* engines in all (the free has finished then)."""
    needle = f'ocrkit_engine_events_total{{event="free:idle"}} {count:.1f}'
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in c.get("/metrics").text:
            return
        time.sleep(0.2)
    raise AssertionError("the idle engine was not freed")


def test_idle_free_gives_memory_back_and_sigterm_finishes_the_request(tmp_path: Path) -> None:
    """RSS after the idle free is within 10 MB of RSS before that engine loaded (the backend's
    library already imported: that part is code, not the engine); then SIGTERM mid-request."""
    server = start_server(tmp_path, "--idle-free", "1", "--preload", "fake")
    try:
        with server.client() as c:
            page = (Path(__file__).parent.parent / "data" / "page_simple.png").read_bytes()
            want = c.post("/v1/read", content=page).text  # imports tesseract, warms the request path
            _wait_engines_freed(c, 1)
            before = _rss(server)
            assert c.post("/v1/read", content=page).text == want
            loaded = _rss(server)
            _wait_engines_freed(c, 2)
            engines = c.get("/readyz").json()["engines"]  # the preloaded one is kept open
            assert (engines["open"], engines["preloaded"], engines["backends"]) == (1, 1, {"fake": 1})
            after = _rss(server)
            assert after <= before + 10 * 2**20, (before, loaded, after)

            result: dict[str, object] = {}

            def slow_request() -> None:
                r = c.post("/v1/read", params={"backend": "fake", "option": "delay=2"}, content=PLAIN_IMAGE)
                result["status"], result["text"] = r.status_code, r.text

            t = threading.Thread(target=slow_request)
            t.start()
            deadline = time.monotonic() + 20
            while c.get("/readyz").json().get("running", 0) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            server.proc.terminate()
            t.join(timeout=30)
            assert result.get("status") == 200 and str(result["text"]).startswith("page 24x16")
            assert server.proc.wait(timeout=30) == 0
            assert "Finished server process" in server.output()
    finally:
        stop_server(server)
