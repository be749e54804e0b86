"""``verify_store`` and the ``ocrkit models pull|verify`` commands."""

from __future__ import annotations

import json

from ocrkit import ModelStore
from ocrkit.cli import main
from ocrkit.pull import MISMATCH, OK, UNKNOWN, pull_model, verify_store


def _statuses(results) -> dict[tuple[str, str], str]:
    return {(r.backend, r.name): r.status for r in results}


def test_verify_reports_ok_mismatch_and_unknown(ocrkit_home, serve_catalog):
    catalog, _ = serve_catalog
    pull_model("eng", store=ocrkit_home, catalog=catalog, timeout=10)
    pull_model("ppocr-mini", store=ocrkit_home, catalog=catalog, timeout=10)
    store = ModelStore(ocrkit_home)
    (store.path("tesseract") / "custom.traineddata").write_bytes(b"a model of my own")

    assert _statuses(verify_store(store=ocrkit_home, catalog=catalog)) == {
        ("onnx", "ppocr-mini"): OK,
        ("tesseract", "custom.traineddata"): UNKNOWN,
        ("tesseract", "eng.traineddata"): OK,
    }

    eng = store.path("tesseract") / "eng.traineddata"
    data = bytearray(eng.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit, same size
    eng.write_bytes(bytes(data))
    (store.path("onnx") / "ppocr-mini" / "rec.onnx").unlink()

    results = {(r.backend, r.name): r for r in verify_store(store=ocrkit_home, catalog=catalog)}
    assert results[("tesseract", "eng.traineddata")].status == MISMATCH
    assert "sha256" in results[("tesseract", "eng.traineddata")].detail
    assert results[("onnx", "ppocr-mini")].status == MISMATCH
    assert "rec.onnx is missing" in results[("onnx", "ppocr-mini")].detail
    only_onnx = verify_store("onnx", store=ocrkit_home, catalog=catalog)
    assert [r.name for r in only_onnx] == ["ppocr-mini"]


def test_a_set_imported_under_upstream_names_verifies_and_counts_as_present(ocrkit_home, serve_catalog, real_models):
    catalog, server = serve_catalog
    folder = ModelStore(ocrkit_home).path("onnx") / "ppocr-mini"
    folder.mkdir()
    for role, upstream in (("det", "PP-OCRv6_det_small.onnx"), ("cls", "ch_ppocr_mobile_v2.0_cls_mobile.onnx"),
                           ("rec", "PP-OCRv6_rec_small.onnx")):
        (folder / upstream).write_bytes(real_models[f"{role}.onnx"].read_bytes())
    (folder / "manifest.json").write_text('{"format": "ocrkit-ppocr", "det": {"file": "PP-OCRv6_det_small.onnx"}}')

    [row] = verify_store("onnx", store=ocrkit_home, catalog=catalog)
    assert (row.status, row.entries) == (OK, ("ppocr-mini",))
    assert pull_model("ppocr-mini", store=ocrkit_home, catalog=catalog, timeout=10).status == "present"
    assert server.body_requests("det.onnx") == []

    (folder / "PP-OCRv6_rec_small.onnx").write_bytes(b"something else")
    [row] = verify_store("onnx", store=ocrkit_home, catalog=catalog)
    assert row.status == MISMATCH and "rec.onnx is missing" in row.detail


def test_cli_pull_shows_progress_on_stderr_and_the_result_on_stdout(ocrkit_home, serve_catalog, capsys):
    catalog, _ = serve_catalog
    assert main(["models", "pull", "eng", "--catalog", str(catalog)]) == 0
    out, err = capsys.readouterr()
    assert "eng: downloaded, sha256 verified" in out
    assert str(ocrkit_home / "tesseract" / "eng.traineddata") in out
    assert "eng.traineddata" in err and "100%" in err  # the progress line (stderr is not a tty here)

    assert main(["models", "pull", "eng", "--catalog", str(catalog), "-q"]) == 0
    out, err = capsys.readouterr()
    assert "already in the store" in out and err == ""


def test_cli_pull_errors_exit_non_zero_with_one_clear_line(ocrkit_home, serve_catalog, capsys):
    catalog, server = serve_catalog
    server.stop()
    assert main(["models", "pull", "eng", "--catalog", str(catalog), "--timeout", "5"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ocrkit: error: could not download eng.traineddata")
    assert "Traceback" not in err
    assert ModelStore(ocrkit_home).list_local("tesseract") == []


def test_cli_pull_uses_the_env_catalogue_and_lists_it(ocrkit_home, serve_catalog, monkeypatch, capsys):
    catalog, _ = serve_catalog
    monkeypatch.setenv("OCRKIT_CATALOG", str(catalog))
    assert main(["models", "pull", "--list", "--backend", "onnx", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["ppocr-mini"]
    assert main(["models", "pull", "deu", "-q"]) == 0
    assert (ocrkit_home / "tesseract" / "deu.traineddata").is_file()


def test_cli_verify_exit_status_follows_mismatches(ocrkit_home, serve_catalog, capsys):
    catalog, _ = serve_catalog
    pull_model("eng", store=ocrkit_home, catalog=catalog, timeout=10)
    assert main(["models", "verify", "--catalog", str(catalog)]) == 0
    assert "OK" in capsys.readouterr().out

    (ocrkit_home / "tesseract" / "eng.traineddata").write_bytes(b"truncated")
    assert main(["models", "verify", "--catalog", str(catalog), "--json"]) == 1
    captured = capsys.readouterr()
    assert [r["status"] for r in json.loads(captured.out)] == [MISMATCH]
    assert "models pull NAME --force" in captured.err
