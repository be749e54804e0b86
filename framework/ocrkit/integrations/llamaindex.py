"""ocrkit in LlamaIndex: a file reader, one ``Document`` per page.

    from llama_index.core import SimpleDirectoryReader
    from ocrkit.integrations.llamaindex import OcrkitReader

    reader = OcrkitReader(backend="onnx", dpi=200)
    docs = SimpleDirectoryReader("scans", file_extractor=reader.file_extractor()).load_data()
    reader.close()

Only ``llama-index-core`` is needed (``pip install "ocrkit[llamaindex]"``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

try:
    from llama_index.core.readers.base import BaseReader
    from llama_index.core.schema import Document
except ImportError as exc:  # the extra is not installed
    from ._reading import client_import_error

    raise client_import_error(__name__, "llama-index-core", "llamaindex", exc) from exc

from ._reading import ClosingAdapter, PageReader, page_metadata

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._reading import ReadSettings

__all__ = ["OcrkitReader", "SUFFIXES"]

#: The file name suffixes ocrkit reads: PDFs, TIFFs and the image formats it decodes.
SUFFIXES = (".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".jp2", ".pbm", ".pgm", ".ppm")
#: What the page text shows an embedding model or an LLM of the metadata: where the
#: page comes from; ocrkit's other keys (boxes, confidence...) are for the application.
_SHOWN = frozenset({"source", "page_label"})


class OcrkitReader(ClosingAdapter, BaseReader):
    """Read PDFs, TIFFs and images with any ocrkit backend, one ``Document`` per page.

    Settings (all keywords): ``backend``, ``model``, ``lang``, ``options``, ``isolation``,
    ``pages``, ``dpi``, ``password``, ``blocks``, ``idle_timeout``, ``pool`` (see
    ``docs/integrations.md``). A file that cannot be read raises an
    :class:`ocrkit.OcrkitError` with a one-line message: ``SimpleDirectoryReader``
    prints it and loads the other files (or, with ``raise_on_error=True``, raises).
    """

    def __init__(self, **settings: Unpack[ReadSettings]) -> None:
        self.reader = PageReader(**settings)

    def file_extractor(self, suffixes: Iterable[str] = SUFFIXES) -> dict[str, BaseReader]:
        """``SimpleDirectoryReader``'s ``file_extractor``: this reader for every suffix ocrkit reads."""
        return dict.fromkeys(suffixes, self)

    def lazy_load_data(self, file: str | os.PathLike[str], extra_info: dict[str, Any] | None = None,
                       fs: Any = None) -> Iterator[Document]:
        """The pages of *file*; *extra_info* (the directory reader's file metadata) is kept
        in each page's metadata; *fs* (an fsspec file system) reads the file from another file system."""
        name = str(file)
        source: Any = Path(file)
        if fs is not None:
            with fs.open(name, "rb") as stream:
                source = stream.read()
        for page in self.reader.read(source, name=name):
            meta = {**(extra_info or {}), **page_metadata(page, blocks=self.reader.include_blocks)}
            meta["page_label"] = str(page.page_number or 1)
            hidden = [key for key in meta if key not in _SHOWN and key not in (extra_info or {})]
            yield Document(text=page.text, metadata=meta,
                           excluded_embed_metadata_keys=hidden, excluded_llm_metadata_keys=list(hidden))

    def load_data(self, file: str | os.PathLike[str] | PurePath, extra_info: dict[str, Any] | None = None,
                  fs: Any = None) -> list[Document]:
        """:meth:`lazy_load_data` as a list (what ``SimpleDirectoryReader`` calls)."""
        return list(self.lazy_load_data(file, extra_info, fs))
