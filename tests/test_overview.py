import dataclasses
from datetime import date, datetime

import pandas as pd
import pytest

from cx.overview import build_overview
from cx.store.uploads import UploadBatch

from .test_store import load, responses


def test_empty_database_has_no_overview(store):
    assert build_overview(store) is None


def test_month_so_far_against_the_same_days_of_the_month_before(store):
    rows = [(f"s{i}", datetime(2026, 9, 3), "Waste", 10 if i < 20 else 0, 5, 7) for i in range(40)]
    rows += [(f"o{i}", datetime(2026, 10, 5), "Waste", 10 if i < 30 else 0, 4, 6) for i in range(40)]
    rows += [("old", datetime(2026, 7, 1), "Waste", 0, 1, 1)]  # outside both periods
    rows += [("late", datetime(2026, 9, 20), "Waste", 10, 5, 7)]  # after the same days of September
    load(store, responses(rows))
    view = build_overview(store, "month")
    assert (view.period, view.previous_period) == ("October 2026 so far", "the same days of September 2026")
    assert "first 5 days (1 October 2026 to 5 October 2026)" in view.comparison_words
    assert "(1 September 2026 to 5 September 2026)" in view.comparison_words
    nps = view.headlines[0]
    assert nps.current.value == pytest.approx(100 * (30 - 10) / 40)
    assert nps.previous.value == 0.0
    assert nps.comparison.change == pytest.approx(50.0)
    assert nps.comparison.significant
    assert view.responses == 40 and view.previous_responses == 40
    assert view.partial_period  # newest answer on 5 October
    assert "up 50 points on the same days of September 2026" in nps.sentence(30)
    assert nps.sentence(30).endswith("(two-sample z-test on NPS at 95%); no target set.")
    with_target = dataclasses.replace(nps, target=20.0)
    assert with_target.sentence(30).endswith("; ✓ on target (target +20 or more).")
    assert nps.verdict(30).word == "Significantly better"
    assert view.monthly_volume["responses"].tolist() == [1, 41, 40]  # July, September, October
    assert [e.n for e in nps.history] == [1, 41, 40]


def test_a_complete_quarter_is_compared_with_the_whole_quarter_before(store):
    rows = [(f"a{i}", datetime(2026, 7, 2), "Waste", 9, 5, 7) for i in range(40)]
    rows += [(f"b{i}", datetime(2026, 9, 30), "Waste", 9, 5, 7) for i in range(40)]
    rows += [(f"c{i}", datetime(2026, 12, 30), "Waste", 9 if i % 2 else 5, 5, 7) for i in range(40)]
    load(store, responses(rows))
    view = build_overview(store, "quarter")
    assert not view.partial_period
    assert (view.period, view.previous_period) == ("Q4 2026", "Q3 2026")
    assert view.previous_responses == 80
    nps = view.headlines[0]
    assert nps.previous.n == 80 and nps.current.value == 0.0
    assert nps.verdict(30).word == "Significantly worse"
    assert view.comparison_words == "Q4 2026 against Q3 2026: two complete quarters."


def test_a_change_that_is_not_significant_is_told_apart(store):
    rows = [(f"a{i}", datetime(2026, 9, 2), "Waste", 9 if i < 20 else 5, 5, 7) for i in range(40)]
    rows += [(f"b{i}", datetime(2026, 10, 30), "Waste", 9 if i < 22 else 5, 5, 7) for i in range(40)]
    load(store, responses(rows))
    nps = build_overview(store, "month").headlines[0]
    assert nps.comparison.change == pytest.approx(10.0) and not nps.comparison.significant
    assert nps.verdict(30).tag == "≈ No significant change"


def test_small_samples_are_flagged_in_the_sentence(store):
    load(store, responses([(f"r{i}", datetime(2026, 10, 2), "Waste", 9, 5, 7) for i in range(5)]))
    view = build_overview(store, "quarter")
    assert view.period == "Q4 2026 so far" and view.previous_period == "the same days of Q3 2026"
    assert not view.headlines[0].reliable(30)
    assert "too uncertain to headline" in view.headlines[0].sentence(30)


def test_contact_centre_sums_services_before_dividing(store):
    kpis = pd.DataFrame({
        "period_start": [date(2026, 10, 1)] * 2 + [date(2026, 9, 1)] * 2,
        "service": ["Waste", "Parking"] * 2,
        "metric": ["answered_within_20s"] * 4,
        "numerator": [90.0, 100.0, 50.0, 50.0],
        "denominator": [100.0, 900.0, 100.0, 100.0],
    })
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch("cc", datetime(2026, 11, 1), 0), "kpi")
        store.uploads.insert_kpi_observations(batch, kpis)
    view = build_overview(store)
    service_level = view.contact_centre[0]
    # (90 + 100) / (100 + 900) = 19%, not the mean of 90% and 11%.
    assert service_level.current.value == pytest.approx(19.0)
    assert service_level.previous.value == pytest.approx(50.0)
    assert service_level.sentence().endswith("; ✗ off target (target 80% or more).")


def test_only_months_or_quarters(store):
    with pytest.raises(ValueError, match="months or quarters"):
        build_overview(store, "week")
