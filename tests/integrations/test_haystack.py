"""The Haystack adapter through Haystack's own entry points: a ``Pipeline`` running the
converter, paths and ``ByteStream`` sources with per-source meta, serialisation, and
pipelines in several threads sharing one engine pool."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("haystack", reason="the haystack extra is not installed")

from haystack import Pipeline
from haystack.dataclasses import ByteStream

from ocrkit.integrations import EnginePool
from ocrkit.integrations.haystack import OcrkitToDocument

from .conftest import BACKENDS, DPI, IMAGE, PDF_NAME, SMALL_IMAGE, ReadOutput, as_read_output, assert_blocks, corpus_file


@pytest.fixture(scope="module", params=BACKENDS)
def pipeline(request: pytest.FixtureRequest) -> Iterator[tuple[str, Pipeline]]:
    """A pipeline holding one converter per backend for the module: each model loads once."""
    converter = OcrkitToDocument(backend=request.param, dpi=DPI)
    pipe = Pipeline()
    pipe.add_component("ocr", converter)
    yield request.param, pipe
    converter.close()


@pytest.mark.parametrize("name", ["pdf", "image"])
def test_pipeline_reads_like_ocrkit_read(pipeline: tuple[str, Pipeline], name: str, ocrkit_read: ReadOutput) -> None:
    backend, pipe = pipeline
    path = corpus_file(PDF_NAME) if name == "pdf" else IMAGE
    docs = pipe.run({"ocr": {"sources": [path], "meta": {"batch": 7}}})["ocr"]["documents"]
    assert len(docs) == 1
    assert as_read_output([docs[0].content]) == ocrkit_read(path, backend)
    meta = docs[0].meta
    assert (meta["file_path"], meta["backend"], meta["batch"]) == (path.name, backend, 7)
    assert meta["model"] and 0.5 < meta["confidence"] <= 1
    (page,) = meta["pages"]
    assert page["page_number"] == 1 and page["confidence"] == meta["confidence"]
    assert_blocks(page["blocks"], docs[0].content, page["width"], page["height"])


def test_bytestreams_bad_files_and_per_source_meta(mixed_folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    sources = [
        mixed_folder / "a_page.png",
        mixed_folder / "broken.pdf",
        ByteStream(b"not an image", meta={"file_path": "upload.png"}),
        ByteStream(SMALL_IMAGE.read_bytes(), meta={"file_path": "line.png", "tenant": "a"}),
    ]
    with OcrkitToDocument(blocks=False) as converter, caplog.at_level(logging.WARNING):
        docs = converter.run(sources=sources, meta=[{"n": i} for i in range(4)])["documents"]
    assert [(d.meta["file_path"], d.meta["n"]) for d in docs] == [("a_page.png", 0), ("line.png", 3)]
    assert docs[1].meta["tenant"] == "a" and "Hello" in docs[1].content
    skipped = [r.getMessage() for r in caplog.records if "skipping" in r.getMessage()]
    assert len(skipped) == 2
    assert any("broken.pdf" in m for m in skipped) and any("upload.png" in m for m in skipped)


def test_serialises_its_settings() -> None:
    converter = OcrkitToDocument(backend="tesseract", dpi=150, pages="1-2", blocks=False, store_full_path=True)
    data = converter.to_dict()
    assert data["init_parameters"] == {"store_full_path": True, "backend": "tesseract", "dpi": 150, "pages": "1-2",
                                       "blocks": False}
    again = OcrkitToDocument.from_dict(data)
    assert again.to_dict() == data


def test_twenty_files_one_engine_freed_on_close(twenty_files: list[Path]) -> None:
    converter = OcrkitToDocument(blocks=False)
    converter.warm_up()
    docs = converter.run(sources=twenty_files)["documents"]
    assert len(docs) == 20 and all("Hello" in d.content for d in docs)
    assert len(converter.reader.engines) == 1
    engine = converter.reader.engines[0]
    assert not engine.freed
    converter.close()
    assert engine.freed


def test_pipelines_in_threads_share_one_engine(twenty_files: list[Path]) -> None:
    with EnginePool() as pool:
        pipes = []
        for _ in range(4):
            pipe = Pipeline()
            pipe.add_component("ocr", OcrkitToDocument(blocks=False, pool=pool))
            pipes.append(pipe)
        with ThreadPoolExecutor(4) as threads:
            results = list(threads.map(lambda i: pipes[i].run({"ocr": {"sources": twenty_files[i:8:4]}}), range(4)))
        assert [len(r["ocr"]["documents"]) for r in results] == [2, 2, 2, 2]
        assert pool.opened == 1
    assert pool.open_count == 0
