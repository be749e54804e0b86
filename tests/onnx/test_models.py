"""Model sets: discovery in installed packages and in the store, the manifest
format, selection by name, and import into the store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import ocrkit
from ocrkit.errors import ModelCorruptError, ModelExistsError, ModelNotFoundError

from .conftest import CLS, DATA, DET, PACKAGE_MODELS, REC, make_set, manifest


def test_default_set_is_discovered_in_the_rapidocr_wheel(ocrkit_home: Path) -> None:
    with ocrkit.open("onnx", lazy=True) as ocr:
        records = ocr.list_models()
    v6 = [r for r in records if r.name == "ppocrv6-small"]
    assert v6, [r.name for r in records]
    record = v6[0]
    assert record.source == "package"
    assert record.backend == "onnx"
    assert record.kind == "ppocr-set"
    assert record.version == "6"
    assert {p.name for p in record.all_files()} == {DET, REC, CLS}
    assert all(p.is_file() and p.parent == PACKAGE_MODELS for p in record.all_files())
    assert record.size == sum(p.stat().st_size for p in record.all_files())
    assert record.extra["manifest"]["rec"]["characters"] == {"metadata_key": "character"}


def test_open_without_a_model_loads_the_default_set(engine: ocrkit.Engine) -> None:
    (record,) = engine.loaded_models
    assert record.name == "ppocrv6-small"
    assert engine.handle.name == "ppocrv6-small"


def test_unknown_set_name_lists_the_available_ones(ocrkit_home: Path) -> None:
    with pytest.raises(ModelNotFoundError) as info:
        ocrkit.open("onnx", "ppocrv99-huge")
    assert "ppocrv99-huge" in str(info.value)
    assert "ppocrv6-small" in str(info.value)


def test_store_set_with_manifest_is_discovered_and_wins_over_the_package(ocrkit_home: Path) -> None:
    set_dir = make_set(ocrkit_home, "ppocrv6-small")
    with ocrkit.open("onnx") as ocr:
        records = [r for r in ocr.list_models() if r.name == "ppocrv6-small"]
        assert [r.source for r in records] == ["store", "package"]
        (loaded,) = ocr.loaded_models
        assert loaded.source == "store"
        assert loaded.path == set_dir
        assert set_dir / "manifest.json" in loaded.all_files()
        assert ocr.list_local() == ["ppocrv6-small"]
        assert ocr.recognize(DATA / "line_hello.png", layout="line").text == "Hello world from ocrkit"


def test_a_custom_named_set_is_selected_by_name(ocrkit_home: Path) -> None:
    make_set(ocrkit_home, "my-receipts", manifest(det={"limit_side_len": 1280}))
    with ocrkit.open("onnx", "my-receipts") as ocr:
        assert ocr.handle.name == "my-receipts"
        assert ocr.handle.state.det_params.limit_side_len == 1280


def test_set_without_angle_classifier_loads_and_recognises(ocrkit_home: Path) -> None:
    make_set(ocrkit_home, "no-cls", manifest(cls=None), files={DET: PACKAGE_MODELS / DET, REC: PACKAGE_MODELS / REC})
    with ocrkit.open("onnx", "no-cls") as ocr:
        assert ocr.handle.state.classifier is None
        assert {p.name for p in ocr.loaded_models[0].all_files()} == {DET, REC, "manifest.json"}
        assert "quick brown fox" in ocr.recognize(DATA / "page_simple.png").text


def test_dictionary_file_as_character_source(ocrkit_home: Path) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(str(PACKAGE_MODELS / REC), providers=["CPUExecutionProvider"])
    chars = session.get_modelmeta().custom_metadata_map["character"]
    del session
    make_set(ocrkit_home, "dict-set", manifest(rec={"characters": {"file": "keys.txt"}}),
             files={DET: PACKAGE_MODELS / DET, REC: PACKAGE_MODELS / REC, CLS: PACKAGE_MODELS / CLS,
                    "keys.txt": chars.encode("utf-8")})
    with ocrkit.open("onnx", "dict-set") as ocr:
        assert any(p.name == "keys.txt" for p in ocr.handle.files())
        assert ocr.recognize(DATA / "line_numbers.png", layout="line").text == "Order 42 shipped on 2025-03-14"


def test_rapidocr_onnxruntime_v4_layout_is_discovered(tmp_path: Path, ocrkit_home: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """rapidocr-onnxruntime 1.4.4's PP-OCRv4 set, found when a user has that wheel
    installed (simulated: a package directory with its file layout on sys.path)."""
    package = tmp_path / "site" / "rapidocr_onnxruntime"
    (package / "models").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('discovery must not import the package')\n")
    for ours, theirs in ((DET, "ch_PP-OCRv4_det_infer.onnx"), (REC, "ch_PP-OCRv4_rec_infer.onnx"),
                         (CLS, "ch_ppocr_mobile_v2.0_cls_infer.onnx")):
        (package / "models" / theirs).symlink_to(PACKAGE_MODELS / ours)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with ocrkit.open("onnx", "ppocrv4-mobile") as ocr:
        (record,) = ocr.loaded_models
        assert record.source == "package"
        assert record.path == package / "models"
        assert "rapidocr_onnxruntime" not in sys.modules
        assert ocr.recognize(DATA / "line_hello.png", layout="line").text == "Hello world from ocrkit"


# -- manifest validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (manifest(det={"file": "../../outside.onnx"}), "plain file name"),
        (manifest(rec={"file": "/etc/passwd"}), "plain file name"),
        (manifest(det=None), "missing the 'det' section"),
        (manifest(rec={"characters": {"nope": 1}}), "rec.characters"),
        (manifest(det={"limit_type": "sideways"}), "limit_type"),
        (manifest(rec={"mean": [0.5, 0.5]}), "rec.mean"),
        (manifest(format_version=99), "format_version"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_bad_manifest_is_listed_as_broken_and_refused_with_its_path(
    ocrkit_home: Path, data: object, needle: str
) -> None:
    set_dir = make_set(ocrkit_home, "broken")
    (set_dir / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    with ocrkit.open("onnx", lazy=True) as ocr:
        (record,) = [r for r in ocr.list_models() if r.name == "broken"]
        assert needle in record.extra["error"]
    with pytest.raises(ModelCorruptError) as info:
        ocrkit.open("onnx", "broken")
    assert needle in str(info.value)
    assert str(set_dir / "manifest.json") in str(info.value)


def test_manifest_that_is_not_json_is_corrupt(ocrkit_home: Path) -> None:
    set_dir = make_set(ocrkit_home, "garbled")
    (set_dir / "manifest.json").write_text('{"det": {', encoding="utf-8")
    with pytest.raises(ModelCorruptError, match="not valid JSON"):
        ocrkit.open("onnx", "garbled")


def test_manifest_pointing_at_missing_file_is_model_not_found(ocrkit_home: Path) -> None:
    set_dir = make_set(ocrkit_home, "partial", files={DET: PACKAGE_MODELS / DET, CLS: PACKAGE_MODELS / CLS})
    with pytest.raises(ModelNotFoundError) as info:
        ocrkit.open("onnx", "partial")
    assert str(set_dir / REC) in str(info.value)


def test_broken_set_does_not_break_the_default(ocrkit_home: Path) -> None:
    set_dir = make_set(ocrkit_home, "aaa-broken")
    (set_dir / "manifest.json").write_text("{}", encoding="utf-8")
    with ocrkit.open("onnx") as ocr:
        assert ocr.handle.name == "ppocrv6-small"


# -- import into the store ---------------------------------------------------------------


def test_import_copies_the_package_set_into_the_store_with_a_manifest(ocrkit_home: Path) -> None:
    with ocrkit.open("onnx", lazy=True) as ocr:
        path = ocr.import_model("ppocrv6-small")
    dest = ocrkit_home / "onnx"
    assert path == dest / "ppocrv6-small"
    data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert data["format"] == "ocrkit-ppocr" and data["name"] == "ppocrv6-small"
    assert data["det"]["file"] == DET and data["rec"]["file"] == REC and data["cls"]["file"] == CLS
    for name in (DET, REC, CLS):
        assert (path / name).read_bytes() == (PACKAGE_MODELS / name).read_bytes()
        assert len(data["sha256"][name]) == 64
    assert sorted(p.name for p in dest.iterdir()) == ["ppocrv6-small"], "temporary files left behind"
    with ocrkit.open("onnx") as ocr:
        (loaded,) = ocr.loaded_models
        assert loaded.source == "store" and loaded.path == path
        text = ocr.recognize(DATA / "line_sentence.png", layout="line").text
        assert text == "Pack my box with five dozen liquor jugs"


def test_import_refuses_to_overwrite_unless_forced(ocrkit_home: Path) -> None:
    existing = make_set(ocrkit_home, "ppocrv6-small", manifest(det={"limit_side_len": 1280}))
    with ocrkit.open("onnx", lazy=True) as ocr:
        record = next(r for r in ocr.list_models() if r.name == "ppocrv6-small" and r.source == "package")
        with pytest.raises(ModelExistsError):
            ocr.import_model(record)
        assert json.loads((existing / "manifest.json").read_text())["det"]["limit_side_len"] == 1280
        assert ocr.import_model(record, overwrite=True) == existing
    data = json.loads((existing / "manifest.json").read_text())
    assert data["det"]["limit_side_len"] == 960 and "sha256" in data
    assert not (existing / DET).is_symlink()
    assert sorted(p.name for p in existing.parent.iterdir()) == ["ppocrv6-small"]


def test_interrupted_import_leaves_nothing_behind(ocrkit_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the second file is copied: the store stays empty."""
    from ocrkit_onnx import _import

    real_copy = _import.shutil.copyfile
    calls = []

    def failing_copy(src: Path, dst: Path) -> Path:
        calls.append(src)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_copy(src, dst)

    monkeypatch.setattr(_import.shutil, "copyfile", failing_copy)
    with ocrkit.open("onnx", lazy=True) as ocr, pytest.raises(OSError, match="No space left"):
        ocr.import_model("ppocrv6-small")
    assert list((ocrkit_home / "onnx").iterdir()) == []
