from datetime import date

import pandas as pd
import pytest

from cx import demo
from cx.store import Database

END = date(2026, 10, 1)


@pytest.fixture(scope="module")
def data():
    return demo.build_demo(END)


def test_same_seed_same_data(data):
    again = demo.build_demo(END)
    pd.testing.assert_frame_equal(data.responses, again.responses)
    pd.testing.assert_frame_equal(data.kpis, again.kpis)


def test_two_years_of_about_fifty_thousand_responses(data):
    r = data.responses
    assert 45_000 <= len(r) <= 55_000
    assert r["response_id"].is_unique
    assert r["completed_at"].min() >= pd.Timestamp(2024, 11, 1)
    assert r["completed_at"].max() < pd.Timestamp(2026, 11, 1)
    assert r["completed_at"].dt.to_period("M").nunique() == 24
    assert set(r["service"]) == set(demo.SERVICES)


def csat_share(frame):
    answered = frame["csat"].dropna()
    return 100 * (answered >= 4).mean()


def test_waste_improves_and_planning_slips(data):
    r = data.responses
    first = r[r["completed_at"] < pd.Timestamp(2025, 5, 1)]
    last = r[r["completed_at"] >= pd.Timestamp(2026, 5, 1)]
    for service, direction in (("Waste and recycling", 1), ("Planning", -1)):
        change = csat_share(last[last.service == service]) - csat_share(first[first.service == service])
        assert direction * change > 10, (service, change)


def test_highways_is_worse_in_winter(data):
    highways = data.responses[data.responses.service == "Highways"]
    month = highways["completed_at"].dt.month
    assert csat_share(highways[month.isin([12, 1, 2])]) < csat_share(highways[month.isin([6, 7, 8])]) - 5


def test_assisted_channels_answer_in_office_hours_on_weekdays(data):
    r = data.responses
    assisted = r[r.channel.isin(["Phone", "Face to face"])]
    assert assisted["completed_at"].dt.hour.between(8, 17).all()
    assert (assisted["completed_at"].dt.day_of_week < 5).all()
    assert assisted["staff_id"].notna().all()
    assert r.loc[r.channel == "Web", "staff_id"].isna().all()


def test_comments_are_present_and_some_would_be_formulas_in_a_spreadsheet(data):
    comments = data.responses["comment"].dropna()
    assert 0.2 < len(comments) / len(data.responses) < 0.5
    assert comments.str.match(r"^[-=+@]").any()


def test_contact_centre_counts_are_consistent(data):
    k = data.kpis
    wide = k[k.metric != "employee_engagement"].pivot_table(
        index=["period_start", "service"], columns="metric", values=["numerator", "denominator"]
    )
    offered = wide[("denominator", "answered_within_20s")]
    answered = wide[("denominator", "first_contact_resolution")]
    assert (wide[("denominator", "abandoned")] == offered).all()
    assert (answered + wide[("numerator", "abandoned")] == offered).all()
    assert (wide[("numerator", "answered_within_20s")] <= answered).all()
    assert (wide[("numerator", "first_contact_resolution")] <= answered).all()


def test_installs_in_one_transaction_and_records_its_end_month(tmp_path):
    db = Database(tmp_path / "d.duckdb")
    store = db.store()
    written = demo.install_demo(store, today=date(2026, 11, 23))
    assert store.admin.table_counts()["responses"] == written
    assert store.admin.meta("demo_end_month") == "2026-10-01"
    assert store.data_version() == 1
    db.close()


def test_last_complete_month():
    assert demo.last_complete_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert demo.last_complete_month(date(2026, 11, 1)) == date(2026, 10, 1)
