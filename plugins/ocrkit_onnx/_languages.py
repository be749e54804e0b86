"""Which languages (Tesseract-style ISO 639-2 codes, as ``lang=`` and ``-l`` take them)
a PP-OCR recogniser reads: the set's ``language`` family (PaddleOCR's names) mapped to
codes, unless its manifest lists ``languages`` itself. The core routes ``lang=`` by
these (``ModelRecord.languages``).

The ``ch``/``multi`` family (PP-OCRv5/v6 multilingual recognisers, what rapidocr ships)
was checked against PP-OCRv6 small's character list: every letter of the Latin-script
languages below is in it, and Han, kana and Greek are; Cyrillic, Hangul and
Vietnamese's precomposed tone letters are not. The other families follow PaddleOCR's
per-family language lists (each also reads ASCII, hence ``eng``).
"""

from __future__ import annotations

__all__ = ["LATIN", "FAMILY_LANGUAGES", "languages_of"]

#: Latin-script languages whose letters PP-OCR's Latin-capable recognisers contain.
LATIN: frozenset[str] = frozenset({
    "eng", "deu", "fra", "spa", "ita", "por", "nld", "dan", "nor", "swe", "fin", "isl",
    "cat", "pol", "ces", "slk", "hun", "ron", "tur", "hrv", "slv", "est", "lav", "lit",
})
_MULTI = LATIN | {"chi_sim", "chi_tra", "jpn"}

#: A model set's ``language`` (PaddleOCR's family names) -> the codes it reads.
FAMILY_LANGUAGES: dict[str, frozenset[str]] = {
    "ch": _MULTI,
    "multi": _MULTI,
    "en": frozenset({"eng"}),
    "latin": LATIN,
    "chinese_cht": frozenset({"chi_tra", "eng"}),
    "japan": frozenset({"jpn", "eng"}),
    "korean": frozenset({"kor", "eng"}),
    "cyrillic": frozenset({"rus", "ukr", "bel", "bul", "srp", "mkd", "eng"}),
    "eslav": frozenset({"rus", "ukr", "bel", "eng"}),
    "arabic": frozenset({"ara", "fas", "urd", "eng"}),
    "devanagari": frozenset({"hin", "mar", "nep", "san", "eng"}),
    "th": frozenset({"tha", "eng"}),
    "el": frozenset({"ell", "eng"}),
    "ta": frozenset({"tam", "eng"}),
    "te": frozenset({"tel", "eng"}),
    "ka": frozenset({"kan", "eng"}),  # PaddleOCR's "ka" is Kannada (ka_dict.txt), not Georgian
}


def languages_of(family: str | None) -> tuple[str, ...]:
    """The codes a set of *family* reads (a code given as the family itself counts too)."""
    if not family:
        return ()
    return tuple(sorted(FAMILY_LANGUAGES.get(family, frozenset({family}))))
