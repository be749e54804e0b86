"""Thread safety and freeing of the ONNX backend: concurrent recognitions equal
serial ones, free while busy, use after free, sessions and memory released."""

from __future__ import annotations

import gc
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import ocrkit
from ocrkit.backend import open_files, release_memory, rss_bytes
from ocrkit.errors import ResourcesFreedError

from .conftest import DATA

IMAGES = [DATA / n for n in ("page_simple.png", "two_columns.png", "german.png", "line_hello.png")]


def _summary(page: ocrkit.results.Page) -> tuple:
    return (page.text, tuple(ln.bbox for ln in page.lines), tuple(w.bbox for w in page.words))


def test_eight_threads_give_the_serial_results(engine: ocrkit.Engine) -> None:
    jobs = [(IMAGES[i % len(IMAGES)], "line" if i % 5 == 4 else "page") for i in range(24)]
    serial = [_summary(engine.recognize(path, layout=layout)) for path, layout in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda job: _summary(engine.recognize(job[0], layout=job[1])), jobs))
    assert concurrent == serial


def test_threads_calling_batches_concurrently(engine: ocrkit.Engine) -> None:
    lines = [DATA / n for n in ("line_hello.png", "line_numbers.png", "line_sentence.png")] * 4
    expected = [p.text for p in engine.recognize(lines, layout="line")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: [p.text for p in engine.recognize(lines, layout="line")], range(8)))
    assert results == [expected] * 8


def test_free_while_threads_recognise(ocrkit_home: Path) -> None:
    ocr = ocrkit.open("onnx")
    expected = ocr.recognize(IMAGES[0]).text
    started = threading.Barrier(9)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        started.wait()
        for _ in range(20):
            try:
                text = ocr.recognize(IMAGES[0]).text
            except ResourcesFreedError:
                with lock:
                    outcomes.append("freed")
                return
            with lock:
                outcomes.append("ok" if text == expected else f"WRONG: {text!r}")

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    started.wait()
    ocr.free_resources()  # waits for the calls in flight, refuses new ones
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert outcomes.count("freed") == 8, outcomes
    assert all(o in ("ok", "freed") for o in outcomes), outcomes
    assert ocr.freed


def test_use_after_free_raises_and_free_is_idempotent(ocrkit_home: Path) -> None:
    ocr = ocrkit.open("onnx")
    pipeline = ocr.handle.state
    ocr.free_resources()
    ocr.free_resources()
    assert pipeline.closed
    assert pipeline.detector is None and pipeline.recognizer is None and pipeline.classifier is None
    for call in (lambda: ocr.recognize(IMAGES[3]), lambda: ocr.recognize(IMAGES[3], layout="line"),
                 lambda: ocr.list_models(), lambda: ocr.handle):
        with pytest.raises(ResourcesFreedError):
            call()


def test_free_releases_every_session_and_no_file_stays_open(ocrkit_home: Path) -> None:
    ocr = ocrkit.open("onnx")
    files = {p.resolve() for p in ocr.handle.files()}
    ocr.recognize(IMAGES[0])
    assert not files & {p.resolve() for p in open_files()}, "model files are read whole, never held open"
    pipeline = ocr.handle.state
    sessions = [weakref.ref(part.session) for part in (pipeline.detector, pipeline.classifier, pipeline.recognizer)]
    del pipeline
    ocr.free_resources()
    gc.collect()
    assert [ref() for ref in sessions] == [None, None, None], "an InferenceSession outlived free_resources()"
    assert not files & {p.resolve() for p in open_files()}


def test_freed_model_can_be_removed_from_the_store(ocrkit_home: Path) -> None:
    with ocrkit.open("onnx", lazy=True) as ocr:
        ocr.import_model("ppocrv6-small")
    ocr = ocrkit.open("onnx")
    assert ocr.loaded_models[0].source == "store"
    from ocrkit.errors import ModelInUseError

    with pytest.raises(ModelInUseError):
        ocr.remove_model("ppocrv6-small")
    ocr.free_resources()
    with ocrkit.open("onnx", lazy=True) as other:
        other.remove_model("ppocrv6-small")
    assert not (ocrkit_home / "onnx" / "ppocrv6-small").exists()


@pytest.mark.slow
def test_memory_returns_after_free(ocrkit_home: Path) -> None:
    """After a warm-up cycle (first use of OpenCV and onnxruntime pages in their code,
    a one-time cost), open -> recognise -> free returns RSS to within 10 MB, and
    repeated cycles do not grow it."""
    images = [DATA / "page_simple.png", DATA / "two_columns.png"]

    def cycle() -> None:
        with ocrkit.open("onnx") as ocr:
            ocr.recognize(images)
            ocr.recognize(images[0])

    cycle()
    release_memory()
    before = rss_bytes()
    cycle()
    release_memory()
    after_one = rss_bytes()
    for _ in range(4):
        cycle()
    release_memory()
    after_five = rss_bytes()
    assert after_one - before < 10 * 2**20, (after_one - before) / 2**20
    assert after_five - before < 10 * 2**20, (after_five - before) / 2**20
