"""``ocrkit.eval.evaluate`` and ``ocrkit eval`` on the real backends with their real
models, on tiny datasets made from tests/data (and a few shared-dataset samples)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ocrkit.cli import main
from ocrkit.eval import EvalReport, evaluate, load_dataset

from .conftest import DATA, REAL_BACKENDS, make_dataset


def check_measurements(report: EvalReport, backend: str, count: int) -> None:
    assert report.count == count
    assert report.reader["backend"] == backend
    assert report.load_s > 0
    assert report.recognition_s > 0 and report.throughput > 0
    assert all(s.latency_s > 0 for s in report.samples)
    assert 0 < report.latency_median_s <= report.latency_p95_s
    assert report.peak_rss_bytes >= report.rss_before_bytes > 0
    assert report.errors == 0


@pytest.mark.parametrize("backend", REAL_BACKENDS)
def test_line_dataset_uses_line_layout_and_is_accurate(backend: str, tiny_lines: Path) -> None:
    report = evaluate(tiny_lines, backend, batch_size=2)
    check_measurements(report, backend, 3)
    assert report.granularity == "line"
    assert report.cer < 0.05, [(s.reference, s.hypothesis) for s in report.samples]
    assert report.bow_f1 > 0.9
    assert report.batch_size == 2


@pytest.mark.parametrize("backend", REAL_BACKENDS)
def test_page_dataset_bag_of_words(backend: str, tiny_pages: Path) -> None:
    report = evaluate(tiny_pages, backend, ignore_case=True)
    check_measurements(report, backend, 2)
    assert report.ignore_case
    assert report.bow_f1 > 0.85, [(s.reference, s.hypothesis) for s in report.samples]
    doc = json.loads(report.to_json())
    assert doc["accuracy"]["bow_f1"] == pytest.approx(report.bow_f1)
    # two_columns.png: onnx (the core's reading order) reads the left column, then the
    # right; tesseract's own layout reads some lines across the gutter there (0.87)
    assert report.order_score > (0.95 if backend == "onnx" else 0.5)
    assert doc["accuracy"]["order_score"] == pytest.approx(report.order_score)
    assert doc["samples"][1]["order_score"] == report.samples[1].order.score
    assert f"order {report.order_score:.3f}" in report.format()
    assert doc["timing"]["model_load_s"] == pytest.approx(report.load_s)
    assert [s["id"] for s in doc["samples"]] == ["images/page_simple.png", "images/two_columns.png"]
    assert doc["samples"][0]["hypothesis"] == report.samples[0].hypothesis


@pytest.mark.parametrize("backend", REAL_BACKENDS)
def test_bad_image_is_recorded_and_the_rest_still_read(backend: str, tmp_path: Path, truth: dict[str, str]) -> None:
    folder = make_dataset(tmp_path / "ds", ("line_hello.png", "line_numbers.png"), "line", truth)
    (folder / "images" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with (folder / "manifest.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"image": "images/broken.png", "text": "lost", "granularity": "line"}) + "\n")
    report = evaluate(folder, backend, batch_size=3)  # the broken image shares a batch with good ones
    assert report.count == 3 and report.errors == 1
    broken = report.samples[2]
    assert broken.error and broken.hypothesis == "" and broken.score.cer == 1.0
    assert all(s.score.cer < 0.1 for s in report.samples[:2])


@pytest.mark.parametrize("backend", REAL_BACKENDS)
def test_cli_eval_prints_writes_json_and_shows_progress(
    backend: str, tiny_lines: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "report.json"
    code = main(["eval", str(tiny_lines), "--backend", backend, "--limit", "2", "--json", str(out), "--progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "CER" in captured.out and "throughput" in captured.out and "peak RSS" in captured.out
    assert "2/2" in captured.err  # the progress bar went to stderr, not into the report
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["dataset"]["count"] == 2 and doc["reader"]["backend"] == backend
    assert {"latency_median_s", "latency_p95_s", "throughput_per_s", "model_load_s"} <= set(doc["timing"])
    assert doc["memory"]["peak_rss_bytes"] > 0


def test_cli_eval_json_to_stdout_and_options(tiny_lines: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", str(tiny_lines), "-b", "tesseract", "-o", "psm=13", "-i", "--json", "-", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["reader"]["options"] == {"psm": 13}
    assert doc["ignore_case"] is True
    assert captured.err == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "/nonexistent/dataset", "-b", "tesseract"], "dataset not found"),
        (["eval", str(DATA), "-b", "tesseract"], "has no manifest.jsonl"),
        (["eval", "{tiny}", "-b", "no-such-backend"], "unknown OCR backend 'no-such-backend'"),
        (["eval", "{tiny}", "-b", "tesseract", "-o", "nonsense=1"], "nonsense"),
        (["eval", "{tiny}", "-b", "tesseract", "--batch-size", "0"], "batch size"),
    ],
)
def test_cli_eval_errors_are_one_line(
    argv: list[str], message: str, tiny_lines: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([a.replace("{tiny}", str(tiny_lines)) for a in argv])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("ocrkit: error:") and message in err and "Traceback" not in err


@pytest.mark.dataset
@pytest.mark.parametrize("backend", REAL_BACKENDS)
def test_shared_datasets_evaluate(
    backend: str, uw3_lines: tuple[Path, list[dict]], sroie_receipts: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    lines = evaluate(load_dataset(uw3_lines[0], 8), backend, batch_size=8)
    check_measurements(lines, backend, 8)
    assert lines.cer < 0.05
    # one receipt, copied with its manifest row so the test reads exactly one page
    folder = tmp_path / "sroie"
    (folder / "images").mkdir(parents=True)
    row = sroie_receipts[1][0]
    shutil.copyfile(sroie_receipts[0] / row["image"], folder / row["image"])
    (folder / "manifest.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    page = evaluate(folder, backend, ignore_case=True)
    check_measurements(page, backend, 1)
    assert page.bow_f1 > 0.4  # tesseract reads receipts poorly (~0.5-0.65); this checks it read this one
