"""Pulls against a real HTTP server on 127.0.0.1 serving real model files."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import threading
from pathlib import Path

import pytest

from ocrkit import ChecksumMismatchError, DownloadError, ModelStore
from ocrkit.errors import ModelExistsError, ModelInUseError, ModelNotFoundError
from ocrkit.pull import pull_model
from ocrkit.store import mark_in_use

from .conftest import sha256_file, tree

ENG = "eng.traineddata"


def _pull(name: str, home: Path, catalog: Path, **kwargs):
    kwargs.setdefault("timeout", 10)
    return pull_model(name, store=home, catalog=catalog, **kwargs)


# -- success -------------------------------------------------------------------------------


def test_pull_puts_a_verified_traineddata_in_the_store(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    seen: list[tuple[str, int, int | None]] = []

    result = _pull("eng", ocrkit_home, catalog, progress=lambda *a: seen.append(a))

    target = ocrkit_home / "tesseract" / ENG
    assert result.status == "downloaded"
    assert result.path == target
    assert result.bytes_received == real_models[ENG].stat().st_size
    assert sha256_file(target) == sha256_file(real_models[ENG])
    assert ModelStore(ocrkit_home).list_local("tesseract") == [ENG]
    assert sorted(os.listdir(target.parent)) == [ENG]  # no .part, .tmp or .lock left behind
    assert seen[-1] == (ENG, target.stat().st_size, target.stat().st_size)
    assert [r.range for r in server.body_requests(ENG)] == [None]


def test_second_pull_finds_the_model_and_downloads_nothing(ocrkit_home, serve_catalog):
    catalog, server = serve_catalog
    _pull("eng", ocrkit_home, catalog)
    again = _pull("eng-fast", ocrkit_home, catalog)  # an alias of eng
    assert again.status == "present"
    assert again.bytes_received == 0
    assert len(server.body_requests(ENG)) == 1


def test_pulled_traineddata_is_used_by_the_tesseract_backend(ocrkit_home, serve_catalog, data_dir, truth, monkeypatch):
    import ocrkit

    catalog, _ = serve_catalog
    _pull("eng", ocrkit_home, catalog)
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    with ocrkit.open("tesseract", "eng") as ocr:
        loaded = [Path(f).resolve() for m in ocr.loaded_models for f in (m.files or (m.path,))]
        assert (ocrkit_home / "tesseract" / ENG).resolve() in loaded  # the store copy wins
        page = ocr.recognize(data_dir / "line_hello.png", layout="line")
    assert page.text.strip() == truth["line_hello.png"]


def test_pull_of_a_ppocr_set_publishes_the_whole_directory(ocrkit_home, serve_catalog, real_models):
    catalog, _ = serve_catalog
    result = _pull("ppocr-mini", ocrkit_home, catalog)
    folder = ocrkit_home / "onnx" / "ppocr-mini"
    assert result.status == "downloaded" and result.path == folder
    assert sorted(os.listdir(folder)) == ["cls.onnx", "det.onnx", "manifest.json", "rec.onnx"]
    for name in ("cls.onnx", "det.onnx", "rec.onnx"):
        assert sha256_file(folder / name) == sha256_file(real_models[name])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rec"] == {"file": "rec.onnx"}
    assert sorted(os.listdir(folder.parent)) == ["ppocr-mini"]  # staging and parts are gone


def test_pulled_ppocr_set_is_found_and_used_by_the_onnx_backend(ocrkit_home, serve_catalog, data_dir, truth):
    import ocrkit

    catalog, _ = serve_catalog
    _pull("ppocr-mini", ocrkit_home, catalog)
    folder = ocrkit_home / "onnx" / "ppocr-mini"
    with ocrkit.open("onnx", "ppocr-mini") as ocr:
        found = {m.name: m for m in ocr.list_models()}
        assert found["ppocr-mini"].source == "store"
        assert Path(found["ppocr-mini"].path).resolve() == folder.resolve()
        loaded = [Path(f).resolve() for m in ocr.loaded_models for f in (m.files or (m.path,))]
        assert (folder / "rec.onnx").resolve() in loaded
        page = ocr.recognize(data_dir / "line_hello.png", layout="line")
    assert page.text.strip() == truth["line_hello.png"]


def test_pull_rejects_a_name_of_another_backend_and_unknown_names(ocrkit_home, serve_catalog):
    catalog, _ = serve_catalog
    with pytest.raises(ModelNotFoundError, match="for backend 'onnx'") as info:
        _pull("eng", ocrkit_home, catalog, backend="onnx")
    assert "ppocr-mini" in str(info.value)  # lists what the backend does have
    with pytest.raises(ModelNotFoundError, match="no model 'klingon'"):
        _pull("klingon", ocrkit_home, catalog)


# -- wrong bytes ---------------------------------------------------------------------------


def test_wrong_digest_is_rejected_and_the_store_is_unchanged(ocrkit_home, serve_catalog, real_models):
    catalog, _ = serve_catalog
    _pull("deu", ocrkit_home, catalog)  # something already in the store
    before = tree(ocrkit_home)

    with pytest.raises(ChecksumMismatchError, match="rejected, nothing was written") as info:
        _pull("eng-wrong", ocrkit_home, catalog)

    assert sha256_file(real_models[ENG]) in str(info.value)  # says what it got
    assert tree(ocrkit_home) == before


def test_corrupted_transfer_never_replaces_an_existing_model(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    store_dir = ModelStore(ocrkit_home).path("tesseract")
    (store_dir / ENG).write_bytes(real_models["deu.traineddata"].read_bytes())  # some other "eng"
    before = tree(ocrkit_home)

    with pytest.raises(ModelExistsError, match="--force"):
        _pull("eng", ocrkit_home, catalog)
    server.corrupt = True
    with pytest.raises(ChecksumMismatchError):
        _pull("eng", ocrkit_home, catalog, force=True)
    assert tree(ocrkit_home) == before

    server.corrupt = False
    result = _pull("eng", ocrkit_home, catalog, force=True)
    assert result.status == "replaced"
    assert sha256_file(store_dir / ENG) == sha256_file(real_models[ENG])


def test_force_refuses_to_replace_a_loaded_model(ocrkit_home, serve_catalog):
    catalog, _ = serve_catalog
    store_dir = ModelStore(ocrkit_home).path("tesseract")
    (store_dir / ENG).write_bytes(b"an older eng")

    class Owner:
        pass

    owner = Owner()
    mark_in_use(owner, [store_dir / ENG])
    try:
        with pytest.raises(ModelInUseError):
            _pull("eng", ocrkit_home, catalog, force=True)
    finally:
        mark_in_use(owner, [])
    assert (store_dir / ENG).read_bytes() == b"an older eng"


# -- interrupted downloads -----------------------------------------------------------------------


def test_cut_connection_keeps_the_part_and_the_next_pull_resumes_with_range(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    size = real_models[ENG].stat().st_size
    server.cut_after, server.cuts = 1_000_000, 1

    with pytest.raises(DownloadError, match="resumes from there"):
        _pull("eng", ocrkit_home, catalog, retries=0)

    store = ModelStore(ocrkit_home)
    assert store.list_local("tesseract") == []  # nothing visible
    parts = [p for p in store.path("tesseract").iterdir() if p.name.endswith(".part")]
    assert [p.stat().st_size for p in parts] == [1_000_000]

    result = _pull("eng", ocrkit_home, catalog)

    requests = server.body_requests(ENG)
    assert [r.range for r in requests] == [None, "bytes=1000000-"]
    assert requests[1].status == 206
    assert result.resumed and result.bytes_received == size - 1_000_000
    assert sha256_file(result.path) == sha256_file(real_models[ENG])
    assert sorted(os.listdir(result.path.parent)) == [ENG]


def test_a_successful_pull_removes_parts_left_for_the_same_name(ocrkit_home, serve_catalog):
    catalog, _ = serve_catalog
    store_dir = ModelStore(ocrkit_home).path("tesseract")
    abandoned = store_dir / f"{ENG}.8280aed0782f.part"  # e.g. an eng-best pull given up on
    abandoned.write_bytes(b"x" * 100)
    other = store_dir / "deu.traineddata.19d219bbb667.part"  # another name: not ours to delete
    other.write_bytes(b"y" * 100)

    _pull("eng", ocrkit_home, catalog)

    assert not abandoned.exists()
    assert other.exists()


def test_a_pull_retries_broken_connections_by_itself(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    server.cut_after, server.cuts = 400_000, 2

    result = _pull("eng", ocrkit_home, catalog, retries=3)

    assert [r.range for r in server.body_requests(ENG)] == [None, "bytes=400000-", "bytes=800000-"]
    assert result.resumed
    assert sha256_file(result.path) == sha256_file(real_models[ENG])


def test_stale_part_from_other_bytes_is_discarded_and_downloaded_again(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    from ocrkit.pull import load_catalog

    spec = load_catalog(catalog).get("eng").files[0]
    store_dir = ModelStore(ocrkit_home).path("tesseract")
    (store_dir / f"{ENG}.{spec.sha256[:12]}.part").write_bytes(b"\0" * 5000)  # not eng's first bytes

    result = _pull("eng", ocrkit_home, catalog)

    assert [r.range for r in server.body_requests(ENG)] == ["bytes=5000-", None]
    assert sha256_file(result.path) == sha256_file(real_models[ENG])
    assert sorted(os.listdir(store_dir)) == [ENG]


def test_interrupted_set_keeps_verified_files_and_resumes(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    server.cut_after, server.cuts = 300_000, 1  # det.onnx (first file) breaks once
    with pytest.raises(DownloadError):
        _pull("ppocr-mini", ocrkit_home, catalog, retries=0)
    assert ModelStore(ocrkit_home).list_local("onnx") == []

    result = _pull("ppocr-mini", ocrkit_home, catalog)
    assert result.resumed
    assert server.body_requests("det.onnx")[-1].range == "bytes=300000-"
    for name in ("cls.onnx", "det.onnx", "rec.onnx"):
        assert sha256_file(result.path / name) == sha256_file(real_models[name])


# -- concurrency ---------------------------------------------------------------------------------


def test_concurrent_pulls_in_threads_give_one_result(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    server.delay = 0.01  # ~0.6 s per transfer, so the pulls overlap
    results, errors = [], []
    start = threading.Barrier(4)

    def pull() -> None:
        start.wait(timeout=30)
        try:
            results.append(_pull("eng", ocrkit_home, catalog))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=pull) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors
    assert sorted(r.status for r in results) == ["downloaded", "present", "present", "present"]
    assert len(server.body_requests(ENG)) == 1
    assert sha256_file(ocrkit_home / "tesseract" / ENG) == sha256_file(real_models[ENG])
    assert sorted(os.listdir(ocrkit_home / "tesseract")) == [ENG]


def _pull_in_child(name: str, home: str, catalog: str, start, out) -> None:
    start.wait(timeout=60)  # every child imported and ready: the pulls really overlap
    try:
        out.put(pull_model(name, store=home, catalog=catalog, timeout=10).status)
    except Exception as exc:  # pragma: no cover - reported by the parent
        out.put(f"error: {type(exc).__name__}: {exc}")


def test_concurrent_pulls_in_processes_give_one_result(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    server.delay = 0.01
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(3)
    children = [
        ctx.Process(target=_pull_in_child, args=("eng", str(ocrkit_home), str(catalog), start, out))
        for _ in range(3)
    ]
    for child in children:
        child.start()
    statuses = sorted(out.get(timeout=60) for _ in children)
    for child in children:
        child.join(timeout=30)

    assert statuses == ["downloaded", "present", "present"]
    assert len(server.body_requests(ENG)) == 1
    assert sha256_file(ocrkit_home / "tesseract" / ENG) == sha256_file(real_models[ENG])
    assert sorted(os.listdir(ocrkit_home / "tesseract")) == [ENG]


# -- server trouble ------------------------------------------------------------------------------


def test_server_down_is_a_clear_download_error_and_changes_nothing(ocrkit_home, serve_catalog):
    catalog, server = serve_catalog
    ModelStore(ocrkit_home).path("tesseract")
    before = tree(ocrkit_home)
    server.stop()

    with pytest.raises(DownloadError) as info:
        _pull("eng", ocrkit_home, catalog, timeout=5)

    message = str(info.value)
    assert "cannot reach " + server.url + ENG in message
    assert "offline" in message and "--catalog" in message
    assert tree(ocrkit_home) == before


def test_http_errors_are_download_errors(ocrkit_home, serve_catalog):
    catalog, server = serve_catalog
    server.status = 503
    with pytest.raises(DownloadError, match="HTTP 503"):
        _pull("eng", ocrkit_home, catalog)
    assert ModelStore(ocrkit_home).list_local("tesseract") == []


def test_a_dead_mirror_falls_through_to_the_next_url(ocrkit_home, serve_catalog, real_models, tmp_path):
    catalog, server = serve_catalog
    document = json.loads(catalog.read_text())
    live = document["models"]["eng"]["files"][0]["urls"][0]
    with socket.socket() as dead:  # bound, never listening: connections are refused
        dead.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{dead.getsockname()[1]}/eng.traineddata"
        document["models"]["eng"]["files"][0]["urls"] = [dead_url, live]
        mirrored = tmp_path / "mirrored.json"
        mirrored.write_text(json.dumps(document))

        result = _pull("eng", ocrkit_home, mirrored)

    assert result.sources == (live,)
    assert sha256_file(result.path) == sha256_file(real_models[ENG])
