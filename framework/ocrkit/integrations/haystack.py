"""ocrkit in Haystack: a converter component, in the style of Haystack's own.

    from ocrkit.integrations.haystack import OcrkitToDocument

    converter = OcrkitToDocument(backend="onnx", dpi=200)
    documents = converter.run(sources=["scan.pdf", "photo.png"])["documents"]

Like Haystack's PDF converters, each source becomes one ``Document`` whose content is
its pages' texts separated by form feeds (``DocumentSplitter`` counts them for
``page_number``); ``meta["pages"]`` holds each page's metadata.

Only ``haystack-ai`` is needed (``pip install "ocrkit[haystack]"``). This module does
not use ``from __future__ import annotations``: Haystack reads ``run``'s annotations
as types to build the component's sockets.
"""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    from haystack import Document, component, default_from_dict, default_to_dict, logging
    from haystack.components.converters.utils import normalize_metadata
    from haystack.dataclasses import ByteStream
except ImportError as exc:  # the extra is not installed
    from ._reading import client_import_error

    raise client_import_error(__name__, "haystack-ai", "haystack", exc) from exc

from ..documents import PAGE_SEPARATOR
from ..errors import OcrkitError
from ..results import Page
from ._reading import ClosingAdapter, PageReader, mean_confidence, page_metadata

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._reading import ReadSettings

__all__ = ["OcrkitToDocument"]

logger = logging.getLogger(__name__)
#: Keys that are the same for every page: in the document's meta once, not in each page's
#: (``source`` is not: ``file_path`` names the file, as in Haystack's converters).
_DOCUMENT_KEYS = ("backend", "model")


@component
class OcrkitToDocument(ClosingAdapter):
    """Convert PDFs, TIFFs and images to documents with any ocrkit backend.

    Settings (all keywords): ``backend``, ``model``, ``lang``, ``options``, ``isolation``,
    ``pages``, ``dpi``, ``password``, ``blocks``, ``idle_timeout``, ``pool`` (see
    ``docs/integrations.md``); *store_full_path* as Haystack's converters (``False``:
    ``meta["file_path"]`` is the file name only). A source that cannot be read is logged
    with ocrkit's one-line message and skipped, as Haystack's converters do.
    """

    def __init__(self, *, store_full_path: bool = False, **settings: "Unpack[ReadSettings]") -> None:
        self.store_full_path = store_full_path
        self.reader = PageReader(**settings)

    def warm_up(self) -> None:
        """Open the engine before the first document (Haystack pipelines call this)."""
        self.reader.warm_up()

    def to_dict(self) -> dict[str, Any]:
        """The component's settings (a shared ``pool`` is not serialised)."""
        return default_to_dict(self, store_full_path=self.store_full_path, **self.reader.settings)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "OcrkitToDocument":
        return default_from_dict(cls, data)

    @component.output_types(documents=list[Document])
    def run(
        self, sources: list[str | Path | ByteStream], meta: dict[str, Any] | list[dict[str, Any]] | None = None
    ) -> dict[str, list[Document]]:
        """Convert each source (a path or a ``ByteStream``) to one document.

        :param sources: file paths or ``ByteStream`` objects (PDF, TIFF or image bytes).
        :param meta: metadata for every document (a dict) or for each (a list as long as
            *sources*); a ``ByteStream``'s own ``meta`` is added too.
        :returns: ``{"documents": [...]}``, the sources that could be read, in order.
        """
        documents = []
        for source, extra in zip(sources, normalize_metadata(meta, sources_count=len(sources))):
            origin, name, source_meta = self._open(source)
            try:
                pages = list(self.reader.read(origin, name=name))
            except OcrkitError as error:
                logger.warning("Could not read {source} and convert it to Document, skipping. {error}",
                               source=name, error=error)
                continue
            documents.append(Document(content=PAGE_SEPARATOR.join(p.text for p in pages),
                                      meta={**source_meta, **self._meta(pages), **extra}))
        return {"documents": documents}

    def _open(self, source: str | Path | ByteStream) -> tuple[Any, str, dict[str, Any]]:
        """What ocrkit reads (a path stays a path: a PDF is read page by page from disk),
        its name in messages, and the metadata it brings."""
        if isinstance(source, ByteStream):
            return source.data, str(source.meta.get("file_path", "<bytes>")), dict(source.meta)
        path = os.fspath(source)
        return Path(path), path, {"file_path": path if self.store_full_path else os.path.basename(path)}

    def _meta(self, pages: list[Page]) -> dict[str, Any]:
        """The document's metadata: who read it how well, and each page's own."""
        per_page = [page_metadata(p, blocks=self.reader.include_blocks) for p in pages]
        meta = {key: per_page[0][key] for key in _DOCUMENT_KEYS} if per_page else {}
        meta["confidence"] = round(mean_confidence(pages), 4)
        meta["pages"] = [{k: v for k, v in page.items() if k not in (*_DOCUMENT_KEYS, "source")} for page in per_page]
        return meta
