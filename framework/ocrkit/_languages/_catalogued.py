"""What the model catalogue could add: the entries that read a language, for the
"how to get one" half of an error and for ``ocrkit languages --available``."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import OcrkitError
from ..pull import Catalog, CatalogEntry, load_catalog
from ._codes import LANGUAGE_NAMES

__all__ = ["entry_languages", "readers_in_catalog", "catalog_for_hints"]


def entry_languages(entry: CatalogEntry) -> tuple[str, ...]:
    """The codes a catalogue entry reads: its ``languages`` list, else its ``language``
    when that is a code (a tessdata entry's ``fra``)."""
    declared = entry.extra.get("languages")
    if isinstance(declared, list) and all(isinstance(c, str) for c in declared):
        return tuple(declared)
    if entry.language in LANGUAGE_NAMES:
        return (str(entry.language),)
    return ()


def readers_in_catalog(catalog: Catalog, codes: Iterable[str], backend: str | None = None) -> list[CatalogEntry]:
    """Entries reading every one of *codes*, best first: an entry named after the code
    (``fra``, the tessdata_fast file), then the most specialised, then by name."""
    wanted = set(codes)
    found = [e for e in catalog if (backend is None or e.backend == backend) and wanted <= set(entry_languages(e))]
    return sorted(found, key=lambda e: (e.name not in wanted, len(entry_languages(e)), e.name))


def catalog_for_hints() -> Catalog | None:
    """The catalogue a pull would use (``$OCRKIT_CATALOG`` or the shipped one), quickly;
    ``None`` when it cannot be read: a hint must never turn into a second error."""
    try:
        return load_catalog(timeout=5.0)
    except OcrkitError:
        return None
