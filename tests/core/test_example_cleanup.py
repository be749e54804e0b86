"""examples/ocr_cleanup.py: the seed's maintenance script, run against a temporary store."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ocrkit import ResourcesFreedError

from .conftest import LINE_IMAGE, TESTS

SCRIPT = TESTS.parent / "examples" / "ocr_cleanup.py"


@pytest.fixture(scope="module")
def cleanup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ocr_cleanup", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cleanup_deletes_old_models_audits_and_frees(
    cleanup: ModuleType, ocrkit_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ocrkit_home / "tesseract"
    store.mkdir()
    seeded = {
        "eng.traineddata": b"eng",
        "old_eng.traineddata": b"old eng",
        "old_deu.traineddata": b"old deu",
        "fra-v1.traineddata": b"fra 1",
        "fra-v2.traineddata": b"fra 2",
    }
    for name, data in seeded.items():
        (store / name).write_bytes(data)
    outside = tmp_path / "old_outside.traineddata"
    outside.write_bytes(b"not in the store")

    engine = cleanup.main([])

    out = capsys.readouterr().out.splitlines()
    directory = str(store)
    assert out[0] == "Local tesseract models (5):"
    assert out[1:6] == [f"  {n}" for n in sorted(seeded)]
    assert out[6:8] == ["Deleted old_deu.traineddata", "Deleted old_eng.traineddata"]
    assert out[8] == f"Model directory: {directory}"
    assert out[9] == "Audit:"
    assert out[10:13] == [
        f"  CURRENT  {os.path.join(directory, 'eng.traineddata')}",
        f"  OLD      {os.path.join(directory, 'fra-v1.traineddata')}  (superseded by version 2)",
        f"  CURRENT  {os.path.join(directory, 'fra-v2.traineddata')}",
    ]
    assert out[13:] == ["Released tesseract engine resources"]
    assert sorted(p.name for p in store.iterdir()) == ["eng.traineddata", "fra-v1.traineddata", "fra-v2.traineddata"]
    assert outside.read_bytes() == b"not in the store"
    assert engine.freed
    for use in (engine.list_local, engine.get_local_path, engine.audit, lambda: engine.recognize(LINE_IMAGE)):
        with pytest.raises(ResourcesFreedError):
            use()


def test_cleanup_runs_as_a_script_on_an_empty_store(ocrkit_home: Path) -> None:
    env = dict(os.environ, OCRKIT_HOME=str(ocrkit_home))
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "Local tesseract models (0):",
        "  (none; add one with `ocrkit models import NAME_OR_PATH`)",
        "No old_ models to delete",
        f"Model directory: {ocrkit_home / 'tesseract'}",
        "Audit:",
        "  (store is empty)",
        "Released tesseract engine resources",
    ]


def test_cleanup_demo_leaves_the_real_store_alone(
    cleanup: ModuleType, ocrkit_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ocrkit_home / "tesseract").mkdir()
    (ocrkit_home / "tesseract" / "old_mine.traineddata").write_bytes(b"mine")
    cleanup.main(["--demo"])
    out = capsys.readouterr().out
    demo_home = Path(out.splitlines()[0].rsplit(" ", 1)[1])
    deleted = [line for line in out.splitlines() if line.startswith("Deleted old_")]
    assert len(deleted) == 1 and "old_mine" not in out
    assert (ocrkit_home / "tesseract" / "old_mine.traineddata").exists()
    assert not demo_home.exists(), "the demo store is removed at the end"


def test_cleanup_unknown_backend_is_one_line(ocrkit_home: Path) -> None:
    env = dict(os.environ, OCRKIT_HOME=str(ocrkit_home))
    proc = subprocess.run([sys.executable, str(SCRIPT), "--backend", "nope"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert "unknown OCR backend 'nope'" in line
