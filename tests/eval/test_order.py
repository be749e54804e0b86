"""The reading-order score: order of the shared words only, blind to misread words."""

from __future__ import annotations

import pytest

from ocrkit.eval import OrderScore, order_score

LEFT = "the sequencer records every track in perfect sync"
RIGHT = "insert copy moves bars from one place to another"


def test_the_same_order_scores_one_and_misread_words_do_not_count() -> None:
    assert order_score(LEFT, LEFT).score == 1.0
    score = order_score(LEFT, LEFT.replace("sequencer", "sequ3ncer"))
    assert score.score == 1.0 and score.common == 7


def test_columns_read_across_the_gutter_score_low() -> None:
    left, right = LEFT.split(), RIGHT.split()
    interleaved = " ".join(left[:4] + right[:4] + left[4:] + right[4:])
    assert order_score(f"{LEFT} {RIGHT}", interleaved).score == pytest.approx(13 / 17)
    assert order_score(f"{LEFT} {RIGHT}", f"{RIGHT} {LEFT}").score == pytest.approx(9 / 17)


def test_repeated_words_count_as_often_as_both_texts_have_them() -> None:
    score = order_score("a b a c", "a c b")
    assert (score.common, score.in_order) == (3, 2)


def test_no_shared_words_is_nothing_out_of_order() -> None:
    assert order_score("", "").score == 1.0 and order_score("abc", "xyz") == OrderScore(0, 0)


def test_scores_add_up_to_a_micro_average() -> None:
    total = order_score(LEFT, LEFT) + order_score("a b c d", "d c b a")
    assert (total.in_order, total.common) == (9, 12)
    assert total.to_dict()["order_score"] == pytest.approx(0.75)


def test_case_is_ignored_on_request() -> None:
    assert order_score("Total Sales", "total sales").common == 0
    assert order_score("Total Sales", "total sales", ignore_case=True).common == 2
