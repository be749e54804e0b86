"""CER, WER and bag-of-words F1 on hand-checked pairs; without rapidfuzz scoring
says what to install."""

from __future__ import annotations

import sys

import pytest

from ocrkit import OcrkitError
from ocrkit import _text_metrics as _metrics
from ocrkit.eval import TextScore, bow_f1, cer, levenshtein, normalize_text, score_text, wer


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("kitten", "sitting", 3), ("", "abc", 3), ("abc", "", 3), ("same", "same", 0), ("flaw", "lawn", 2)],
)
def test_levenshtein_on_strings(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == distance


def test_levenshtein_on_word_sequences() -> None:
    assert levenshtein(["the", "cat", "sat"], ["the", "bat", "sat", "down"]) == 2


def test_without_rapidfuzz_scoring_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)  # as if the [eval] extra were not installed
    monkeypatch.setitem(sys.modules, "rapidfuzz.distance", None)
    _metrics._rapidfuzz_levenshtein.cache_clear()
    try:
        with pytest.raises(OcrkitError, match=r"pip install 'ocrkit\[eval\]'"):
            cer("abc", "abd")
    finally:
        _metrics._rapidfuzz_levenshtein.cache_clear()


def test_cer_counts_character_edits_over_reference_length() -> None:
    assert cer("Hello world", "Hello world") == 0.0
    assert cer("Hello world", "Helo world") == pytest.approx(1 / 11)
    assert cer("abc", "xyzw") == pytest.approx(4 / 3)  # insertions can push CER over 1


def test_whitespace_and_line_breaks_are_not_errors() -> None:
    assert normalize_text("  a \n\n b\tc  ") == "a b c"
    assert cer("first line\nsecond line", "first line second  line") == 0.0


def test_unicode_is_nfc_normalised() -> None:
    assert cer("Gr\u00fc\u00dfe", "Gru\u0308\u00dfe") == 0.0  # precomposed vs combining umlaut


def test_wer_counts_word_edits() -> None:
    assert wer("the cat sat on the mat", "the cat sat on a mat") == pytest.approx(1 / 6)
    assert wer("one two", "one two three") == pytest.approx(1 / 2)


def test_bag_of_words_ignores_order_but_not_counts() -> None:
    assert bow_f1("TOTAL 7.42 CASH", "CASH TOTAL 7.42") == 1.0
    score = score_text("a a b", "a b b c")
    assert (score.bow_matched, score.bow_hyp_words, score.bow_ref_words) == (2, 4, 3)
    assert score.bow_precision == pytest.approx(0.5)
    assert score.bow_recall == pytest.approx(2 / 3)
    assert score.bow_f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_ignore_case() -> None:
    assert cer("TOTAL SALES", "Total Sales") > 0
    assert cer("TOTAL SALES", "Total Sales", ignore_case=True) == 0.0
    assert bow_f1("TOTAL SALES", "total sales") == 0.0
    assert bow_f1("TOTAL SALES", "total sales", ignore_case=True) == 1.0
    assert cer("STRASSE", "straße", ignore_case=True) == 0.0  # casefold(): ß matches SS, as in upper-case ground truth


def test_empty_reference() -> None:
    assert score_text("", "").cer == 0.0
    assert score_text("", "").bow_f1 == 1.0
    assert score_text("", "invented").cer == 1.0
    assert score_text("", "invented").bow_f1 == 0.0
    assert score_text("something", "").bow_f1 == 0.0


def test_scores_add_up_to_micro_averages() -> None:
    long = score_text("a" * 90, "a" * 81)  # 9 deletions in 90 characters
    short = score_text("abcdefghij", "")  # 10 deletions in 10 characters
    total = long + short
    assert total.char_edits == 19 and total.ref_chars == 100
    assert total.cer == pytest.approx(0.19)  # not the mean of 0.1 and 1.0
    assert TextScore() + long == long
    assert set(total.to_dict()) >= {"cer", "wer", "bow_f1", "char_edits", "ref_chars"}
