"""``lang`` through the read pipeline: ReadSpec (routed once, -o lang is the same thing),
the engine pool, ``ocrkit read``/``batch -l``, and ``ocrkit serve``'s ``lang`` query field
and ``/v1/backends`` languages (the app in process, no socket)."""

from __future__ import annotations

import json

import pytest

from ocrkit import InvalidOptionError, LanguageNotAvailableError
from ocrkit._pool import EnginePool
from ocrkit.cli import main
from ocrkit.documents import ReadSpec, read_pages
from tests.conftest import DATA


@pytest.fixture
def clean_env(ocrkit_home, monkeypatch):
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    monkeypatch.delenv("OCRKIT_CATALOG", raising=False)


def test_readspec_routes_lang_once_and_takes_the_lang_option_as_lang(clean_env):
    spec = ReadSpec.from_arguments("tesseract", None, ["lang=de+en"])
    assert (spec.model, spec.lang, spec.options) == ("deu+eng", ("deu", "eng"), {})
    assert ReadSpec.from_arguments("onnx", lang="fr").model == "ppocrv6-small"
    with pytest.raises(LanguageNotAvailableError, match="ocrkit models pull kor"):
        ReadSpec.from_arguments("tesseract", lang="kor")
    with pytest.raises(InvalidOptionError, match="given twice"):
        ReadSpec("tesseract", options={"lang": "eng"}, lang="deu")


def test_an_unrouted_lang_gets_its_own_engine_in_the_pool(clean_env):
    german, default = ReadSpec("tesseract", lang="deu"), ReadSpec("tesseract")
    assert german.engine_key() != default.engine_key()
    with EnginePool() as pool, pool.engine(german) as engine:
        (page,) = read_pages(engine, DATA / "german.png", german)
    assert page.model == "deu" and "Grüße" in page.text


def test_read_and_batch_take_l(clean_env, tmp_path, capsys):
    assert main(["read", str(DATA / "german.png"), "-l", "de", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == "deu"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "german.png").write_bytes((DATA / "german.png").read_bytes())
    assert main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-l", "deu", "--format", "text",
                 "--jobs", "1", "--quiet"]) == 0
    assert "Grüße" in next((tmp_path / "out").rglob("german*.txt")).read_text(encoding="utf-8")
    assert main(["read", str(DATA / "german.png"), "-l", "kor"]) == 1
    assert "`ocrkit models pull kor`" in capsys.readouterr().err


def test_serve_lang_field_and_backend_languages(clean_env):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from ocrkit.serve import ServeConfig, create_app

    with TestClient(create_app(ServeConfig(concurrency=1))) as client:
        backends = {b["name"]: b for b in client.get("/v1/backends").json()}
        assert {"eng", "deu"} <= set(backends["tesseract"]["languages"])
        assert "fra" in backends["onnx"]["languages"] and "kor" not in backends["onnx"]["languages"]
        data = (DATA / "german.png").read_bytes()
        r = client.post("/v1/read", params={"lang": "de", "format": "json"}, content=data)
        assert r.status_code == 200 and r.json()["model"] == "deu"
        r = client.post("/v1/read", params={"lang": "kor"}, content=data)
        assert r.status_code == 404 and r.json()["pulls"] == ["kor"]
        assert "ocrkit models pull kor" in r.json()["error"]
