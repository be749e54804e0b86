"""Freeing, where the conformance kit (tests/lifecycle/test_conformance_builtin.py, which
measures descriptors and resident memory in a fresh interpreter) cannot see: no
traineddata descriptor with two languages and instances, every pool instance
ended, staging directories removed."""

from __future__ import annotations

from pathlib import Path

import pytest

import ocrkit

from .conftest import DATA, copy_language, traineddata_fds


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
