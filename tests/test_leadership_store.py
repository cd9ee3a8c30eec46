"""Store methods for the checklist, the cultural-change roadmap and journey maps, and their demo content."""

from datetime import date, datetime

import pandas as pd
import pytest

from cx import checklist, culture, demo, journeys
from cx.demo_leadership import WORKED_EXAMPLE_NAME
from cx.errors import DatabaseError
from cx.store import Database

from .conftest import DEMO_TODAY

T0 = datetime(2026, 8, 1, 9, 0)
T1 = datetime(2026, 11, 2, 16, 30)


@pytest.fixture
def team(store):
    with store.transaction():
        ids = {name: store.people.add(name, None, now=T0) for name in ("Ann", "Bob", "Cat")}
    return ids


def test_each_save_adds_a_dated_version_and_history_is_newest_first(store, team):
    with store.transaction():
        checklist.save(store, team["Ann"], "data", "  First thoughts ", shared=False, now=T0)
        checklist.save(store, team["Ann"], "data", "Second thoughts", shared=True, now=T1)
        checklist.save(store, team["Bob"], "data", "Bob's", shared=True, now=T1)
    history = store.leadership.answers_of(team["Ann"])
    assert history["answer"].tolist() == ["Second thoughts", "First thoughts"]
    assert history["shared"].tolist() == [True, False]
    assert history["saved_at"].tolist() == [pd.Timestamp(T1), pd.Timestamp(T0)]


@pytest.mark.parametrize("person, question, answer, message", [
    (999, "data", "x", "^You are: choose someone"),
    (None, "nope", "x", "^Question: 'nope'"),
    (None, "data", "   ", "^Your answer: write something"),
])
def test_bad_checklist_saves_are_refused_naming_the_field(store, team, person, question, answer, message):
    with pytest.raises(ValueError, match=message), store.transaction():
        checklist.save(store, person or team["Ann"], question, answer, shared=False, now=T0)
    assert store.leadership.answers_of(team["Ann"]).empty


def test_others_see_only_newest_answers_their_author_shared(store, team):
    with store.transaction():
        # Ann shared an early answer, then wrote a private one: nothing of hers shows.
        checklist.save(store, team["Ann"], "data", "Ann early, shared", shared=True, now=T0)
        checklist.save(store, team["Ann"], "data", "Ann later, private", shared=False, now=T1)
        checklist.save(store, team["Ann"], "shoes", "Ann private", shared=False, now=T0)
        checklist.save(store, team["Bob"], "culture", "Bob early", shared=False, now=T0)
        checklist.save(store, team["Bob"], "culture", "Bob shared", shared=True, now=T1)
    seen_by_cat = store.leadership.shared_answers(team["Cat"])
    assert seen_by_cat[["name", "question", "answer"]].values.tolist() == [["Bob", "culture", "Bob shared"]]
    assert store.leadership.shared_answers(team["Bob"]).empty
    with store.transaction():
        assert store.leadership.set_sharing(team["Ann"], "data", True)
        assert not store.leadership.set_sharing(team["Cat"], "data", True)
    now_seen = store.leadership.shared_answers(team["Cat"])["answer"].tolist()
    assert now_seen == ["Bob shared", "Ann later, private"]
    # Only the newest version changed its setting.
    anns = store.leadership.answers_of(team["Ann"])
    assert anns.query("question == 'data'")["shared"].tolist() == [True, True]


def test_culture_steps_are_upserted_with_names(store, team):
    with store.transaction():
        culture.save_step(store, 3, "in_progress", team["Bob"], date(2027, 1, 31), "Draft",
                          updated_by=team["Ann"], now=T0)
        culture.save_step(store, 3, "done", None, date(2026, 11, 1), None, updated_by=None, now=T1)
        culture.save_step(store, 7, "in_progress", team["Cat"], None, "Shifts booked",
                          updated_by=team["Cat"], now=T1)
    steps = store.leadership.culture_steps()
    assert steps["step"].tolist() == [3, 7]
    third = steps.iloc[0]
    assert (third["status"], third["step_date"], third["updated_at"]) == (
        "done", pd.Timestamp(2026, 11, 1), pd.Timestamp(T1))
    assert pd.isna(third["owner"]) and pd.isna(third["evidence"]) and pd.isna(third["updated_by_name"])
    assert steps.iloc[1][["owner", "updated_by_name"]].tolist() == ["Cat", "Cat"]
    with pytest.raises(ValueError, match="^Owner: choose someone"), store.transaction():
        culture.save_step(store, 1, "done", 999, None, None, updated_by=None, now=T1)


def stored_steps(*stages, scores=None):
    frame = pd.DataFrame({"position": range(1, len(stages) + 1), "stage": list(stages)})
    for code in journeys.FIELD_CODES[1:]:
        frame[code] = None
    frame["emotion_score"] = pd.array(scores or [None] * len(stages), dtype="Int64")
    return frame[list(journeys.STEP_COLUMNS)]


def test_journeys_are_created_with_unique_names_and_their_versions_replaced(store, team):
    with store.transaction():
        jid = journeys.create(store, " Report a missed bin ", "", updated_by=team["Ann"], now=T0)
        three = stored_steps("Notice", "Report", "Wait", scores=[-1, 0, -2])
        journeys.save_steps(store, jid, "as_is", three,
                                    updated_by=team["Ann"], now=T0)
        journeys.save_steps(store, jid, "to_be", stored_steps("Report online"), updated_by=None, now=T0)
    with pytest.raises(ValueError, match="^Journey name: there is already a journey with this name"):
        journeys.create(store, "report a MISSED bin", None, updated_by=None, now=T1)
    with store.transaction():
        journeys.save_steps(store, jid, "as_is", stored_steps("Report", "Collected", scores=[0, 2]),
                                    updated_by=team["Bob"], now=T1)
    listing = store.journeys.all()
    assert listing[["name", "as_is_steps", "to_be_steps", "updated_by_name"]].values.tolist() == [
        ["Report a missed bin", 2, 1, "Bob"]]
    assert pd.isna(listing.loc[0, "description"])
    steps = store.journeys.steps(jid)
    assert steps.columns.tolist() == ["version", *journeys.STEP_COLUMNS, "step_key"]
    assert steps[["version", "position", "stage", "emotion_score"]].values.tolist() == [
        ["as_is", 1, "Report", 0], ["as_is", 2, "Collected", 2], ["to_be", 1, "Report online", pd.NA]]


def test_a_step_that_breaks_a_rule_keeps_the_old_steps(store, team):
    with store.transaction():
        jid = journeys.create(store, "Pay a parking fine", None, updated_by=None, now=T0)
        journeys.save_steps(store, jid, "as_is", stored_steps("Pay"), updated_by=None, now=T0)
    unchecked = stored_steps("Pay", "Appeal", scores=[0, 5])
    with pytest.raises(DatabaseError, match="breaks a rule of the database"), store.transaction():
        journeys.save_steps(store, jid, "as_is", unchecked, updated_by=None, now=T1)
    assert store.journeys.steps(jid)["stage"].tolist() == ["Pay"]
    with pytest.raises(ValueError, match="^Journey: choose a journey"):
        journeys.save_steps(store, 999, "as_is", unchecked, updated_by=None, now=T1)
    with pytest.raises(ValueError, match="^Version: "):
        journeys.save_steps(store, jid, "maybe", unchecked, updated_by=None, now=T1)


def leadership_content(path):
    db = Database(path)
    store = db.store()
    people = store.people.all().set_index("person_id")["name"]
    content = {
        "history": {pid: store.leadership.answers_of(pid) for pid in people.index},
        "culture": store.leadership.culture_steps(),
        "journeys": store.journeys.all(),
        "steps": store.journeys.steps(1),
    }
    db.close()
    return people, content


def test_demo_has_dated_versions_a_shared_answer_a_roadmap_and_the_worked_example(demo_db_path):
    people, content = leadership_content(demo_db_path)
    versions = {
        (people[pid], q): len(group)
        for pid, history in content["history"].items() for q, group in history.groupby("question")
    }
    assert versions[("Amara Okafor", "three_years")] == 2
    amara = content["history"][people[people == "Amara Okafor"].index[0]]
    dates = amara.query("question == 'three_years'")["saved_at"]
    assert dates.iloc[0] > dates.iloc[1]
    assert any(history["shared"].any() for history in content["history"].values())
    culture = content["culture"]
    # Steps with nothing recorded (5 and 11 in the demo) have no row: they count as not started.
    assert culture["step"].tolist() == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    assert set(culture["status"]) == {"done", "in_progress", "not_started"}
    assert content["journeys"]["name"].tolist() == [WORKED_EXAMPLE_NAME]
    steps = content["steps"]
    assert (steps["version"] == "as_is").sum() == 7
    assert (steps["version"] == "to_be").sum() >= 1
    assert steps["emotion_score"].between(-2, 2).all()


def test_demo_leadership_content_is_the_same_every_time(demo_db_path, tmp_path):
    """A second build on the same day, against the session's demo database."""
    db = Database(tmp_path / "again.duckdb")
    demo.install_demo(db.store(), today=DEMO_TODAY)
    db.close()
    first, second = leadership_content(demo_db_path)[1], leadership_content(tmp_path / "again.duckdb")[1]
    for key in ("culture", "journeys", "steps"):
        # Step keys are random identifiers (for links to actions), not content.
        pd.testing.assert_frame_equal(first[key].drop(columns="step_key", errors="ignore"),
                                      second[key].drop(columns="step_key", errors="ignore"))
    for pid, history in first["history"].items():
        pd.testing.assert_frame_equal(history, second["history"][pid])
