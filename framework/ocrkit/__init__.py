"""ocrkit: one OCR API over many engines, with real model management and real freeing.

    import ocrkit

    with ocrkit.open("tesseract") as ocr:
        page = ocr.recognize("scan.png")
        print(page.text)
"""

from __future__ import annotations

from . import documents, formats
from ._engine import Engine
from ._languages import LanguageSupport, languages
from ._open import open
from ._records import BackendInfo, ModelRecord
from ._registry import Registry, get_registry
from ._versions import __version__
from .errors import (
    BackendCrashedError,
    BackendTimeoutError,
    BackendUnavailableError,
    BadImageError,
    ChecksumMismatchError,
    DocumentError,
    DocumentWarning,
    DownloadError,
    EncryptedDocumentError,
    ImageTooLargeError,
    InvalidModelNameError,
    InvalidOptionError,
    LanguageNotAvailableError,
    ModelCorruptError,
    ModelExistsError,
    ModelInUseError,
    ModelNotFoundError,
    OcrkitError,
    PluginError,
    ResourcesFreedError,
    UnknownBackendError,
    UnknownOptionError,
)
from .hookspecs import hookimpl
from .results import Block, Line, Page, Word
from .store import ModelStore


def backends() -> list[str]:
    """Names of the registered backends (usable or not; see ``ocrkit backends``)."""
    return get_registry().backend_names()


__all__ = [
    "open",
    "documents",
    "formats",
    "backends",
    "languages",
    "LanguageSupport",
    "Engine",
    "Registry",
    "get_registry",
    "ModelStore",
    "BackendInfo",
    "ModelRecord",
    "Page",
    "Block",
    "Line",
    "Word",
    "hookimpl",
    "OcrkitError",
    "UnknownBackendError",
    "BackendUnavailableError",
    "BackendCrashedError",
    "BackendTimeoutError",
    "UnknownOptionError",
    "InvalidOptionError",
    "PluginError",
    "ModelNotFoundError",
    "LanguageNotAvailableError",
    "ModelExistsError",
    "ModelCorruptError",
    "ModelInUseError",
    "InvalidModelNameError",
    "ResourcesFreedError",
    "BadImageError",
    "ImageTooLargeError",
    "DocumentError",
    "EncryptedDocumentError",
    "DocumentWarning",
    "ChecksumMismatchError",
    "DownloadError",
    "__version__",
]
