from datetime import date

import pytest

from cx.formatting import format_change, format_interval, format_value, period_label, signed_change
from cx.metrics import Estimate


@pytest.mark.parametrize("grain, text", [("month", "October 2026"), ("quarter", "Q4 2026"),
                                         ("week", "week of 5 Oct 2026"), ("year", "2026")])
def test_period_labels(grain, text):
    start = date(2026, 10, 5) if grain == "week" else date(2026, 10, 1)
    assert period_label(start, grain) == text


@pytest.mark.parametrize("value, unit, text", [(12.4, "points", "+12"), (-0.4, "points", "0"),
                                               (-7.6, "points", "-8"), (81.2, "%", "81%"),
                                               (4.66, "", "4.7"), (None, "%", "–")])
def test_values(value, unit, text):
    assert format_value(Estimate("m", value, 10, None, None, unit)) == text


@pytest.mark.parametrize("change, unit, words, signed", [
    (3.2, "points", "up 3 points", "+3 points"), (-0.7, "%", "down 0.7 points", "-0.7 points"),
    (1.0, "%", "up 1 point", "+1 point"), (-12.0, "seconds", "down 12 s", "-12 s"),
    (0.26, "", "up 0.3", "+0.3"),
])
def test_changes(change, unit, words, signed):
    assert format_change(change, unit) == words
    assert signed_change(change, unit) == signed


def test_no_change_and_no_comparison():
    assert format_change(0.01, "%") == "no change"
    assert format_change(None, "%") == "no earlier figure to compare"


def test_interval_uses_the_unit():
    assert format_interval(Estimate("NPS", 10, 100, -6.3, 25.7, "points")) == "95% interval -6 to +26"
    assert format_interval(Estimate("NPS", None, 0, None, None, "points")) == ""
