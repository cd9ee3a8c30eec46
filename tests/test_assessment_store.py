"""Heat-map rounds in the database: raters, drafts, submissions and history."""

from datetime import date, datetime

import duckdb
import pytest

from cx import heat_map
from cx.assessment import IncompleteSubmission, RatingEntry
from cx.framework import CELLS

NOW = datetime(2027, 1, 10, 9, 30)


@pytest.fixture
def team(store):
    with store.transaction():
        ids = [store.people.add(name, role, now=NOW)
               for name, role in (("Ann", "Director"), ("Ben", "Head of Waste"), ("Cal", None))]
        round_id = heat_map.create_round(store, "Q1 2027 review", date(2027, 1, 20), ids[:2],
                                                 created_by=ids[0], now=NOW)
    return round_id, ids


def full(level="progress", **overrides):
    return [RatingEntry(b, s, overrides.get(f"{b}_{s}", level)) for b, s in CELLS]


def test_rounds_list_raters_and_submissions(store, team):
    round_id, (ann, ben, cal) = team
    rounds = store.assessment.rounds()
    assert rounds[["name", "raters", "submitted"]].values.tolist() == [["Q1 2027 review", 2, 0]]
    assert rounds.iloc[0]["held_on"].date() == date(2027, 1, 20)
    assert store.assessment.raters(round_id)["status"].tolist() == ["not started", "not started"]


@pytest.mark.parametrize("name, raters, message", [
    ("q1 2027 REVIEW", [1], "Round name: there is already a round called q1 2027 REVIEW"),
    ("Q2", [999], r"Raters: no person with id \[999\]"),
    ("", [1], "Round name: enter a name"),
])
def test_bad_rounds_are_refused_naming_the_field(store, team, name, raters, message):
    with pytest.raises(ValueError, match=message), store.transaction():
        heat_map.create_round(store, name, date(2027, 4, 1), raters, created_by=None, now=NOW)
    assert len(store.assessment.rounds()) == 1


def test_a_draft_is_kept_and_replaced_until_submitted(store, team):
    round_id, (ann, _, _) = team
    with store.transaction():
        heat_map.save_draft(store.assessment, round_id, ann,
                            [RatingEntry("data", "basics", "critical", " Gaps ")], now=NOW)
    with store.transaction():
        heat_map.save_draft(store.assessment, round_id, ann, [RatingEntry("data", "basics", None, "Unsure"),
                                                RatingEntry("culture", "basics", "strength")], now=NOW)
    sheet = store.assessment.sheet(round_id, ann).sort_values("block")
    assert sheet[["block", "level", "comment", "source"]].fillna("-").values.tolist() == [
        ["culture", "strength", "-", "draft"], ["data", "-", "Unsure", "draft"]]
    assert store.assessment.raters(round_id).set_index("name").loc["Ann", "status"] == "draft"
    assert store.assessment.ratings(round_id).empty  # drafts never count


def test_an_incomplete_submission_writes_nothing(store, team):
    round_id, (ann, _, _) = team
    partial = [e for e in full() if (e.block, e.stage) != ("branding", "excellence")]
    with pytest.raises(IncompleteSubmission, match=r"Branding and shared values \(Customer excellence\)"), \
            store.transaction():
        heat_map.submit(store.assessment, round_id, ann, partial, now=NOW)
    assert store.assessment.ratings(round_id).empty
    assert store.admin.table_counts()["assessment_submissions"] == 0


def test_re_rating_replaces_the_answer_and_keeps_the_earlier_one(store, team):
    round_id, (ann, ben, _) = team
    with store.transaction():
        heat_map.save_draft(store.assessment, round_id, ann, [RatingEntry("data", "basics", "critical")],
                            now=NOW)
        heat_map.submit(store.assessment, round_id, ann, full("progress"), now=NOW)
        heat_map.submit(store.assessment, round_id, ben, full("strength"), now=NOW)
    later = datetime(2027, 1, 12)
    with store.transaction():
        heat_map.submit(store.assessment, round_id, ann, full("progress", data_basics="critical"), now=later)
    current = store.assessment.ratings(round_id)
    assert len(current) == 30
    ann_data = current[(current.rater == "Ann") & (current.block == "data") & (current.stage == "basics")]
    assert ann_data["level"].tolist() == ["critical"]
    history = store.assessment.history(round_id)
    ann_history = history[(history.rater == "Ann") & (history.block == "data") & (history.stage == "basics")]
    assert ann_history[["submission", "current", "level"]].values.tolist() == [
        [1, False, "progress"], [2, True, "critical"]]
    raters = store.assessment.raters(round_id).set_index("name")
    assert raters.loc["Ann", "status"] == "submitted" and raters.loc["Ann", "submissions"] == 2
    assert store.assessment.sheet(round_id, ann)["source"].unique().tolist() == ["submitted"]
    assert store.assessment.rounds().iloc[0]["submitted"] == 2


def test_only_raters_of_the_round_can_rate(store, team):
    round_id, (_, _, cal) = team
    with pytest.raises(ValueError, match="Rater: you are not one of this round's raters"):
        heat_map.save_draft(store.assessment, round_id, cal, [], now=NOW)
    with store.transaction():
        assert store.assessment.add_raters(round_id, [cal, cal]) == 1
    with store.transaction():
        heat_map.save_draft(store.assessment, round_id, cal, [RatingEntry("data", "basics", "strength")],
                            now=NOW)
    with pytest.raises(ValueError, match="Round: there is no round with id 99"):
        store.assessment.add_raters(99, [cal])


def test_the_schema_refuses_levels_outside_the_framework(store, team, database):
    round_id, (ann, _, _) = team
    cursor = database._con.cursor()
    with pytest.raises(duckdb.ConstraintException):
        cursor.execute("INSERT INTO assessment_drafts "
                       "VALUES (?, ?, 'data', 'basics', 'amber', NULL, NULL, ?)", [round_id, ann, NOW])
