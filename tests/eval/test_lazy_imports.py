"""``import ocrkit``, ``ocrkit --help``, ``ocrkit backends`` and ``ocrkit models list``
stay light: no onnxruntime, cv2 or tesserocr imported, no model file opened.
Each case runs in a fresh interpreter, since this test process has them loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("onnxruntime", "cv2", "tesserocr", "rapidocr", "pytesseract", "matplotlib")
MODEL_SUFFIXES = (".onnx", ".traineddata")

PROBE = r"""
import json, sys
argv = json.loads(sys.argv[1])
code = None
if argv is not None:
    from ocrkit.cli import main
    try:
        code = main(argv)
    except SystemExit as exc:  # --help exits
        code = exc.code
else:
    import ocrkit, ocrkit.eval, ocrkit.eval.bench  # noqa: F401
from ocrkit.backend import open_files
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
models = [str(p) for p in open_files() if p.suffix in {suffixes!r}]
sys.stdout.flush()
sys.stderr.write("\nPROBE " + json.dumps({{"code": code, "heavy": heavy, "models": models}}) + "\n")
""".format(heavy=HEAVY, suffixes=MODEL_SUFFIXES)


def probe(argv: list[str] | None, home: Path) -> dict:
    env = {**os.environ, "OCRKIT_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True, env=env, timeout=60
    )
    marker = [line for line in proc.stderr.splitlines() if line.startswith("PROBE ")]
    assert marker, proc.stderr
    result = json.loads(marker[-1][len("PROBE "):])
    result["stdout"] = proc.stdout
    return result


@pytest.mark.parametrize(
    "argv",
    [
        None,  # import ocrkit, ocrkit.eval, ocrkit.eval.bench
        ["--help"],
        ["eval", "--help"],
        ["backends"],
        ["backends", "-v"],
        ["models", "list"],
    ],
    ids=["import", "help", "eval-help", "backends", "backends-v", "models-list"],
)
def test_light_commands_import_no_engine_and_load_no_model(argv: list[str] | None, ocrkit_home: Path) -> None:
    result = probe(argv, ocrkit_home)
    assert result["code"] in (None, 0), result
    assert result["heavy"] == [], f"{argv} imported {result['heavy']}"
    assert result["models"] == [], f"{argv} opened model files {result['models']}"
    if argv and argv[0] in ("backends", "models"):
        assert "tesseract" in result["stdout"] and "onnx" in result["stdout"]
