from datetime import date, datetime

import pandas as pd
import pytest

from cx.overview import build_overview
from cx.store.uploads import UploadBatch

from .test_store import load, responses


def test_empty_database_has_no_overview(store):
    assert build_overview(store) is None


def test_latest_month_against_previous_month(store):
    rows = [(f"s{i}", datetime(2026, 9, 10), "Waste", 10 if i < 20 else 0, 5, 7) for i in range(40)]
    rows += [(f"o{i}", datetime(2026, 10, 5), "Waste", 10 if i < 30 else 0, 4, 6) for i in range(40)]
    rows += [("old", datetime(2026, 7, 1), "Waste", 0, 1, 1)]  # outside both periods
    load(store, responses(rows))
    view = build_overview(store, "month")
    assert (view.period, view.previous_period) == ("October 2026", "September 2026")
    nps = view.headlines[0]
    assert nps.current.value == pytest.approx(100 * (30 - 10) / 40)
    assert nps.previous.value == 0.0
    assert nps.comparison.change == pytest.approx(50.0)
    assert nps.comparison.significant
    assert view.responses == 40 and view.previous_responses == 40
    assert view.partial_period  # newest answer on 5 October
    assert "up 50 points on September 2026" in nps.sentence(30)
    assert view.monthly_volume["responses"].tolist() == [1, 40, 40]  # July, September, October


def test_small_samples_are_flagged_in_the_sentence(store):
    load(store, responses([(f"r{i}", datetime(2026, 10, 2), "Waste", 9, 5, 7) for i in range(5)]))
    view = build_overview(store, "quarter")
    assert view.period == "Q4 2026" and view.previous_period == "Q3 2026"
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
    assert service_level.on_target is False
    assert "off target" in service_level.sentence()


def test_only_months_or_quarters(store):
    with pytest.raises(ValueError, match="months or quarters"):
        build_overview(store, "week")
