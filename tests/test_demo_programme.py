"""The demo council's heat-map rounds and roadmap: deterministic, dated from the end month, lively."""

from datetime import date, datetime

import pandas as pd
import pytest

from cx import assessment, demo, roadmap
from cx.store import Database

from .conftest import DEMO_TODAY


@pytest.fixture(scope="module")
def demo_store(demo_db_path):
    """The session's demo database, built with DEMO_TODAY (these tests only read it)."""
    db = Database(demo_db_path)
    yield db.store()
    db.close()


def snapshot(store) -> dict[str, pd.DataFrame]:
    rounds = store.assessment.rounds()
    return {
        "rounds": rounds,
        "ratings": pd.concat([store.assessment.history(int(r)) for r in rounds["round_id"]]),
        "actions": store.roadmap.actions().drop(columns="blocks"),
        "changes": store.roadmap.recent_changes(limit=1000),
    }


def test_the_same_end_month_gives_the_same_programme(demo_store, tmp_path):
    again = Database(tmp_path / "again.duckdb")
    demo.install_demo(again.store(), DEMO_TODAY)
    first, second = snapshot(demo_store), snapshot(again.store())
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
    again.close()


def test_two_rounds_by_the_four_leaders_with_real_disagreement(demo_store):
    rounds = demo_store.assessment.rounds()
    assert rounds["name"].tolist() == ["Q4 2026 review", "Q2 2026 review"]
    assert [d.date() for d in rounds["held_on"]] == [date(2026, 10, 15), date(2026, 4, 15)]
    assert rounds["raters"].tolist() == [4, 4] and rounds["submitted"].tolist() == [4, 4]
    for round_id in rounds["round_id"]:
        summary = assessment.summarise(demo_store.assessment.ratings(int(round_id)))
        assert (summary["n"] == 4).all()
        assert (summary["spread"] == 2).any()  # someone says strength where another says critical
        assert summary["views_differ"].sum() >= 4
        assert summary["comments"].map(len).sum() >= 5
    raters = demo_store.assessment.raters(int(rounds["round_id"].iloc[0])).set_index("name")
    assert raters.loc["Tom Hargreaves", "submissions"] == 2  # re-rated; the first stays in history


def test_the_roadmap_is_a_year_in_with_a_realistic_mix(demo_store):
    programme = demo_store.roadmap.programme()
    assert (programme["start_date"], programme["years"]) == (date(2025, 11, 1), 4)
    actions = demo_store.roadmap.actions()
    statuses = actions["status"].value_counts()
    assert set(statuses.index) == {"not_started", "in_progress", "done", "blocked"}
    # cx.demo_impact adds three done actions with a measured before and after.
    assert 8 <= statuses["done"] <= 11 and statuses["blocked"] == 1
    overdue = roadmap.overdue(actions, DEMO_TODAY)
    assert actions.loc[overdue, "title"].tolist() == [
        "Review digital fixes that can be made in the short term", "Clear the planning validation backlog"]
    assert len(demo_store.roadmap.actions(archived=True)) == 1
    assert actions["owner"].notna().sum() >= 12
    changes = demo_store.roadmap.recent_changes(limit=1000)
    assert changes["changed_at"].max() < datetime(2026, 11, 1)  # nothing after the demo's end month
    assert set(changes["changed_by"]) == {"Amara Okafor", "Tom Hargreaves", "Gareth Lewis", "Priya Nair"}


def test_the_latest_round_suggests_moving_employee_empowerment_on(demo_store):
    assert set(demo_store.roadmap.entry_stages().values()) == {"basics"}
    newest = int(demo_store.assessment.rounds().iloc[0, 0])
    latest = assessment.summarise(demo_store.assessment.ratings(newest))
    suggested = {block: stage for block, (stage, _) in roadmap.suggest_entry_stages(latest).items()}
    assert suggested["employees"] == "consistency"
    flags = roadmap.critical_flags(demo_store.roadmap.actions(), assessment.critical_cells(latest))
    assert flags.ne("").sum() >= 3
