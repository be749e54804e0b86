"""The LangChain adapter through LangChain's own entry points: ``BaseLoader.load``,
``DirectoryLoader``, ``GenericLoader`` with a blob parser, and ``PyPDFLoader`` with
ocrkit as its ``images_parser``."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("langchain_core", reason="the langchain extra is not installed")

with warnings.catch_warnings():  # langchain-community warns that it is being sunset, on import
    warnings.simplefilter("ignore", DeprecationWarning)
    from langchain_community.document_loaders import DirectoryLoader, PyPDFLoader
    from langchain_community.document_loaders.generic import GenericLoader
from PIL import Image

from ocrkit import OcrkitError
from ocrkit.integrations._reading import EnginePool
from ocrkit.integrations.langchain import OcrkitBlobParser, OcrkitImageBlobParser, OcrkitLoader

from .conftest import BACKENDS, DPI, IMAGE, PDF_NAME, SMALL_IMAGE, ReadOutput, as_read_output, assert_blocks, corpus_file, wait_until


@pytest.fixture(scope="module", params=BACKENDS)
def pool(request: pytest.FixtureRequest) -> Iterator[tuple[str, EnginePool]]:
    """One engine pool per backend for the module: each backend's model loads once."""
    engines = EnginePool()
    yield request.param, engines
    engines.close()


@pytest.mark.parametrize("name", ["pdf", "image"])
def test_loader_reads_like_ocrkit_read(pool: tuple[str, EnginePool], name: str, ocrkit_read: ReadOutput) -> None:
    backend, engines = pool
    path = corpus_file(PDF_NAME) if name == "pdf" else IMAGE
    docs = OcrkitLoader(path, backend=backend, dpi=DPI, pool=engines).load()
    assert as_read_output([d.page_content for d in docs]) == ocrkit_read(path, backend)
    meta = docs[0].metadata
    assert (meta["source"], meta["page_number"], meta["page"], meta["backend"]) == (str(path), 1, 0, backend)
    assert meta["model"] and 0.5 < meta["confidence"] <= 1
    assert_blocks(meta["blocks"], docs[0].page_content, meta["width"], meta["height"])


def test_pdf_loader_takes_ocrkit_as_images_parser(tmp_path: Path) -> None:
    """PyPDFLoader hands the images inside a PDF to ``images_parser`` as numpy arrays."""
    pdf = tmp_path / "scanned.pdf"
    Image.open(IMAGE).convert("RGB").save(pdf, "PDF", resolution=150)
    with OcrkitImageBlobParser(blocks=False) as parser:
        docs = PyPDFLoader(str(pdf), mode="single", images_parser=parser, extract_images=True).load()
    assert "quick brown fox" in docs[0].page_content


def test_bad_file_raises_one_line_and_the_directory_still_loads(mixed_folder: Path) -> None:
    engines = EnginePool()
    try:
        with pytest.raises(OcrkitError) as caught:
            OcrkitLoader(mixed_folder / "broken.pdf", pool=engines).load()
        assert "broken.pdf" in str(caught.value) and "\n" not in str(caught.value)
        loader = DirectoryLoader(str(mixed_folder), glob="*.*", loader_cls=OcrkitLoader,
                                 loader_kwargs={"pool": engines, "blocks": False}, silent_errors=True)
        names = sorted(Path(d.metadata["source"]).name for d in loader.load())
        assert names == ["a_page.png", "z_line.png"]
        assert engines.opened == 1
    finally:
        engines.close()


def test_twenty_files_one_engine_freed_on_close(twenty_files: list[Path]) -> None:
    folder = twenty_files[0].parent
    parser = OcrkitBlobParser(blocks=False)
    docs = GenericLoader.from_filesystem(str(folder), glob="*.png", parser=parser).load()
    assert len(docs) == 20 and all("Hello" in d.page_content for d in docs)
    assert len(parser.reader.engines) == 1
    engine = parser.reader.engines[0]
    assert not engine.freed
    parser.close()
    assert engine.freed


def test_idle_engine_is_freed_and_reopens() -> None:
    with OcrkitLoader(IMAGE, idle_timeout=0.2, blocks=False) as loader:
        first = loader.load()
        engine = loader.reader.engines[-1]
        assert wait_until(lambda: engine.freed)
        assert loader.load() == first
        assert loader.reader.engines[-1] is not engine and not loader.reader.engines[-1].freed
    assert loader.reader.engines[-1].freed


def test_async_loads_share_one_engine(twenty_files: list[Path]) -> None:
    """``aload`` reads in LangChain's executor threads: four at once share one engine."""
    engines = EnginePool()
    loaders = [OcrkitLoader(twenty_files[i:8:4], pool=engines, blocks=False) for i in range(4)]

    async def load_all() -> list[list]:
        return await asyncio.gather(*(loader.aload() for loader in loaders))

    try:
        results = asyncio.run(load_all())
        assert [len(docs) for docs in results] == [2, 2, 2, 2]
        assert engines.opened == 1
    finally:
        engines.close()
    assert engines.open_count == 0


def test_a_dropped_loader_frees_its_engine() -> None:
    """Loaders a client makes and drops (DirectoryLoader: one per file) free their engine."""
    loader = OcrkitLoader(SMALL_IMAGE, blocks=False)
    assert "Hello" in loader.load()[0].page_content
    engine = loader.reader.engines[0]
    del loader
    gc.collect()
    assert engine.freed


def test_isolated_backend_reads_the_same() -> None:
    """``isolation="process"``: the backend runs in a child process, behind the same loader."""
    with OcrkitLoader(SMALL_IMAGE, blocks=False) as plain, OcrkitLoader(SMALL_IMAGE, blocks=False, isolation="process") as isolated:
        assert isolated.load()[0].page_content == plain.load()[0].page_content
        assert type(isolated.reader.engines[0]).__name__ == "ProcessEngine"
    assert isolated.reader.engines[0].freed
