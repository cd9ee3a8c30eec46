"""Metric formulas against hand-computed values, plus invariants checked with Hypothesis."""

import math
import random
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx import metrics
from cx.store import Database
from cx.store.uploads import UploadBatch


def test_nps_value_and_adjusted_wald_interval_by_hand():
    # 50 promoters, 20 detractors, 100 answers: NPS = 50% - 20% = +30.
    # Adjusted: pP = 50.75/103 = 0.49272, pD = 20.75/103 = 0.20146, centre 0.29126,
    # variance 0.69417 - 0.08483 = 0.60934, se = sqrt(0.60934/103) = 0.07692,
    # margin 1.96 * 0.07692 = 0.15075 -> interval 14.05 to 44.20.
    est = metrics.nps(50, 20, 100)
    assert est.value == 30.0 and est.n == 100 and est.unit == "points"
    assert est.low == pytest.approx(14.05, abs=0.01)
    assert est.high == pytest.approx(44.20, abs=0.01)


def test_nps_margins_match_the_rules_of_thumb():
    # With 40% promoters and 30% detractors the 95% margin is about +-16 points at
    # n = 100 and about +-10 at n = 290 (design notes).
    for n, margin in ((100, 16), (290, 9.5)):
        est = metrics.nps(int(0.4 * n), int(0.3 * n), n)
        assert (est.high - est.low) / 2 == pytest.approx(margin, abs=1.0)


def test_csat_is_top_two_box_with_wilson_interval():
    est = metrics.csat(8, 10)
    assert est.value == 80.0
    assert (est.low, est.high) == pytest.approx((49.02, 94.33), abs=0.01)


def test_ces_mean_and_interval_by_hand():
    # Answers 7, 6, 2, 4: mean 4.75, sample sd sqrt(14.75/3) = 2.2174, se 1.1087.
    est = metrics.ces(total=19, total_sq=105, n=4)
    assert est.value == 4.75
    assert (est.low, est.high) == pytest.approx((2.577, 6.923), abs=0.001)


def test_two_proportion_test_by_hand():
    # 60/100 against 45/100: pooled 0.525, se = sqrt(0.525*0.475*0.02) = 0.07062, z = 2.124.
    result = metrics.compare_proportions((60, 100), (45, 100))
    assert result.change == pytest.approx(15.0)
    assert result.z == pytest.approx(2.124, abs=0.001)
    assert result.significant
    assert not metrics.compare_proportions((52, 100), (45, 100)).significant


def test_nps_test_uses_the_variance_formula():
    # Current 50/20 of 100 and previous 30/30 of 100: difference 30 points.
    # var1 = 0.7 - 0.09 = 0.61, var2 = 0.6 - 0 = 0.6; se = 100*sqrt(0.0121) = 11.0; z = 2.727.
    result = metrics.compare_nps((50, 20, 100), (30, 30, 100))
    assert result.change == pytest.approx(30.0)
    assert result.z == pytest.approx(30 / 11.0, abs=0.001)
    assert result.significant


def test_empty_and_impossible_counts():
    assert metrics.nps(0, 0, 0).value is None
    assert not metrics.nps(0, 0, 0).is_reliable(1)
    with pytest.raises(ValueError):
        metrics.nps(6, 5, 10)
    with pytest.raises(ValueError):
        metrics.csat(11, 10)
    with pytest.raises(ValueError, match="exceeds"):
        metrics.kpi_ratio("Answered", 11, 10)


def test_small_samples_are_not_reliable():
    assert not metrics.nps(10, 5, 29).is_reliable(30)
    assert metrics.nps(10, 5, 30).is_reliable(30)


counts = st.integers(min_value=0, max_value=5000)


@given(promoters=counts, passives=counts, detractors=counts)
def test_nps_and_its_interval_stay_within_bounds(promoters, passives, detractors):
    n = promoters + passives + detractors
    est = metrics.nps(promoters, detractors, n)
    if n == 0:
        assert est.value is None
        return
    assert -100 <= est.low <= est.high <= 100
    assert -100 <= est.value <= 100


@given(successes=counts, failures=counts)
def test_wilson_interval_is_ordered_and_contains_the_share(successes, failures):
    n = successes + failures
    if n == 0:
        return
    low, high = metrics.wilson_interval(successes, n)
    assert 0 <= low <= successes / n <= high <= 1


def nps_by_hand(scores):
    answered = [s for s in scores if s is not None]
    if not answered:
        return None
    return 100 * (sum(s >= 9 for s in answered) - sum(s <= 6 for s in answered)) / len(answered)


@pytest.fixture(scope="module")
def memory_store():
    db = Database(":memory:")
    yield db.store()
    db.close()


@settings(max_examples=40)
@given(scores=st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=60),
       seed=st.integers(0, 1000))
def test_sql_nps_equals_the_formula_in_any_order(memory_store, scores, seed):
    shuffled = scores[:]
    random.Random(seed).shuffle(shuffled)
    results = []
    for order in (scores, shuffled):
        frame = pd.DataFrame({
            "response_id": [f"r{i}" for i in range(len(order))],
            "completed_at": [datetime(2026, 1, 1)] * len(order),
            "nps": pd.array(order, dtype="UInt8"),
        })
        batch = memory_store.uploads.create_batch(UploadBatch("prop", datetime(2026, 1, 1), len(order)),
                                                  "responses")
        try:
            memory_store.uploads.insert_responses(batch, "prop", frame)
            row = memory_store.surveys.metrics().iloc[0]
        finally:
            memory_store.uploads.remove_batch(batch)
        results.append(metrics.nps(int(row["promoters"]), int(row["detractors"]), int(row["nps_n"])).value)
    expected = nps_by_hand(scores)
    for value in results:
        if expected is None:
            assert value is None
        else:
            assert math.isclose(value, expected)
