"""Issue 21, newcomer's run: ``ocrkit models path tesseract`` (as messages and
docs/backends/*.md write it) was a usage error, and ``models rm eng`` wanted
``eng.traineddata`` while every other command takes ``eng``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocrkit.cli import main

pytest.importorskip("tesserocr", reason="the [tesseract] extra ships tesserocr and its eng model")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OCRKIT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_models_path_takes_the_backend_as_an_argument(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "path", "tesseract"]) == 0
    assert capsys.readouterr().out.strip() == str((home / "tesseract").resolve())
    assert main(["models", "path", "--backend", "tesseract"]) == 0
    assert capsys.readouterr().out.strip() == str((home / "tesseract").resolve())
    assert main(["models", "path", "tesseract", "--backend", "onnx"]) == 1
    assert "give one" in capsys.readouterr().err


def test_models_rm_takes_the_model_name(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "import", "eng"]) == 0
    entry = home / "tesseract" / "eng.traineddata"
    assert entry.is_file()
    capsys.readouterr()
    assert main(["models", "rm", "eng", "--dry-run"]) == 0
    assert f"Would delete {entry}" in capsys.readouterr().out and entry.is_file()
    assert main(["models", "rm", "eng"]) == 0
    assert not entry.exists()
    assert main(["models", "rm", "eng"]) == 1  # gone: the store's copy only, never the packaged one
    assert "no model 'eng'" in capsys.readouterr().err
