"""The catalogue of measures judges a value against its target, and says so readably."""

from __future__ import annotations

import re

from hypothesis import assume, given
from hypothesis import strategies as st

from cx.formatting import format_value
from cx.measures import MEASURES
from cx.metrics import Estimate

NPS = MEASURES["nps"]


def shown_number(text: str) -> float:
    """The number in '+19.9', '85.1%', '4.7' or '12 s'."""
    return float(re.search(r"[+-]?\d+(?:\.\d+)?", text).group())


def test_a_value_that_rounds_onto_its_target_is_given_to_the_decimal():
    assert format_value(Estimate("nps", 19.88, 1, None, None, "points")) == "+20"
    assert NPS.target_status(19.88, 20.0) == "✗ off target: +19.9 (target +20 or more)"
    assert NPS.target_status(20.0, 20.0) == "✓ on target (target +20 or more)"
    assert NPS.target_status(23.0, 20.0) == "✓ on target (target +20 or more)"
    assert NPS.target_status(16.8, 20.0) == "✗ off target (target +20 or more)"
    assert NPS.target_status(19.996, 20.0) == "✗ off target: +19.996 (target +20 or more)"
    abandoned = MEASURES["abandoned"]
    assert abandoned.target_status(5.04, 5.0) == "✗ off target: 5.04% (target 5% or less)"
    assert abandoned.target_status(5.4, 5.0) == "✗ off target: 5.4% (target 5% or less)"
    assert abandoned.target_status(4.6, 5.0) == "✓ on target (target 5% or less)"
    assert NPS.target_status(None, 20.0) == "" and NPS.target_status(12.0, None) == "no target set"


# Targets are typed, to two decimals at most. Values are computed from counts, so they lie on
# the measure's scale and are never closer to a target than a billionth without being equal.
TARGETS = st.integers(-10_000, 10_000).map(lambda hundredths: hundredths / 100)


@given(code=st.sampled_from(sorted(MEASURES)), position=st.floats(0, 1), target=TARGETS)
def test_the_number_shown_with_a_verdict_is_on_the_side_the_verdict_names(code, position, target):
    """Whatever the value and target, the number a reader sees (on the card, or the one the
    verdict adds) is on the side of the target that the verdict says."""
    measure = MEASURES[code]
    low = measure.lowest or 0.0
    high = 100.0 if measure.highest is None else measure.highest
    value = low + position * (high - low)
    assume(value == target or abs(value - target) >= 1e-9)
    verdict = measure.target_verdict(value, target)
    met = measure.meets(value, target)
    assert verdict.startswith("✓ on target" if met else "✗ off target")
    _, _, added = verdict.partition(": ")
    seen = added or format_value(Estimate(code, value, 0, None, None, measure.unit))
    assert measure.meets(shown_number(seen), target) == met, (verdict, seen)
