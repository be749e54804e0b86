"""The shared server: every endpoint and format, and every client-error status from a real bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocrkit
from ocrkit import formats

from .conftest import DATA, MAX_BODY, MAX_PIXELS, png_bytes, server_env

IMAGES = ("page_simple.png", "two_columns.png", "german.png")


@pytest.fixture(scope="module")
def engine():
    with ocrkit.open("tesseract") as e:
        yield e


@pytest.fixture(scope="module")
def two_page_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "two.pdf"
    first, second = (Image.open(DATA / n).convert("RGB") for n in IMAGES[:2])
    first.save(path, save_all=True, append_images=[second], resolution=150.0)
    return path


def expected(engine, source, fmt: str, name: str | None = None, **kwargs) -> str:
    pages = list(engine.read_document(source, **kwargs))
    for page in pages:
        page.source = name
    return formats.render(pages, fmt)


def test_health_ready_and_openapi(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    spec = client.get("/openapi.json").json()
    read = spec["paths"]["/v1/read"]["post"]
    assert {p["name"] for p in read["parameters"]} == {
        "backend", "model", "lang", "layout", "format", "pages", "dpi", "option", "rotate_pages", "deskew"
    }
    assert all(p.get("description") for p in read["parameters"])
    assert "multipart/form-data" in read["requestBody"]["content"]
    assert {"413", "422", "429", "502", "504"} <= set(read["responses"])
    assert "swagger" in client.get("/docs").text.lower()


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_each_format_as_ocrkit_reads_it(client, engine, page_png, fmt: str) -> None:
    """Multipart upload; the answer is the in-process render, or the same one-line error."""
    r = client.post("/v1/read", params={"format": fmt}, files={"file": ("scan.png", page_png, "image/png")})
    try:
        want = expected(engine, page_png, fmt, name="scan.png")
    except ocrkit.OcrkitError as exc:  # a writer not available in this ocrkit: the same message
        assert r.status_code == 422 and r.json()["error"] == str(exc)
        return
    assert r.status_code == 200, r.text
    assert r.text == want
    assert r.headers["content-type"].split(";")[0] == formats.media_type(fmt).split(";")[0]


def test_raw_body_json_and_line_layout(client, engine) -> None:
    data = (DATA / "line_hello.png").read_bytes()
    r = client.post("/v1/read", params={"format": "json", "layout": "line"}, content=data)
    assert r.status_code == 200
    assert json.loads(r.text)["text"] == engine.recognize(data, layout="line").text


def test_pdf_pages_and_dpi(client, engine, two_page_pdf: Path) -> None:
    data = two_page_pdf.read_bytes()
    r = client.post("/v1/read", params={"pages": "2", "dpi": "150", "format": "json"},
                    files={"file": ("two.pdf", data, "application/pdf")})
    assert r.status_code == 200, r.text
    assert r.text == expected(engine, data, "json", name="two.pdf", pages="2", dpi=150)
    assert json.loads(r.text)["page"] == 2
    whole = client.post("/v1/read", params={"dpi": "150"}, content=data)
    assert whole.text == expected(engine, data, "text", dpi=150) and "\f" in whole.text


def test_backend_option_is_typed_and_used(client, engine, page_png) -> None:
    r = client.post("/v1/read", params={"option": "psm=7", "layout": "line"},
                    content=(DATA / "line_numbers.png").read_bytes())
    assert r.status_code == 200
    with ocrkit.open("tesseract", psm=7) as e7:
        assert r.text == expected(e7, (DATA / "line_numbers.png").read_bytes(), "text", layout="line")


def test_backends_and_models_as_the_cli_lists_them(server, client) -> None:
    env = server_env(Path(os.environ.get("TMPDIR", "/tmp")))
    env["OCRKIT_HOME"] = str(Path(client.get("/v1/backends?verbose=true").json()[0]["store"]).parent)
    cli = subprocess.run([sys.executable, "-m", "ocrkit", "backends", "--json", "-v"], env=env,
                         capture_output=True, text=True, check=True)
    assert client.get("/v1/backends", params={"verbose": "true"}).json() == json.loads(cli.stdout)
    models = client.get("/v1/models", params={"backend": "tesseract"}).json()
    assert {m["name"] for m in models} >= {"eng"} and all(m["backend"] == "tesseract" for m in models)
    assert client.get("/v1/models", params={"backend": "nope"}).status_code == 404


def test_concurrent_requests_equal_the_in_process_api(client, engine) -> None:
    """4 threads (the shared server's 2 slots + 2 queue places) share one engine."""
    images = [(DATA / n).read_bytes() for n in IMAGES] * 2
    want = [expected(engine, data, "text") for data in images]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda data: client.post("/v1/read", content=data).text, images))
    assert got == want


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == status and "\n" not in body["error"] and body["error"]
    return body


def test_client_errors_from_real_bad_inputs(client, tmp_path: Path, page_png: bytes) -> None:
    assert "not an image" in _error(client.post("/v1/read", content=b"hello, not an image"), 422)["error"]
    _error(client.post("/v1/read", content=b"%PDF-1.7\n1 0 obj garbage"), 422)
    _error(client.post("/v1/read", content=page_png[: len(page_png) // 2]), 422)  # truncated PNG
    _error(client.post("/v1/read", content=b""), 422)
    _error(client.post("/v1/read", files={"other": ("x.png", page_png)}), 422)
    big = png_bytes(np.zeros((2500, 2500), dtype=np.uint8))  # 6.25 MP, a small PNG
    assert len(big) < MAX_BODY and MAX_PIXELS < 2500 * 2500
    _error(client.post("/v1/read", content=big), 413)
    _error(client.post("/v1/read", content=os.urandom(MAX_BODY + 1)), 413)
    known = _error(client.post("/v1/read", params={"backend": "nope"}, content=page_png), 404)
    assert {"tesseract", "onnx"} <= set(known["known"])
    assert "eng" in _error(client.post("/v1/read", params={"model": "klingon"}, content=page_png), 404)["known"]
    accepted = _error(client.post("/v1/read", params={"option": "bogus=1"}, content=page_png), 422)["accepted"]
    assert "psm" in accepted
    _error(client.post("/v1/read", params={"option": "psm=banana"}, content=page_png), 422)
    _error(client.post("/v1/read", params={"format": "docx"}, content=page_png), 422)
    _error(client.post("/v1/read", params={"pages": "3-1"}, content=page_png), 422)
    _error(client.post("/v1/read", params={"layout": "spiral"}, content=page_png), 422)


def test_encrypted_pdf_is_422(client, two_page_pdf: Path, tmp_path: Path) -> None:
    pikepdf = pytest.importorskip("pikepdf")
    path = tmp_path / "locked.pdf"
    with pikepdf.open(two_page_pdf) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner="o", user="secret", R=6))
    assert "password" in _error(client.post("/v1/read", content=path.read_bytes()), 422)["error"].lower()


def test_requests_never_name_server_paths(client, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes((DATA / "page_simple.png").read_bytes())
    assert client.post("/v1/read", params={"path": str(secret)}, content=b"x").status_code == 422
    _error(client.post("/v1/read", params={"model": "../../../etc/passwd"}, content=b"x"), 422)
    # a path as the body is just bytes that are not an image
    _error(client.post("/v1/read", content=str(secret).encode()), 422)
    _error(client.post("/v1/read", files={"file": (str(secret), b"not an image")}), 422)


def test_busy_server_answers_429_with_retry_after(server) -> None:
    """2 slots + 2 queue places: of 7 slow requests at once, some are refused, none fails otherwise."""
    image = png_bytes(np.full((20, 20), 7, dtype=np.uint8))
    statuses: list[tuple[int, str | None]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(7)

    def post() -> None:
        with server.client() as c:
            barrier.wait()
            r = c.post("/v1/read", params={"backend": "fake", "option": "delay=1.5"}, content=image)
        with lock:
            statuses.append((r.status_code, r.headers.get("retry-after")))

    threads = [threading.Thread(target=post) for _ in range(7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(s for s, _ in statuses)
    assert set(codes) == {200, 429} and codes.count(200) == 4, codes
    assert all(int(ra) >= 1 for s, ra in statuses if s == 429)


def test_metrics(client, page_png) -> None:
    client.post("/v1/read", content=page_png)
    client.post("/v1/read", content=b"junk")
    text = client.get("/metrics").text
    assert 'ocrkit_http_requests_total{route="/v1/read",status="200"}' in text
    assert 'ocrkit_http_requests_total{route="/v1/read",status="422"}' in text
    assert "ocrkit_http_request_duration_seconds_bucket" in text
    for name in ("ocrkit_recognitions_running", "ocrkit_recognitions_queued", "ocrkit_http_requests_in_flight"):
        assert f"\n{name} " in text
    engines = float(text.split("\nocrkit_engines_open ")[1].split()[0])
    rss = float(text.split("\nocrkit_process_resident_memory_bytes ")[1].split()[0])
    assert engines >= 1 and rss > 50e6
    assert 'ocrkit_engine_events_total{event="load"}' in text
