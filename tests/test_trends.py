"""Trends: the pure calculations against hand-computed values, the store's queries, invariants."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx import measures, metrics, trends
from cx.measures import MEASURES, measure
from cx.store import Database
from cx.store.filters import Slice
from cx.store.uploads import UploadBatch


def aggregates(**counts) -> pd.Series:
    base = {"responses": 0, "nps_n": 0, "promoters": 0, "detractors": 0, "csat_n": 0,
            "csat_satisfied": 0, "ces_n": 0, "ces_sum": 0.0, "ces_sumsq": 0.0}
    return pd.Series({**base, **counts})


def put(store, rows: list[dict], source: str = "test") -> None:
    frame = pd.DataFrame(rows)
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch(source, datetime(2026, 11, 1), 0), "responses")
        store.uploads.insert_responses(batch, source, frame)


# ------------------------------------------------------------------ pure calculations

def test_estimates_match_hand_computed_values():
    row = aggregates(nps_n=10, promoters=5, detractors=2, csat_n=8, csat_satisfied=6,
                     ces_n=4, ces_sum=20.0, ces_sumsq=102.0)
    assert MEASURES["nps"].estimate(row).value == pytest.approx(30.0)
    assert MEASURES["csat"].estimate(row).value == pytest.approx(75.0)
    assert MEASURES["ces"].estimate(row).value == pytest.approx(5.0)
    with pytest.raises(ValueError, match="Measure"):
        measure("sentiment")  # FFT became a measure (issue 15); an unknown code still raises


def test_a_planted_difference_is_significant_and_noise_is_not():
    big = MEASURES["csat"].compare(aggregates(csat_n=400, csat_satisfied=320),
                         aggregates(csat_n=400, csat_satisfied=260))
    assert big[2].change == pytest.approx(15.0) and big[2].significant
    noise = MEASURES["csat"].compare(aggregates(csat_n=400, csat_satisfied=322),
                           aggregates(csat_n=400, csat_satisfied=318))
    assert noise[2].change == pytest.approx(1.0) and not noise[2].significant


def test_service_target_applies_only_when_that_one_service_is_chosen():
    targets = pd.DataFrame({"metric": ["csat", "csat", "nps"], "service": ["", "Highways", ""],
                            "target": [90.0, 65.0, 20.0]})
    assert trends.target_for(targets, "csat", ()) == 90.0
    assert trends.target_for(targets, "csat", ("Highways",)) == 65.0
    assert trends.target_for(targets, "csat", ("Highways", "Parking")) == 90.0
    assert trends.target_for(targets, "ces", ()) is None


@pytest.mark.parametrize(("metric", "target", "message"), [
    ("csat", 120, "Target for CSAT: must be between 0 and 100"),
    ("nps", -101, "Target for NPS"),
    ("ces", 0.5, "Target for CES: must be between 1 and 7"),
    ("sentiment", 50, "Measure"),
    ("fft", 101, "Target for FFT: must be between 0 and 100"),
])
def test_targets_outside_the_scale_are_refused_by_name(metric, target, message):
    with pytest.raises(ValueError, match=message):
        measure(metric).check_target(target)


def test_headline_skips_a_thin_newest_period_and_says_on_or_below_target_in_words():
    rows = pd.DataFrame([
        {"period": date(2026, 8, 1), **aggregates(csat_n=100, csat_satisfied=80)},
        {"period": date(2026, 9, 1), **aggregates(csat_n=100, csat_satisfied=92)},
        {"period": date(2026, 10, 1), **aggregates(csat_n=5, csat_satisfied=1)},
    ])
    top = trends.headline(rows, "csat", "month", 30, 90.0)
    assert top.period == "September 2026" and top.previous_period == "August 2026"
    assert top.current.value == pytest.approx(92.0)
    sentence = top.sentence()
    assert sentence.startswith("Satisfaction (CSAT) in September 2026: 92% (n = 100;")
    assert "up 12 points on August 2026 (80%, n = 100); a statistically significant change" in sentence
    assert sentence.endswith("✓ on target (target 90% or more).")
    table = trends.trend_table(rows, "csat", "month", 30, 90.0)
    assert table["reliable"].tolist() == [True, True, False]
    assert table["Target"].tolist()[0] == "✗ off target (target 90% or more)"
    assert table["Target"].tolist()[2] == "fewer than 30 answers"


def test_group_comparison_sentence_names_both_groups_and_the_test():
    result = trends.compare_groups("csat", ("Parking", aggregates(csat_n=400, csat_satisfied=320)),
                                   ("Highways", aggregates(csat_n=400, csat_satisfied=260)), 30)
    assert result.sentence() == (
        "CSAT: Parking 80% (n = 400) is 15 points higher than Highways 65% (n = 400); a statistically "
        "significant difference (two-proportion z-test at 95%).")
    assert result.table()["95% interval"].iloc[-1] == "✱ significant"
    thin = trends.compare_groups("csat", ("A", aggregates(csat_n=10, csat_satisfied=9)),
                                 ("B", aggregates(csat_n=400, csat_satisfied=260)), 30)
    assert thin.sentence().startswith("Too few answers to compare: A n = 10")


def test_staff_below_the_minimum_are_hidden_and_counted():
    rows = pd.DataFrame([
        {"staff_id": "S1", **aggregates(csat_n=50, csat_satisfied=40)},
        {"staff_id": "S2", **aggregates(csat_n=3, csat_satisfied=3)},
        {"staff_id": "S3", **aggregates(csat_n=60, csat_satisfied=57)},
    ])
    table, hidden = trends.breakdown_table(rows, "csat", "staff_id", 30, hide_small=True)
    assert hidden == 1 and table["group"].tolist() == ["S3", "S1"]
    shown, none_hidden = trends.breakdown_table(rows, "csat", "staff_id", 30)
    assert none_hidden == 0 and shown["group"].tolist() == ["S3", "S1", "S2"]


def test_kpi_ratios_are_summed_counts_not_averaged_percentages():
    # Two services: 90 of 100 and 10 of 100 -> 50%, although a mean of 90% and 10% is also 50%;
    # with 900 of 1000 and 10 of 100 the right answer is 910/1100 = 82.7%, the mean would be 50%.
    totals = pd.DataFrame([{"period": date(2026, 10, 1), "metric": "answered_within_20s",
                            "numerator": 910.0, "denominator": 1100.0, "value": None, "services": 2}])
    targets = pd.DataFrame([{"metric": "answered_within_20s", "service": "", "target": 80.0}])
    table = trends.kpi_table(totals, "month", targets)
    assert table["value"].iloc[0] == pytest.approx(100 * 910 / 1100)
    assert table["Target"].iloc[0] == "✓ on target (target 80% or more)"


# ------------------------------------------------------------------ store queries

def test_comments_put_unhappy_customers_first_and_search_literally(store):
    put(store, [
        {"response_id": "1", "completed_at": datetime(2026, 10, 3), "nps": 10,
         "comment": "Great 100% service"},
        {"response_id": "2", "completed_at": datetime(2026, 10, 1), "nps": 2, "comment": "Bin missed again"},
        {"response_id": "3", "completed_at": datetime(2026, 10, 2), "csat": 1,
         "comment": "Rude on the phone"},
        {"response_id": "4", "completed_at": datetime(2026, 10, 4), "nps": 8, "comment": "   "},
    ])
    page = store.surveys.comments(Slice())
    assert page["comment"].tolist() == ["Rude on the phone", "Bin missed again", "Great 100% service"]
    assert page["unhappy"].tolist() == [True, True, False]
    assert store.surveys.comment_count(Slice()) == 3
    assert store.surveys.comments(Slice(), search="100%")["comment"].tolist() == ["Great 100% service"]
    assert store.surveys.comment_count(Slice(), search="%") == 1
    assert store.surveys.comments(Slice(), search="BIN")["comment"].tolist() == ["Bin missed again"]
    assert store.surveys.comments(Slice(), limit=1, offset=1)["comment"].tolist() == ["Bin missed again"]


def test_weekday_hour_groups_by_iso_day_and_hour(store):
    put(store, [
        {"response_id": "1", "completed_at": datetime(2026, 10, 5, 9, 15), "csat": 5},   # Monday
        {"response_id": "2", "completed_at": datetime(2026, 10, 5, 9, 45), "csat": 2},
        {"response_id": "3", "completed_at": datetime(2026, 10, 11, 17, 0), "csat": 4},  # Sunday
    ])
    rows = store.surveys.by_weekday_hour()
    assert rows[["weekday", "hour", "csat_n", "csat_satisfied"]].values.tolist() == [
        [1, 9, 2, 1], [7, 17, 1, 1]]


def test_extra_attributes_list_short_value_lists_and_filter(store):
    rows = [{"response_id": str(i), "completed_at": datetime(2026, 10, 1), "csat": 5 if i % 2 else 1,
             "extra_keys": ["Age band", "Ticket"], "extra_values": ["18-24" if i % 2 else "65+", f"T{i}"]}
            for i in range(60)]
    put(store, rows)
    attributes = store.surveys.extra_attributes()
    assert set(attributes["name"]) == {"Age band"}  # 60 distinct tickets are too many to list
    assert attributes["value"].tolist() == ["18-24", "65+"]
    young = store.surveys.metrics(Slice(extra=(("Age band", ("18-24",)),)))
    assert int(young["csat_n"].iloc[0]) == 30 and int(young["csat_satisfied"].iloc[0]) == 30


def test_targets_are_set_replaced_and_removed(store):
    now = datetime(2026, 11, 1)
    with store.transaction():
        measures.save_target(store.surveys, "csat", "", 90, updated_by=None, now=now)
        measures.save_target(store.surveys, "csat", "", 85, updated_by=None, now=now)
        measures.save_target(store.surveys, "csat", "Highways", 65, updated_by=None, now=now)
    assert store.surveys.targets(["csat"])[["metric", "service", "target"]].values.tolist() == [
        ["csat", "", 85.0], ["csat", "Highways", 65.0]]
    with store.transaction():
        measures.save_target(store.surveys, "csat", "Highways", None, updated_by=None, now=now)
    assert len(store.surveys.targets(["csat"])) == 1
    with pytest.raises(ValueError, match="Target for NPS"), store.transaction():
        measures.save_target(store.surveys, "nps", "", 150, updated_by=None, now=now)


# ------------------------------------------------------------------ invariants

answers = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=60)


@settings(max_examples=40)
@given(scores=answers)
def test_nps_from_sql_equals_the_formula_and_stays_in_range(tmp_path_factory, scores):
    db = Database(tmp_path_factory.mktemp("nps") / "n.duckdb")
    try:
        store = db.store()
        put(store, [{"response_id": str(i), "completed_at": datetime(2026, 10, 1), "nps": s}
                    for i, s in enumerate(scores)])
        from_sql = MEASURES["nps"].estimate(store.surveys.metrics().iloc[0])
    finally:
        db.close()
    direct = metrics.nps(sum(s >= 9 for s in scores), sum(s <= 6 for s in scores), len(scores))
    assert from_sql.value == pytest.approx(direct.value)
    # The adjusted-Wald interval is centred on the adjusted estimate, so it need not
    # contain the raw value at tiny n; both must stay on the scale.
    assert -100 <= from_sql.value <= 100 and -100 <= from_sql.low <= from_sql.high <= 100


@given(scores=answers, seed=st.randoms())
def test_nps_does_not_depend_on_the_order_of_answers(scores, seed):
    shuffled = list(scores)
    seed.shuffle(shuffled)
    def score(values):
        return metrics.nps(sum(s >= 9 for s in values), sum(s <= 6 for s in values), len(values)).value
    assert score(scores) == pytest.approx(score(shuffled))


def test_a_slice_in_words_names_what_is_restricted_and_what_is_not():
    names = {"gov": "GovMetric web", "fft": "Friends and Family"}
    whole_year = Slice(headline_only=True, start=date(2025, 11, 1), end=date(2026, 10, 31))
    assert trends.slice_words(whole_year, names) == (
        "Headline surveys; completed 1 November 2025 to 31 October 2026; every service, channel, area and "
        "customer segment.")
    assert trends.slice_words(Slice(survey=("gov",), service=("Waste", "Parking"), area=("North",),
                                    extra=(("Age band", ("18-24",)),)), names) == (
        "GovMetric web; completed any date; Service: Waste, Parking; Area: North; Age band: 18-24; every "
        "channel and customer segment.")
    assert trends.slice_words(Slice(start=date(2026, 1, 1), service=("A",), channel=("B",), area=("C",),
                                    segment=("D",)), names) == (
        "Every survey; completed from 1 January 2026; Service: A; Channel: B; Area: C; Customer segment: D.")
