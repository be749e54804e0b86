"""int8 model sets (``ocrkit models quantize``): one small set made once per session
from the real PP-OCRv6 small set with a tiny default calibration, then loaded,
read against fp32 on the project's test images, and freed under the kit's release
check. The full-size calibration and the speed targets live in benchmarks/."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest

import ocrkit
import ocrkit_onnx
from ocrkit.eval import TextScore, score_text
from ocrkit.store import ModelStore, sha256_of
from ocrkit.testing import BackendConformance, measure_release
from ocrkit_onnx import _cpu
from ocrkit_onnx._calibration import Calibration
from ocrkit_onnx._int8set import check_against

from .conftest import DATA, PACKAGE_MODELS, REC

NAME = "ppocrv6-small-int8"
LINES = sorted(p for p in DATA.glob("line_*.png"))


@pytest.fixture(scope="session")
def int8_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OCRKIT_HOME holding the int8 set (12 rendered lines, 2 pages, the project's images)."""
    home = tmp_path_factory.mktemp("int8-home")
    ocrkit_onnx.quantize("ppocrv6-small", home=home, lines=12, pages=2)
    return home


@pytest.fixture(scope="session")
def manifest(int8_home: Path) -> dict:
    return json.loads((int8_home / "onnx" / NAME / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow  # needs the int8 set the session fixture quantises
def test_manifest_records_how_the_set_was_made(int8_home: Path, manifest: dict) -> None:
    made = manifest["quantization"]
    assert made["precision"] == "int8"
    assert made["from"]["name"] == "ppocrv6-small"
    assert made["from"]["sha256"][REC] == sha256_of(PACKAGE_MODELS / REC)
    assert made["recipe"]["rec"]["calibration"] == "percentile" and made["recipe"]["rec"]["opset"] == 17
    assert made["recipe"]["det"]["calibration"] == "minmax"
    assert made["calibration"]["source"] == "default" and made["calibration"]["lines"] >= 6
    assert made["calibration"]["held_out_lines"] >= 3 and made["calibration"]["held_out_pages"] >= 1
    check = made["check"]
    assert check["problems"] == []
    assert check["line_cer_vs_fp32"] <= check["tolerance"]["max_line_cer"]
    assert isinstance(made["made_on"]["int8_dot_product"], (bool, type(None)))
    set_dir = int8_home / "onnx" / NAME
    for file, digest in manifest["sha256"].items():
        assert sha256_of(set_dir / file) == digest


@pytest.mark.slow  # needs the int8 set the session fixture quantises
def test_recogniser_is_integer_with_the_bias_folded(int8_home: Path, manifest: dict) -> None:
    import onnx

    model = onnx.load(str(int8_home / "onnx" / NAME / manifest["rec"]["file"]))
    ops = Counter(n.op_type for n in model.graph.node)
    assert ops["QuantizeLinear"] > 0 and ops["MatMulIntegerToFloat"] > 0
    assert ops["MatMul"] < 13  # the fp32 model has 13
    assert ops["Softmax"] > 0 and not any(n.op_type == "QLinearSoftmax" for n in model.graph.node)


@pytest.mark.slow  # needs the int8 set the session fixture quantises
def test_list_and_audit_show_the_derivation(int8_home: Path) -> None:
    env = {"OCRKIT_HOME": str(int8_home), "PATH": ""}
    run = [sys.executable, "-m", "ocrkit", "models"]
    listing = subprocess.run([*run, "list", "--backend", "onnx"], capture_output=True, text=True, env=env, timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert "int8 of ppocrv6-small" in next(line for line in listing.stdout.splitlines() if NAME in line)
    audit = subprocess.run([*run, "audit", "--json"], capture_output=True, text=True, env=env, timeout=60)
    entry = next(e for e in json.loads(audit.stdout) if e["name"] == NAME)
    assert entry["derived_from"] == "int8 of ppocrv6-small"


@pytest.mark.slow  # needs the int8 set the session fixture quantises
def test_reads_project_lines_and_page_within_the_check_tolerance(int8_home: Path, manifest: dict) -> None:
    tolerance = manifest["quantization"]["check"]["tolerance"]
    store = ModelStore(int8_home)
    with ocrkit.open("onnx", store=store) as fp32, ocrkit.open("onnx", NAME, store=store) as int8:
        assert int8.loaded_models[0].extra["precision"] == "int8"
        truth = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))
        agree, own, base = TextScore(), TextScore(), TextScore()
        for line, a, b in zip(LINES, fp32.recognize(LINES, layout="line"), int8.recognize(LINES, layout="line")):
            agree = agree + score_text(a.text, b.text)
            own, base = own + score_text(truth[line.name], b.text), base + score_text(truth[line.name], a.text)
        assert agree.cer <= tolerance["max_line_cer"], (agree.cer, "of characters differ from fp32")
        assert own.cer <= base.cer + tolerance["max_line_cer"]
        page_a = fp32.recognize(DATA / "page_simple.png")
        page_b = int8.recognize(DATA / "page_simple.png")
        assert score_text(page_a.text, page_b.text).bow_f1 >= tolerance["min_page_bow_f1"]
        assert len(page_b.lines) == len(page_a.lines)


@pytest.mark.slow  # needs the int8 set the session fixture quantises
def test_int8_set_frees_like_fp32(int8_home: Path) -> None:
    """The conformance kit's release check (its limits), on the int8 set."""
    report = measure_release("onnx", DATA / "line_hello.png", store=int8_home, layout="line", model=NAME,
                             cycles=8, threads=2, env={"OCRKIT_HOME": str(int8_home)}, timeout=120)
    assert report.texts_consistent
    assert not report.model_files_open
    assert report.release_mb <= BackendConformance.release_limit_mb, report.summary()
    assert report.growth_mb <= BackendConformance.cycles_limit_mb, report.summary()


@pytest.mark.slow  # needs the int8 set the session fixture quantises
def test_check_refuses_and_says_by_how_much(int8_home: Path) -> None:
    import numpy as np
    from PIL import Image

    from ocrkit_onnx._manifest import read_manifest
    from ocrkit_onnx._options import parse_options
    from ocrkit_onnx._packages import package_sets
    from ocrkit_onnx._pipeline import Pipeline

    fp32_set = next(s for s in package_sets() if s.name == "ppocrv6-small")
    fp32 = Pipeline(fp32_set, parse_options({}))
    int8 = Pipeline(read_manifest(int8_home / "onnx" / NAME), parse_options({}))
    try:
        lines = [np.asarray(Image.open(p).convert("L")) for p in LINES]
        strict = ocrkit_onnx.Tolerance(max_line_cer=-0.001, min_line_bow_f1=1.5)
        figures = check_against(fp32, int8, Calibration(check_lines=lines), strict)
    finally:
        fp32.free()
        int8.free()
    assert len(figures["problems"]) == 2
    assert "points over" in figures["problems"][0] and "short" in figures["problems"][1]


@pytest.mark.slow  # needs the int8 set the session fixture quantises
def test_no_vnni_warns_once_unless_checked_on_such_a_cpu(monkeypatch: pytest.MonkeyPatch, manifest: dict) -> None:
    monkeypatch.setattr(_cpu, "_flags", lambda: frozenset({"avx2", "fma"}))
    monkeypatch.setattr(_cpu, "_warned", set())
    made = dict(manifest["quantization"], made_on={"int8_dot_product": True})
    with pytest.warns(ocrkit_onnx.Int8AccuracyWarning, match="VNNI"):
        assert _cpu.warn_if_unverified(NAME, made)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not _cpu.warn_if_unverified(NAME, made)  # once per set and process
        assert not _cpu.warn_if_unverified("other", dict(made, made_on={"int8_dot_product": False}))
    monkeypatch.setattr(_cpu, "_flags", lambda: frozenset({"avx2", "avx512_vnni"}))
    assert not _cpu.warn_if_unverified("third", made)


def test_quantize_errors_are_one_line(tmp_path: Path) -> None:
    env = {"OCRKIT_HOME": str(tmp_path), "PATH": ""}
    run = [sys.executable, "-m", "ocrkit", "models", "quantize"]
    unknown = subprocess.run([*run, "no-such-set"], capture_output=True, text=True, env=env, timeout=60)
    assert unknown.returncode != 0 and "no model 'no-such-set'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    missing = subprocess.run([*run, "ppocrv6-small", "--calibrate", str(tmp_path / "nowhere")],
                             capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode != 0 and "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr and len(missing.stderr.strip().splitlines()) <= 2
    assert not list((tmp_path / "onnx").glob("*")), "nothing may be left in the store"


@pytest.mark.parametrize("name", [".hidden", " "])
def test_quantize_from_python_refuses_a_name_the_store_would_hide(name: str, tmp_path: Path) -> None:
    """Issue 21, item 14: the store's one name rule, also when the backend is called directly."""
    with pytest.raises(ocrkit.OcrkitError, match="not a plain store name"):
        ocrkit_onnx.quantize("ppocrv6-small", name=name, home=tmp_path)
    assert not [p for p in (tmp_path / "onnx").iterdir() if p.name != "ppocrv6-small"]
