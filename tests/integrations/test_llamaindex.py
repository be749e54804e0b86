"""The LlamaIndex adapter through LlamaIndex's own entry point, ``SimpleDirectoryReader``
with ocrkit in its ``file_extractor``: sequential, its async ``num_workers`` threads,
and its ``num_workers`` worker processes."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("llama_index.core", reason="the llamaindex extra is not installed")

from llama_index.core import SimpleDirectoryReader
from llama_index.core.schema import MetadataMode

from ocrkit.integrations import EnginePool
from ocrkit.integrations.llamaindex import OcrkitReader

from .conftest import BACKENDS, DPI, IMAGE, PDF_NAME, ReadOutput, as_read_output, assert_blocks, corpus_file


@pytest.fixture(scope="module", params=BACKENDS)
def reader(request: pytest.FixtureRequest) -> Iterator[OcrkitReader]:
    """One reader per backend for the module: each backend's model loads once."""
    with OcrkitReader(backend=request.param, dpi=DPI) as ocr:
        yield ocr


@pytest.mark.parametrize("name", ["pdf", "image"])
def test_directory_reader_reads_like_ocrkit_read(reader: OcrkitReader, name: str, tmp_path: Path,
                                                ocrkit_read: ReadOutput) -> None:
    path = corpus_file(PDF_NAME) if name == "pdf" else IMAGE
    shutil.copy(path, tmp_path / path.name)
    docs = SimpleDirectoryReader(str(tmp_path), file_extractor=reader.file_extractor()).load_data()
    backend = reader.reader.settings["backend"]
    assert as_read_output([d.text for d in docs]) == ocrkit_read(path, backend)
    meta = docs[0].metadata
    assert (meta["file_name"], meta["page_number"], meta["page_label"], meta["backend"]) == (path.name, 1, "1", backend)
    assert meta["model"] and 0.5 < meta["confidence"] <= 1
    assert_blocks(meta["blocks"], docs[0].text, meta["width"], meta["height"])
    shown = docs[0].get_metadata_str(MetadataMode.EMBED)
    assert "page_label: 1" in shown and "bbox" not in shown and "confidence" not in shown


def test_bad_file_prints_one_line_and_the_others_load(mixed_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with OcrkitReader(blocks=False) as ocr:
        docs = SimpleDirectoryReader(str(mixed_folder), file_extractor=ocr.file_extractor()).load_data()
        assert sorted(d.metadata["file_name"] for d in docs) == ["a_page.png", "z_line.png"]
        skipped = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Failed to load file")]
        assert len(skipped) == 2 and any("broken.pdf" in line and "PDF" in line for line in skipped)
        with pytest.raises(Exception, match="Error loading file") as caught:
            SimpleDirectoryReader(input_files=[str(mixed_folder / "garbage.png")], file_extractor=ocr.file_extractor(),
                                  raise_on_error=True).load_data()
        assert "not an image" in str(caught.value.__cause__) and "\n" not in str(caught.value.__cause__)


def test_twenty_files_one_engine_freed_on_close(twenty_files: list[Path]) -> None:
    ocr = OcrkitReader(blocks=False)
    docs = SimpleDirectoryReader(input_files=[str(f) for f in twenty_files], file_extractor=ocr.file_extractor()).load_data()
    assert len(docs) == 20 and all("Hello" in d.text for d in docs)
    assert len(ocr.reader.engines) == 1
    engine = ocr.reader.engines[0]
    assert not engine.freed
    ocr.close()
    assert engine.freed


def test_async_workers_share_one_engine(twenty_files: list[Path]) -> None:
    """``aload_data(num_workers=4)`` reads four files at once in threads: one engine."""
    with EnginePool() as pool, OcrkitReader(blocks=False, pool=pool) as ocr:
        directory = SimpleDirectoryReader(input_files=[str(f) for f in twenty_files[:8]], file_extractor=ocr.file_extractor())
        docs = asyncio.run(directory.aload_data(num_workers=4))
        assert len(docs) == 8 and all("Hello" in d.text for d in docs)
        assert pool.opened == 1


@pytest.mark.slow
def test_worker_processes_each_read_with_their_own_engine(twenty_files: list[Path]) -> None:
    """``load_data(num_workers=2)`` pickles the reader into two spawned processes."""
    with OcrkitReader(blocks=False) as ocr:
        directory = SimpleDirectoryReader(input_files=[str(f) for f in twenty_files[:4]], file_extractor=ocr.file_extractor())
        docs = directory.load_data(num_workers=2)
        assert len(docs) == 4 and all("Hello" in d.text for d in docs)
        assert not ocr.reader.engines  # the parent opened none
