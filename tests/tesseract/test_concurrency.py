"""The API pool: parallel batches, many threads, and freeing while work is in flight."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import ocrkit
from ocrkit import ResourcesFreedError
from ocrkit_tesseract._pool import ApiPool

from .conftest import DATA, traineddata_fds

IMAGES = [DATA / n for n in ("page_simple.png", "two_columns.png", "line_hello.png", "line_numbers.png")]


def _summary(page: ocrkit.Page) -> tuple[str, list[tuple[str, tuple[int, int, int, int], float]]]:
    return page.text, [(w.text, w.bbox, round(w.confidence, 4)) for w in page.words]


def test_eight_threads_give_the_serial_results(ocrkit_home: Path) -> None:
    with ocrkit.open("tesseract", pool_size=1) as ocr:
        serial = [_summary(ocr.recognize(p)) for p in IMAGES]
    with ocrkit.open("tesseract", pool_size=4) as ocr:
        jobs = IMAGES * 4
        barrier = threading.Barrier(8)

        def work(path: Path) -> tuple[str, list]:
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            return _summary(ocr.recognize(path))

        with ThreadPoolExecutor(8) as pool:
            threaded = list(pool.map(work, jobs))
        state = ocr.handle.state
        assert 1 < state.pool.created <= 4, "concurrent calls got their own API instances"
    assert threaded == serial * 4


def test_a_batch_runs_on_several_instances_in_order(ocrkit_home: Path) -> None:
    with ocrkit.open("tesseract", pool_size=2) as ocr:
        assert ocr.handle.state.pool.created == 1, "instances are created lazily"
        pages = ocr.recognize(IMAGES + IMAGES)
        assert ocr.handle.state.pool.created == 2, "a batch uses the whole pool"
        single = [ocr.recognize(p).text for p in IMAGES]
    assert [p.text for p in pages] == single + single
    assert [p.source for p in pages] == [str(p) for p in IMAGES + IMAGES]


def test_free_during_recognition_neither_crashes_nor_hangs(ocrkit_home: Path) -> None:
    ocr = ocrkit.open("tesseract", pool_size=2)
    started = threading.Event()
    outcomes: list[str] = []
    lock = threading.Lock()

    def keep_reading() -> None:
        while True:
            started.set()
            try:
                page = ocr.recognize(IMAGES[:2])
                assert page[0].text.startswith("The quick")
                outcome = "ok"
            except ResourcesFreedError:
                outcome = "freed"
            with lock:
                outcomes.append(outcome)
            if outcome == "freed":
                return

    threads = [threading.Thread(target=keep_reading, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    assert started.wait(30)
    threading.Event().wait(0.3)  # let the recognitions get into tesseract
    freeing = threading.Thread(target=ocr.free_resources)
    freeing.start()
    freeing.join(timeout=120)
    assert not freeing.is_alive(), "free_resources hung"
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "a recognising thread hung after free"
    assert outcomes.count("freed") == 4
    assert ocr.freed
    assert traineddata_fds() == []


def test_use_after_free_raises_and_free_is_idempotent(ocrkit_home: Path) -> None:
    ocr = ocrkit.open("tesseract")
    handle = ocr.handle
    ocr.free_resources()
    ocr.free_resources()
    assert handle.state is None
    for call in (lambda: ocr.recognize(IMAGES[2]), lambda: ocr.handle, ocr.list_models):
        with pytest.raises(ResourcesFreedError):
            call()


def test_the_plugin_refuses_a_freed_handle_without_the_engine(ocrkit_home: Path) -> None:
    """Below the engine's own guard: the hook itself refuses a freed handle."""
    from ocrkit.images import load_image
    from ocrkit_tesseract import plugin

    ocr = ocrkit.open("tesseract")
    handle = ocr.handle
    ocr.free_resources()
    with pytest.raises(ResourcesFreedError):
        plugin.ocrkit_recognize(handle=handle, images=[load_image(IMAGES[2])], layout="line")
    assert plugin.ocrkit_free_model(handle=handle) is True, "freeing twice is harmless"


def test_pool_close_waits_for_borrowed_instances_and_refuses_new_ones() -> None:
    ended: list[int] = []
    counter = iter(range(100))
    pool = ApiPool(lambda: next(counter), size=2, end=ended.append)
    inside = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with pool.borrow() as api:
            assert api in (0, 1)
            inside.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(30)
    pool.prefill(2)
    closer = threading.Thread(target=pool.close)
    closer.start()
    closer.join(timeout=0.3)
    assert closer.is_alive(), "close waits for the borrowed instance"
    with pytest.raises(ResourcesFreedError), pool.borrow():
        pass
    release.set()
    holder.join(30)
    closer.join(30)
    assert sorted(ended) == [0, 1] and pool.created == 0
