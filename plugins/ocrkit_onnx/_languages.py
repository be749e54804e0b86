"""Which languages (Tesseract-style ISO 639-2 codes, as ``-l`` takes them) a PP-OCR
recogniser reads: the set's ``language`` family mapped to codes, so tools that
choose a model by language (OCRmyPDF's ``-l``) can pick a set or say none fits.

The ``ch`` family (PP-OCRv5/v6 multilingual recognisers, what rapidocr ships) was
checked against its character list: every letter of the Latin-script languages
below is in it, and Han and kana are; Cyrillic, Hangul, Greek accents and
Vietnamese tone marks are not.
"""

from __future__ import annotations

__all__ = ["LATIN", "FAMILY_LANGUAGES", "languages_of"]

#: Latin-script languages whose letters PP-OCR's Latin-capable recognisers contain.
LATIN: frozenset[str] = frozenset({
    "eng", "deu", "fra", "spa", "ita", "por", "nld", "dan", "nor", "swe", "fin", "isl",
    "cat", "pol", "ces", "slk", "hun", "ron", "tur", "hrv", "slv", "est", "lav", "lit",
})

#: A model set's ``language`` (PaddleOCR's family names) -> the codes it reads.
FAMILY_LANGUAGES: dict[str, frozenset[str]] = {
    "ch": LATIN | {"chi_sim", "chi_tra", "jpn"},
    "en": frozenset({"eng"}),
    "latin": LATIN,
    "chinese_cht": frozenset({"chi_tra", "eng"}),
    "japan": frozenset({"jpn", "eng"}),
    "korean": frozenset({"kor", "eng"}),
    "cyrillic": frozenset({"rus", "ukr", "bel", "bul", "srp", "mkd", "eng"}),
    "eslav": frozenset({"rus", "ukr", "bel", "eng"}),
    "arabic": frozenset({"ara", "fas", "urd", "eng"}),
    "devanagari": frozenset({"hin", "mar", "nep", "eng"}),
}


def languages_of(family: str | None) -> tuple[str, ...]:
    """The codes a set of *family* reads (a code given as the family itself counts too)."""
    if not family:
        return ()
    return tuple(sorted(FAMILY_LANGUAGES.get(family, frozenset({family}))))
