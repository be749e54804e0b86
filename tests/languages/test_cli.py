"""``ocrkit languages``: a thin caller of ``ocrkit.languages()``."""

from __future__ import annotations

import json

import pytest

from ocrkit.cli import main


@pytest.fixture
def clean_env(ocrkit_home, monkeypatch):
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    monkeypatch.delenv("OCRKIT_CATALOG", raising=False)


def test_lists_installed_languages_by_backend_and_model(clean_env, capsys):
    assert main(["languages", "--json"]) == 0
    rows = {(r["code"], r["backend"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows["deu", "tesseract"]["models"] == ["deu"] and rows["fra", "onnx"]["models"] == ["ppocrv6-small"]
    assert ("kor", "onnx") not in rows and all(r["installed"] and not r["pulls"] for r in rows.values())


def test_available_adds_what_the_catalogue_pulls(clean_env, capsys):
    assert main(["languages", "--available", "-b", "onnx"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["CODE", "LANGUAGE", "BACKEND", "MODELS", "PULL"]
    kor = next(line for line in out.splitlines() if line.startswith("kor "))
    assert kor.split() == ["kor", "Korean", "onnx", "-", "ppocrv5-korean"]
    assert "tesseract" not in out


def test_unknown_backend_is_one_line_exit_1(clean_env, capsys):
    assert main(["languages", "-b", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ocrkit: error: unknown OCR backend 'nosuch'") and err.count("\n") == 1


def _german_dataset(folder, truth):
    from tests.eval.conftest import make_dataset

    return make_dataset(folder, ("german.png",), "page", truth)


def test_eval_lang_routes_like_open(clean_env, tmp_path, truth, capsys):
    dataset = _german_dataset(tmp_path / "de", truth)
    assert main(["eval", str(dataset), "-b", "tesseract", "-l", "de+en", "--json", "-"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reader"]["model"] == "deu+eng"


def test_eval_lang_nobody_reads_is_one_line(clean_env, tmp_path, truth, capsys):
    dataset = _german_dataset(tmp_path / "de", truth)
    assert main(["eval", str(dataset), "-b", "tesseract", "-l", "kor"]) == 1
    err = capsys.readouterr().err
    assert "`ocrkit models pull kor`" in err and err.count("\n") == 1
