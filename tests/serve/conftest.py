"""A real ``ocrkit serve`` process on a free port on 127.0.0.1, talked to with httpx.

One shared server answers most tests; the isolation and the idle/shutdown tests
start their own (they change how the server runs). Every server is killed at
the end of its fixture, whatever happened.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

TESTS = Path(__file__).resolve().parent.parent
DATA = TESTS / "data"
FAKE_BACKEND_DIR = TESTS  # fakeocr.py: the fake backend with the crash images
#: The shared server's pixel cap (OCRKIT_MAX_IMAGE_PIXELS) and body cap (--max-body-bytes).
MAX_PIXELS = 5_000_000
MAX_BODY = 2_000_000
START_TIMEOUT = 60.0


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60.0, **kwargs)  # type: ignore[arg-type]

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OCRKIT_HOME": str(home),
        "OCRKIT_PLUGINS": "fakeocr",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(FAKE_BACKEND_DIR), os.environ.get("PYTHONPATH")])),
        "OCRKIT_MAX_IMAGE_PIXELS": str(MAX_PIXELS),
    }


def start_server(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """``ocrkit serve`` with *args* (and *env* on top of the tests' environment), up and
    answering /healthz (or a failure with its output)."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    log = tmp / f"server-{time.monotonic_ns()}.log"
    for _attempt in range(3):  # another process may take the free port before the server binds it
        port = _free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ocrkit", "serve", "--port", str(port), *args],
                env={**server_env(home), **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
            )
        server = Server(proc, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                time.sleep(0.1)
        stop_server(server)
        if "address already in use" not in server.output():
            break
    raise AssertionError(f"ocrkit serve did not start:\n{server.output()}")


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shared server: 2 recognition slots, 2 queue places, a 2 MB body cap."""
    s = start_server(tmp_path_factory.mktemp("serve"), "--concurrency", "2", "--queue", "2",
                     "--max-body-bytes", str(MAX_BODY), "--timeout", "60")
    try:
        yield s
    finally:
        stop_server(s)


@pytest.fixture(scope="session")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def page_png() -> bytes:
    return (DATA / "page_simple.png").read_bytes()
