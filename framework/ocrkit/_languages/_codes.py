"""Language codes: Tesseract-style ISO 639-2 (``eng``, ``chi_sim``, ``kor``) as the
one spelling every backend declares and routes by, with ISO 639-1 (``en``, ``ko``)
and 639-2/B (``ger``, ``fre``) aliases accepted from users."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import InvalidOptionError

__all__ = ["LANGUAGE_NAMES", "ALIASES", "MAX_LANGUAGES", "language_name", "parse_languages", "canonical_code"]

# code, ISO 639-1 alias ("" when none), English name; the codes are tessdata's file names.
_TABLE = """
afr af Afrikaans|amh am Amharic|ara ar Arabic|asm as Assamese|aze az Azerbaijani|bel be Belarusian
ben bn Bengali|bod bo Tibetan|bos bs Bosnian|bre br Breton|bul bg Bulgarian|cat ca Catalan
ceb - Cebuano|ces cs Czech|chi_sim zh Chinese (simplified)|chi_tra - Chinese (traditional)
chr - Cherokee|cos co Corsican|cym cy Welsh|dan da Danish|deu de German|div dv Dhivehi
dzo dz Dzongkha|ell el Greek|eng en English|enm - Middle English|epo eo Esperanto|est et Estonian
eus eu Basque|fao fo Faroese|fas fa Persian|fil - Filipino|fin fi Finnish|fra fr French
frk - Fraktur|frm - Middle French|fry fy Western Frisian|gla gd Scottish Gaelic|gle ga Irish
glg gl Galician|grc - Ancient Greek|guj gu Gujarati|hat ht Haitian Creole|heb he Hebrew|hin hi Hindi
hrv hr Croatian|hun hu Hungarian|hye hy Armenian|iku iu Inuktitut|ind id Indonesian|isl is Icelandic
ita it Italian|jav jv Javanese|jpn ja Japanese|jpn_vert - Japanese (vertical)|kan kn Kannada
kat ka Georgian|kaz kk Kazakh|khm km Khmer|kir ky Kyrgyz|kmr ku Kurdish (Kurmanji)|kor ko Korean
lao lo Lao|lat la Latin|lav lv Latvian|lit lt Lithuanian|ltz lb Luxembourgish|mal ml Malayalam
mar mr Marathi|mkd mk Macedonian|mlt mt Maltese|mon mn Mongolian|mri mi Maori|msa ms Malay
mya my Burmese|nep ne Nepali|nld nl Dutch|nor no Norwegian|oci oc Occitan|ori or Odia
pan pa Punjabi|pol pl Polish|por pt Portuguese|pus ps Pashto|que qu Quechua|ron ro Romanian
rus ru Russian|san sa Sanskrit|sin si Sinhala|slk sk Slovak|slv sl Slovenian|snd sd Sindhi
spa es Spanish|sqi sq Albanian|srp sr Serbian|srp_latn - Serbian (Latin)|sun su Sundanese
swa sw Swahili|swe sv Swedish|syr - Syriac|tam ta Tamil|tat tt Tatar|tel te Telugu|tgk tg Tajik
tha th Thai|tir ti Tigrinya|ton to Tongan|tur tr Turkish|uig ug Uyghur|ukr uk Ukrainian|urd ur Urdu
uzb uz Uzbek|vie vi Vietnamese|yid yi Yiddish|yor yo Yoruba
"""

_ROWS = [row.split(" ", 2) for row in _TABLE.replace("\n", "|").split("|") if row.strip()]

#: Code -> English name (for listings and messages).
LANGUAGE_NAMES: dict[str, str] = {code: name for code, _, name in _ROWS}

#: Accepted spellings -> code: ISO 639-1, 639-2/B where it differs, and common region tags.
ALIASES: dict[str, str] = {
    **{alias: code for code, alias, _ in _ROWS if alias != "-"},
    "fre": "fra", "ger": "deu", "dut": "nld", "cze": "ces", "gre": "ell", "per": "fas", "rum": "ron",
    "slo": "slk", "alb": "sqi", "arm": "hye", "baq": "eus", "bur": "mya", "geo": "kat", "ice": "isl",
    "mac": "mkd", "mao": "mri", "may": "msa", "tib": "bod", "wel": "cym", "chi": "chi_sim", "zho": "chi_sim",
    "zh_cn": "chi_sim", "zh-cn": "chi_sim", "zh_hans": "chi_sim", "zh-hans": "chi_sim",
    "zh_tw": "chi_tra", "zh-tw": "chi_tra", "zh_hant": "chi_tra", "zh-hant": "chi_tra",
    "nob": "nor", "nno": "nor", "nb": "nor", "nn": "nor",
}

#: Most languages one request may name (tesseract slows down per language; nobody needs 32).
MAX_LANGUAGES = 32
#: A code ocrkit does not know is passed on when it looks like one (a custom traineddata's name).
_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def canonical_code(code: str) -> str:
    """*code* as the Tesseract-style code (``"en"`` -> ``"eng"``); unknown codes stay as given."""
    lowered = code.strip().lower()
    if lowered in LANGUAGE_NAMES:
        return lowered
    return ALIASES.get(lowered, code.strip())


def language_name(code: str) -> str:
    """The English name of *code*, or the code itself when ocrkit has no name for it."""
    return LANGUAGE_NAMES.get(code, code)


def parse_languages(lang: str | Sequence[str]) -> tuple[str, ...]:
    """``"fra+eng"``, ``"fr,en"`` or ``["fr", "eng"]`` -> ``("fra", "eng")``: codes in the
    order given, duplicates dropped. Raises :class:`InvalidOptionError` for anything else."""
    if isinstance(lang, str):
        parts = re.split(r"[+,\s]+", lang)
    elif isinstance(lang, Sequence) and all(isinstance(p, str) for p in lang):
        parts = [piece for p in lang for piece in re.split(r"[+,\s]+", p)]
    else:
        raise InvalidOptionError(f"lang must be a code such as 'fra', 'fra+eng' or a list of codes, got {lang!r}")
    codes: list[str] = []
    for part in filter(None, parts):
        if not _CODE_RE.match(part):
            raise InvalidOptionError(
                f"language {part[:80]!r} is not a language code; give ISO 639-2 codes such as 'eng', 'chi_sim' "
                "or 'fra+eng' (ISO 639-1 such as 'en' works too; `ocrkit languages` lists them)"
            )
        code = canonical_code(part)
        if code not in codes:
            codes.append(code)
    if not codes:
        raise InvalidOptionError(f"no language in lang={lang!r}; give e.g. 'eng' or 'fra+eng'")
    if len(codes) > MAX_LANGUAGES:
        raise InvalidOptionError(f"lang names {len(codes)} languages; at most {MAX_LANGUAGES} at once")
    return tuple(codes)
