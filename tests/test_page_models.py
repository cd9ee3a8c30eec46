"""Page models: the rules a user can see are decided once, in cx, and every page agrees."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from cx import assessment, heat_map, roadmap, roadmap_view
from cx.assessment import RatingEntry
from cx.framework import CELLS
from cx.glance import build_glance
from cx.roadmap import ActionInput
from cx.status import percent_done
from cx.store import Database

NOW = datetime(2026, 11, 1, 9, 0)
TODAY = date(2026, 11, 15)


def rounds(*rows: tuple[int, str, date, int]) -> pd.DataFrame:
    """A frame like AssessmentStore.rounds(): (round_id, name, held_on, submitted), newest first."""
    frame = pd.DataFrame(rows, columns=["round_id", "name", "held_on", "submitted"])
    frame["raters"] = 4
    return frame


@pytest.mark.parametrize("chosen, expected", [
    (None, 2),   # the newest round with submissions, not the empty newer one
    (3, 3),      # a chosen round wins, even with no submissions yet
    (1, 1),
    (99, 2),     # a chosen round that no longer exists is forgotten
])
def test_the_round_every_page_shows(chosen, expected):
    table = rounds((3, "Q1 2027", date(2027, 1, 20), 0), (2, "Q4 2026", date(2026, 10, 15), 4),
                   (1, "Q2 2026", date(2026, 4, 15), 3))
    assert heat_map.current_round(table, chosen) == expected


def test_with_no_submissions_anywhere_the_newest_round_is_shown():
    table = rounds((5, "Q1 2027", date(2027, 1, 20), 0), (4, "Q4 2026", date(2026, 10, 15), 0))
    assert heat_map.current_round(table) == 5
    assert heat_map.current_round(rounds()) is None


def test_a_round_is_compared_with_the_newest_earlier_round_that_has_submissions():
    table = rounds((3, "Q1 2027", date(2027, 1, 20), 2), (2, "empty", date(2026, 12, 1), 0),
                   (1, "Q2 2026", date(2026, 4, 15), 3))
    assert heat_map.earlier_round(table, 3) == 1
    assert heat_map.earlier_round(table, 1) is None


@pytest.fixture
def team_store(tmp_path):
    db = Database(tmp_path / "models.duckdb")
    store = db.store()
    with store.transaction():
        ids = [store.people.add(name, None, now=NOW) for name in ("Ann", "Ben", "Cat")]
    yield store, ids
    db.close()


def rate(store, round_id, person, level_of) -> None:
    heat_map.submit(store.assessment, round_id, person,
                    [RatingEntry(b, s, level_of(b, s)) for b, s in CELLS], now=NOW)


def test_opening_next_quarters_round_changes_nothing_the_pages_report(team_store):
    """The copies used to disagree: Roadmap dropped its flags while Overview kept the old round."""
    store, (ann, ben, cat) = team_store
    first = heat_map.create_round(store, "Q4 2026 review", date(2026, 10, 15), [ann, ben], created_by=ann,
                                  now=NOW)
    rate(store, first, ann, lambda b, s: "critical" if b == "data" else "progress")
    rate(store, first, ben, lambda b, s: "critical" if b == "data" else "strength")
    roadmap.save_programme(store, date(2026, 1, 1), 4, {}, by=ann, now=NOW)
    before = (build_glance(store, TODAY), roadmap_view.roadmap_page(store), heat_map.round_view(store))

    heat_map.create_round(store, "Q1 2027 review", date(2027, 1, 20), [ann, ben, cat], created_by=ann,
                          now=NOW)
    glance, page = build_glance(store, TODAY), roadmap_view.roadmap_page(store)
    view = heat_map.round_view(store)

    data_cells = {("data", stage) for stage in ("basics", "consistency", "excellence")}
    assert glance.heat_map.name == page.round.name == view.name == "Q4 2026 review"
    assert glance.heat_map.critical() == page.critical == view.critical() == data_cells
    assert (glance.heat_map.critical_cells, view.differing_cells) == (3, 12)
    assert page.critical == before[1].critical and view.name == before[2].name


def test_the_round_view_counts_and_names_who_has_not_submitted(team_store):
    store, (ann, ben, cat) = team_store
    round_id = heat_map.create_round(store, "Q4 2026 review", date(2026, 10, 15), [ann, ben, cat],
                                     created_by=ann, now=NOW)
    rate(store, round_id, ann, lambda b, s: "critical" if (b, s) == ("data", "basics") else "strength")
    heat_map.save_draft(store.assessment, round_id, ben, [RatingEntry("data", "basics", "progress")], now=NOW)
    view = heat_map.round_view(store)
    summary = assessment.summarise(store.assessment.ratings(round_id))
    assert (view.submitted, view.rater_count) == (1, 3)
    assert view.critical_cells == int((summary["consensus"] == "critical").sum()) == 1
    assert view.raters_sentence() == (
        "1 of 3 raters have submitted; still to submit: Ben (draft), Cat (not started).")
    assert view.comparison is None and view.improved_cells is None


def test_plan_progress_is_the_one_count_behind_every_page(team_store):
    store, (ann, _, _) = team_store
    roadmap.save_programme(store, date(2026, 1, 1), 4, {}, by=ann, now=NOW)
    statuses = ["done", "done", "in_progress", "blocked", "not_started"]
    for number, status in enumerate(statuses):
        due = date(2026, 6, 30) if number == 2 else date(2027, 6, 30)  # the in-progress one is overdue
        roadmap.create_action(store, ActionInput(f"Action {number}", "basics", ("data",), None, status,
                                                 date(2026, 1, 1), due), by=ann, now=NOW)
    actions = store.roadmap.actions()
    plan = roadmap.plan_progress(actions, TODAY)
    counts = (plan.total, plan.done, plan.in_progress, plan.blocked, plan.not_started, plan.overdue)
    assert counts == (5, 2, 1, 1, 1, 1)
    assert plan.percent_done == percent_done(2, 5) == 40
    by_stage = roadmap.progress(actions, "stage").set_index("code")
    assert by_stage.loc["basics", "percent_done"] == plan.percent_done
    glance = build_glance(store, TODAY)
    assert glance.roadmap.progress == plan
    assert plan.sentence() == "Roadmap: 2 of 5 actions done (40%), 1 in progress; 1 overdue and 1 blocked."
    assert glance.roadmap.attention["Action"].tolist() == ["Action 2", "Action 3"]


def test_the_roadmap_page_model_without_a_heat_map_or_a_programme(team_store):
    store, _ = team_store
    page = roadmap_view.roadmap_page(store)
    assert page.programme is None and page.round is None
    assert page.critical == set() and page.suggestions == {} and page.actions.empty
    assert build_glance(store, TODAY).heat_map is None
