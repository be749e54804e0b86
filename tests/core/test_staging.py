"""The one staging helper behind store imports, backend imports and pulls
(``ocrkit.backend.staged_entry``): all or nothing, nothing left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ocrkit.backend import staged_entry


def test_a_file_replaces_a_file_and_a_directory_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "model.bin"
    target.write_bytes(b"old")
    with staged_entry(target) as staged:
        assert staged.path.parent.parent == tmp_path and staged.path.parent.name.startswith(".")
        staged.path.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # nothing visible before the commit
        assert staged.commit() == target
    assert target.read_bytes() == b"new"
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "old.onnx").write_bytes(b"x")
    with staged_entry(folder) as staged:
        staged.path.mkdir()
        (staged.path / "new.onnx").write_bytes(b"y")
        staged.commit()
    assert [p.name for p in folder.iterdir()] == ["new.onnx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin", "set"]


def test_an_error_before_the_commit_leaves_the_target_and_no_trace(tmp_path: Path) -> None:
    target = tmp_path / "set"
    target.mkdir()
    (target / "keep").write_bytes(b"1")
    with pytest.raises(OSError, match="disk full"), staged_entry(target) as staged:
        staged.path.mkdir()
        (staged.path / "half").write_bytes(b"2")
        raise OSError(28, "disk full")
    assert [p.name for p in target.iterdir()] == ["keep"]
    assert [p.name for p in tmp_path.iterdir()] == ["set"]
    with pytest.raises(FileNotFoundError, match="nothing was staged"), staged_entry(tmp_path / "new") as staged:
        staged.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["set"]


def test_a_failed_rename_puts_the_old_directory_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "set"
    target.mkdir()
    (target / "keep").write_bytes(b"1")
    real_rename = os.rename
    failed = []

    def failing_rename(src, dst):  # moving the old one aside works, renaming the new one in fails once
        if Path(dst) == target and not failed:
            failed.append(src)
            raise OSError(5, "I/O error")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(OSError, match="I/O error"), staged_entry(target) as staged:
        staged.path.mkdir()
        staged.commit()
    monkeypatch.undo()
    assert failed and Path(failed[0]).name == "set"  # the new entry's rename was the one refused
    assert [p.name for p in target.iterdir()] == ["keep"]
    assert [p.name for p in tmp_path.iterdir()] == ["set"]
