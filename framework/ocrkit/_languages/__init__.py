"""Languages: one ``lang=`` for every backend, routed to an installed model that reads
it (public as ``ocrkit.open(..., lang=)`` and ``ocrkit.languages()``).

    import ocrkit

    with ocrkit.open("onnx", lang="fra") as ocr: ...        # the PP-OCR set that reads French
    with ocrkit.open("tesseract", lang=["eng", "de"]) as ocr: ...   # eng+deu traineddata
    for row in ocrkit.languages(available=True):          # what is installed, what can be pulled
        print(row.code, row.backend, row.models, row.pulls)

Codes are Tesseract-style ISO 639-2 (``eng``, ``chi_sim``, ``kor``); ISO 639-1
(``en``, ``ko``) is accepted. Models declare what they read in
:attr:`ocrkit.ModelRecord.languages`; routing is the same for every backend,
third-party ones included (docs/languages.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from .._records import BackendInfo, ModelRecord
from .._registry import Registry, get_registry
from ..store import ModelStore
from ._codes import ALIASES, LANGUAGE_NAMES, MAX_LANGUAGES, canonical_code, language_name, parse_languages
from ._listing import LanguageSupport, installed_languages, languages
from ._routing import choose_model

__all__ = [
    "ALIASES",
    "LANGUAGE_NAMES",
    "MAX_LANGUAGES",
    "LanguageSupport",
    "canonical_code",
    "choose_model",
    "installed_languages",
    "language_name",
    "languages",
    "parse_languages",
    "route",
]


def route(
    backend: str, lang: str | Sequence[str], model: str | None = None, *,
    registry: Registry | None = None, store: ModelStore | None = None,
) -> str:
    """The model ``ocrkit.open(backend, model, lang=lang)`` loads: *model* when it reads
    *lang* (else :class:`InvalidOptionError`), or the installed model that does (else
    :class:`LanguageNotAvailableError`, naming what to pull)."""
    registry = registry or get_registry()
    store = store or ModelStore()
    info: BackendInfo = registry.require(backend)
    records: list[ModelRecord] = registry.discover(backend, store.path(backend, create=False))
    return choose_model(info, records, parse_languages(lang), model)
