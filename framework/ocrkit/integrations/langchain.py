"""ocrkit in LangChain: a document loader, a blob parser, and an image parser for
the ``images_parser`` of LangChain's PDF loaders. One ``Document`` per page.

    from ocrkit.integrations.langchain import OcrkitLoader

    with OcrkitLoader(["scan.pdf", "photo.png"], backend="onnx", dpi=200) as loader:
        for doc in loader.lazy_load():
            print(doc.metadata["source"], doc.metadata["page_number"], doc.page_content[:80])

Only ``langchain-core`` is needed (``pip install "ocrkit[langchain]"``): its
``BaseLoader`` and ``BaseBlobParser`` are the base classes. LangChain's image parser
base class (``BaseImageBlobParser``) lives only in ``langchain-community``; its PDF
loaders call nothing of it but ``lazy_parse`` on a blob of an image, which
:class:`OcrkitBlobParser` reads, so it is the image parser too.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    from langchain_core.document_loaders import BaseBlobParser, BaseLoader, Blob
    from langchain_core.documents import Document
except ImportError as exc:  # the extra is not installed
    from ._reading import client_import_error

    raise client_import_error(__name__, "langchain-core", "langchain", exc) from exc

from ._reading import ClosingAdapter, PageReader, page_metadata

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..results import Page
    from ._reading import ReadSettings

__all__ = ["OcrkitLoader", "OcrkitBlobParser", "OcrkitImageBlobParser"]

#: The MIME type LangChain's PDF parsers give the images they hand ``images_parser``
#: (a numpy array written by ``numpy.save``).
NUMPY_MIMETYPE = "application/x-npy"


def _document(page: Page, reader: PageReader, extra: dict[str, Any] | None = None) -> Document:
    """A page as LangChain's PDF loaders shape one: ``page`` is 0-based as theirs,
    ``page_number`` 1-based as ocrkit's."""
    meta = {**(extra or {}), **page_metadata(page, blocks=reader.include_blocks)}
    meta["page"] = (page.page_number or 1) - 1
    return Document(page_content=page.text, metadata=meta)


class OcrkitLoader(ClosingAdapter, BaseLoader):
    """Load PDFs, TIFFs and images as one ``Document`` per page.

    *file_path* is one path or several. Settings (all keywords): ``backend``,
    ``model``, ``options``, ``isolation``, ``pages``, ``dpi``, ``password``, ``blocks``,
    ``idle_timeout`` (see ``docs/integrations.md``). A file that cannot be read raises
    an :class:`ocrkit.OcrkitError` with a one-line message, as LangChain loaders raise;
    ``DirectoryLoader(..., silent_errors=True)`` skips it and loads the others.
    """

    def __init__(self, file_path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                 **settings: Unpack[ReadSettings]) -> None:
        paths = [file_path] if isinstance(file_path, (str, os.PathLike)) else list(file_path)
        self.file_paths = [Path(p) for p in paths]
        self.reader = PageReader(**settings)

    def lazy_load(self) -> Iterator[Document]:
        for path in self.file_paths:
            for page in self.reader.read(path, name=str(path)):
                yield _document(page, self.reader)


class OcrkitBlobParser(ClosingAdapter, BaseBlobParser):
    """Parse a blob (a PDF, TIFF or image; bytes or a path) into one ``Document`` per page.

    Use it with ``GenericLoader`` (``langchain-community``) over a folder, or as the
    ``images_parser`` of LangChain's PDF loaders, which hand it each image of a PDF
    as a numpy array (one ``Document`` comes back, as they expect).
    """

    def __init__(self, **settings: Unpack[ReadSettings]) -> None:
        self.reader = PageReader(**settings)

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        name = blob.source or "<blob>"
        for page in self.reader.read(_blob_source(blob), name=name):
            yield _document(page, self.reader, dict(blob.metadata))


#: The image parser for ``images_parser=``: the blob parser reads image blobs as they come.
OcrkitImageBlobParser = OcrkitBlobParser


def _blob_source(blob: Blob) -> Any:
    """What ocrkit reads of a blob: the numpy array of an image LangChain's PDF parsers
    extracted, else the blob's bytes, else its path (read page by page from disk)."""
    if blob.mimetype == NUMPY_MIMETYPE:
        import numpy as np

        with blob.as_bytes_io() as buffer:
            return np.load(io.BytesIO(buffer.read()), allow_pickle=False)
    if blob.data is None and blob.path is not None:
        return Path(blob.path)
    return blob.as_bytes()
