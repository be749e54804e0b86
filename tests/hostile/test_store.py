"""The model store under hostile entries and concurrent commands (issue 11: 6, 8, 9)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import ocrkit
from ocrkit.store import ModelStore

from .conftest import run_ocrkit


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    (tmp_path / "tesseract").mkdir()
    return ModelStore(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_audit_reports_a_fifo_and_a_device_link_instead_of_hanging(store: ModelStore) -> None:
    """6: `ocrkit models audit` blocked forever opening the FIFO (or read /dev/zero)."""
    folder = store.root / "tesseract"
    os.mkfifo(folder / "fifo.traineddata")
    (folder / "zero.traineddata").symlink_to("/dev/zero")
    (folder / "real.traineddata").write_bytes(b"model")
    env = {"OCRKIT_HOME": str(store.root)}
    done = run_ocrkit("models", "audit", "--backend", "tesseract", timeout=20, env=env)
    assert "fifo.traineddata" in done.stdout and "zero.traineddata" in done.stdout
    entries = {e.name: e for e in store.audit("tesseract")}
    assert "a FIFO" in entries["fifo.traineddata"].reason and entries["fifo.traineddata"].sha256 == ""
    assert "character device" in entries["zero.traineddata"].reason
    assert entries["real.traineddata"].sha256 and entries["real.traineddata"].reason == ""


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads any directory")
def test_an_unreadable_model_directory_says_so(store: ModelStore) -> None:
    """6: it audited as 0 B with the empty-string digest and no reason."""
    model = store.root / "tesseract" / "set"
    (model / "inner").mkdir(parents=True)
    (model / "inner" / "a").write_bytes(b"x")
    (model / "inner").chmod(0)
    try:
        (entry,) = store.audit("tesseract")
        assert "unreadable" in entry.reason
    finally:
        (model / "inner").chmod(0o755)


def test_two_removals_at_once_one_wins_the_other_is_told(store: ModelStore) -> None:
    """8: the loser got a bare FileNotFoundError (CLI: "[Errno 2] ... '5295'")."""
    for round_ in range(2):
        model = store.root / "tesseract" / f"set{round_}"
        model.mkdir()
        for n in range(400):
            (model / str(n)).write_bytes(b"")
        start = threading.Barrier(2)
        outcomes: list[object] = []

        def remove(start: threading.Barrier, outcomes: list[object], name: str) -> None:
            start.wait()
            try:
                outcomes.append(store.remove("tesseract", name))
            except Exception as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=remove, args=(start, outcomes, model.name)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        errors = [o for o in outcomes if isinstance(o, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], ocrkit.ModelNotFoundError), outcomes
        assert not model.exists() and store.list_local("tesseract") == []


def test_an_empty_prune_prefix_is_refused(store: ModelStore) -> None:
    """9: `--prefix ""` (an unset $PREFIX) selected every model of every backend."""
    (store.root / "tesseract" / "eng.traineddata").write_bytes(b"x")
    for prefix in ("", "  "):
        with pytest.raises(ocrkit.OcrkitError, match="every model"):
            store.prune("tesseract", prefix=prefix)
    done = run_ocrkit("models", "prune", "--prefix", "", env={"OCRKIT_HOME": str(store.root)})
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1
    assert (store.root / "tesseract" / "eng.traineddata").exists()
