"""Language codes: Tesseract-style ISO 639-2, ISO 639-1 and 639-2/B aliases, refusals."""

from __future__ import annotations

import pytest

from ocrkit import InvalidOptionError
from ocrkit._languages import language_name, parse_languages


@pytest.mark.parametrize(
    ("given", "codes"),
    [
        ("fra", ("fra",)),
        ("fra+eng", ("fra", "eng")),
        ("fr,en", ("fra", "eng")),
        (["de", "eng", "deu"], ("deu", "eng")),  # duplicates after aliasing dropped, order kept
        ("zh", ("chi_sim",)),
        ("zh-tw", ("chi_tra",)),
        ("ger+FRE", ("deu", "fra")),
        ("ko", ("kor",)),
        ("my_custom", ("my_custom",)),  # a custom traineddata's name passes through
    ],
)
def test_codes_are_normalised_to_tesseract_style(given, codes):
    assert parse_languages(given) == codes


TOO_MANY = "+".join(f"l{i}" for i in range(40))


@pytest.mark.parametrize("bad", ["", "+", "../etc", "fra eng;rm", 3, ["eng", 4], "x" * 70, TOO_MANY])
def test_bad_language_specs_are_one_line_errors(bad):
    with pytest.raises(InvalidOptionError) as info:
        parse_languages(bad)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


def test_names():
    assert language_name("kor") == "Korean" and language_name("chi_sim") == "Chinese (simplified)"
    assert language_name("xyz") == "xyz"
