"""The PP-OCR language families in the shipped catalogue: pinned like every entry, and
loadable: a family set pulled from a catalogue served on 127.0.0.1 borrows the installed
detector and classifier, declares its languages, and ``lang=`` routes to it."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import pytest

import ocrkit
from ocrkit import LanguageNotAvailableError
from ocrkit.pull import load_catalog, pull_model
from tests.conftest import DATA

FAMILIES = ("ppocrv5-korean", "ppocrv5-latin", "ppocrv5-eslav", "ppocrv5-cyrillic", "ppocrv5-thai", "ppocrv5-greek",
            "ppocrv5-arabic", "ppocrv5-devanagari", "ppocrv5-tamil", "ppocrv5-telugu", "ppocrv4-kannada")


def test_every_shipped_entry_has_size_sha256_source_provenance_and_languages():
    raw = json.loads((Path(ocrkit.__file__).parent / "pull" / "catalog.json").read_text(encoding="utf-8"))["models"]
    for name, entry in raw.items():
        assert entry["source"] and entry["provenance"], name
        assert isinstance(entry["languages"], list), name
        for spec in entry["files"]:
            assert "size" in spec and (spec["size"] is None or spec["size"] > 0), name
            assert spec["size"] is not None or "not established" in entry["provenance"], name
            assert re.fullmatch(r"[0-9a-f]{64}", spec["sha256"]), name


@pytest.mark.parametrize("name", FAMILIES)
def test_language_families_are_recogniser_sets_pinned_to_a_release(name):
    entry = load_catalog().get(name, backend="onnx")
    (rec,) = entry.files
    assert rec.name == "rec.onnx" and rec.urls[0].startswith("https://www.modelscope.cn/models/RapidAI/RapidOCR/resolve/v3.10.0/")
    assert entry.manifest is not None and entry.manifest["base"][0] == "ppocrv6-small" and "det" not in entry.manifest
    assert entry.manifest["languages"] == entry.extra["languages"] and entry.extra["languages"]


def test_korean_reads_kor_and_the_error_names_it(ocrkit_home, monkeypatch):
    monkeypatch.delenv("OCRKIT_CATALOG", raising=False)
    assert "kor" in load_catalog().get("ppocrv5-korean").extra["languages"]
    with pytest.raises(LanguageNotAvailableError, match=r"`ocrkit models pull ppocrv5-korean` adds one"):
        ocrkit.open("onnx", lang="ko")


def _rapidocr_file(name: str) -> Path:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("rapidocr (the onnx extra) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def test_a_pulled_family_set_borrows_the_detector_and_lang_routes_to_it(ocrkit_home, model_server, tmp_path, truth):
    """The served rec.onnx is the real PP-OCRv6 small recogniser (no Korean model is on this
    machine): the point is the shipped manifest loading with a borrowed detector, and routing."""
    data = _rapidocr_file("PP-OCRv6_rec_small.onnx").read_bytes()
    model_server.files["rec.onnx"] = data
    shipped = json.loads((Path(ocrkit.__file__).parent / "pull" / "catalog.json").read_text(encoding="utf-8"))
    entry = shipped["models"]["ppocrv5-korean"]
    entry["files"] = [{"name": "rec.onnx", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                       "urls": [model_server.url + "rec.onnx"]}]
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"format": 1, "models": {"ppocrv5-korean": entry}}), encoding="utf-8")

    result = pull_model("ppocrv5-korean", catalog=catalog)
    assert sorted(p.name for p in result.path.iterdir()) == ["manifest.json", "rec.onnx"]  # nothing else downloaded
    with ocrkit.open("onnx", lang="kor+eng") as ocr:
        (record,) = ocr.loaded_models
        assert (record.name, record.source) == ("ppocrv5-korean", "store")
        assert set(record.languages) == {"kor", "eng"} and record.extra["base"][0] == "ppocrv6-small"
        assert _rapidocr_file("PP-OCRv6_det_small.onnx") in record.files  # borrowed, and marked in use with it
        page = ocr.recognize(DATA / "line_hello.png", layout="line")
    assert page.text == truth["line_hello.png"]
    with ocrkit.open("onnx", lang="fra") as ocr:  # the default set still wins where it reads
        assert ocr.loaded_models[0].name == "ppocrv6-small"


def test_a_family_set_without_any_base_set_says_so(ocrkit_home, monkeypatch):
    """Pulled, but no set to borrow a detector from: the error names that, not a pull."""
    monkeypatch.delenv("OCRKIT_CATALOG", raising=False)
    entry = load_catalog().get("ppocrv5-korean")
    folder = ocrkit_home / "onnx" / "ppocrv5-korean"
    folder.mkdir(parents=True)
    (folder / "rec.onnx").write_bytes(b"not read: the base is missing first")
    (folder / "manifest.json").write_bytes(entry.manifest_bytes() or b"")
    monkeypatch.setattr("ocrkit_onnx._discovery.package_sets", lambda: [])  # as without the rapidocr wheel
    with pytest.raises(LanguageNotAvailableError) as info:
        ocrkit.open("onnx", lang="kor")
    assert "ppocrv5-korean is installed but cannot load" in str(info.value)
    assert "ocrkit models pull ppocrv6-small" in str(info.value) and "\n" not in str(info.value)
