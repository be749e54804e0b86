"""Freeing: file descriptors, staging directories, native instances, resident memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ocrkit

from .conftest import DATA, copy_language, traineddata_fds

RSS_SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "tesseract_rss.py"


def test_no_descriptor_on_any_traineddata_while_loaded_or_after_free(store: Path) -> None:
    copy_language("deu", store)
    assert traineddata_fds() == []
    with ocrkit.open("tesseract", "deu+eng", pool_size=2) as ocr:
        ocr.recognize([DATA / "german.png", DATA / "page_simple.png"])
        assert ocr.handle.state.pool.created == 2
        # tesseract reads a traineddata into memory at Init and closes it.
        assert traineddata_fds() == []
    assert traineddata_fds() == []


def test_free_ends_every_instance_and_drops_the_state(ocrkit_home: Path) -> None:
    ended: list[object] = []
    ocr = ocrkit.open("tesseract", pool_size=2)
    ocr.recognize([DATA / "line_hello.png"] * 2)
    handle = ocr.handle
    state = handle.state
    pool = state.pool
    original_end = pool._end
    pool._end = lambda api: (ended.append(api), original_end(api))
    ocr.free_resources()
    assert len(ended) == 2 and pool.created == 0 and pool.closed
    assert handle.state is None
    assert not state.tessdata.staged


def test_an_engine_never_freed_is_freed_by_the_garbage_collector(ocrkit_home: Path) -> None:
    import gc

    ocr = ocrkit.open("tesseract")
    pool = ocr.handle.state.pool
    with pytest.warns(ResourceWarning, match="never freed"):
        del ocr
        gc.collect()
    assert pool.closed and pool.created == 0


@pytest.mark.slow
def test_resident_memory_returns_after_free_and_does_not_grow(tmp_path: Path) -> None:
    """Measured in a fresh interpreter: after a warm-up cycle, freeing returns RSS to
    within 10 MiB of where it was before loading, and 10 more open -> recognise ->
    free cycles (eng and deu+eng, two instances each) grow it by under 10 MiB."""
    done = subprocess.run(
        [sys.executable, str(RSS_SCRIPT), "10"], capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OCRKIT_HOME=str(tmp_path)),
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["loaded"] > 20, f"the measurement sees the model: {figures}"
    assert figures["after_free"] <= 10, figures
    assert figures["growth"] <= 10, figures
