"""Saving a form someone else changed meanwhile: nothing is overwritten without the person knowing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cx import roadmap
from cx.edits import EditConflict, merge
from cx.roadmap import ActionInput

from .apptest import open_page

NOW = datetime(2026, 11, 2, 10, 0)
LATER = datetime(2026, 11, 2, 10, 5)
FIELDS = ("a", "b", "c", "d")
values = st.sampled_from([0, 1, 2])


@given(base=st.fixed_dictionaries({f: values for f in FIELDS}),
       mine=st.fixed_dictionaries({f: values for f in FIELDS}),
       current=st.fixed_dictionaries({f: values for f in FIELDS}))
def test_merge_writes_only_my_changes_and_never_a_field_only_they_changed(base, mine, current):
    write, clashes = merge(base, mine, current)
    for name in FIELDS:
        mine_changed, theirs_changed = mine[name] != base[name], current[name] != base[name]
        if not mine_changed or mine[name] == current[name]:
            assert name not in write and name not in clashes
        elif theirs_changed:
            assert name in clashes and name not in write
        else:
            assert write[name] == mine[name]
    forced, none = merge(base, mine, current, overwrite=True)
    assert none == [] and set(forced) == set(write) | set(clashes)


@pytest.fixture
def plan(store):
    with store.transaction():
        ann = store.people.add("Ann Example", "Director", now=NOW)
        ben = store.people.add("Ben Example", None, now=NOW)
        action_id = roadmap.create_action(
            store, ActionInput("Fix missed bins", "basics", ("collaboration",), ben, "done",
                               date(2026, 6, 1), date(2026, 12, 31), "First notes"), by=ann, now=NOW)
    return store, ann, ben, action_id


def test_a_stale_form_that_changes_only_the_notes_keeps_the_newer_status(plan):
    """A sets Blocked; B's form, opened before, still shows Done and changes only the notes."""
    store, ann, ben, action_id = plan
    b_opened = roadmap.load_action(store.roadmap, action_id)
    roadmap.update_action(store, action_id, replace(b_opened, status="blocked"), by=ann, now=NOW,
                          based_on=b_opened)
    diffs = roadmap.update_action(store, action_id, replace(b_opened, notes="Crews booked"), by=ben,
                                  now=LATER, based_on=b_opened)
    saved = roadmap.load_action(store.roadmap, action_id)
    assert (saved.status, saved.notes) == ("blocked", "Crews booked")
    assert diffs == [("Notes", "First notes", "Crews booked")]
    history = store.roadmap.history(action_id)
    assert history[["changed_by", "field", "new_value"]].values.tolist()[:2] == [
        ["Ben Example", "Notes", "Crews booked"], ["Ann Example", "Status", "⊘ Blocked"]]


def test_two_changes_to_the_same_field_are_not_merged_silently(plan):
    store, ann, ben, action_id = plan
    b_opened = roadmap.load_action(store.roadmap, action_id)
    roadmap.update_action(store, action_id, replace(b_opened, status="blocked"), by=ann, now=NOW,
                          based_on=b_opened)
    changes_before = len(store.roadmap.history(action_id))
    with pytest.raises(EditConflict) as raised:
        roadmap.update_action(store, action_id, replace(b_opened, status="in_progress", notes="Restarted"),
                              by=ben, now=LATER, based_on=b_opened)
    message = str(raised.value)
    assert message.startswith("Ann Example changed this action at 10:00 on 02 November 2026")
    assert "Status: now “⊘ Blocked”, yours “◑ In progress”" in message
    assert roadmap.load_action(store.roadmap, action_id).status == "blocked"
    assert roadmap.load_action(store.roadmap, action_id).notes == "First notes"  # nothing at all was written
    assert len(store.roadmap.history(action_id)) == changes_before
    roadmap.update_action(store, action_id, replace(b_opened, status="in_progress", notes="Restarted"),
                          by=ben, now=LATER, based_on=b_opened, overwrite=True)
    saved = roadmap.load_action(store.roadmap, action_id)
    assert (saved.status, saved.notes) == ("in_progress", "Restarted")


def test_the_stale_form_case_through_two_sessions_of_the_page(demo_copy):
    """Two people with the Roadmap open: A saves Blocked, then B (form opened earlier) saves notes."""
    from .apptest import query

    ann, ben = (query(demo_copy, "SELECT person_id FROM people WHERE name = ?", [name])[0][0]
                for name in ("Amara Okafor", "Tom Hargreaves"))
    action_id = query(demo_copy, "SELECT min(action_id) FROM roadmap_actions WHERE status = 'done' "
                                 "AND NOT archived")[0][0]
    a_session = open_page("pages/roadmap.py", person_id=ann, roadmap_tab="Actions")
    b_session = open_page("pages/roadmap.py", person_id=ben, roadmap_tab="Actions")
    for at in (a_session, b_session):
        at.selectbox(key="roadmap-edit-choice").set_value(action_id).run()
    a_session.selectbox(key=f"edit-{action_id}-status").set_value("blocked")
    a_session.button(key=f"FormSubmitter:edit-{action_id}-Save changes").click().run()
    assert not a_session.exception
    b_session.text_area(key=f"edit-{action_id}-notes").set_value("Signed off by the board")
    b_session.button(key=f"FormSubmitter:edit-{action_id}-Save changes").click().run()
    assert not b_session.exception
    status, notes = query(demo_copy, "SELECT status, notes FROM roadmap_actions WHERE action_id = ?",
                          [action_id])[0]
    assert (status, notes) == ("blocked", "Signed off by the board")
    newest = query(demo_copy, "SELECT p.name, field FROM roadmap_changes c JOIN people p ON p.person_id = "
                              "c.changed_by WHERE action_id = ? ORDER BY change_id DESC LIMIT 2", [action_id])
    assert newest == [("Tom Hargreaves", "Notes"), ("Amara Okafor", "Status")]
    # B's form now shows the record as stored, A's status included.
    assert b_session.selectbox(key=f"edit-{action_id}-status").value == "blocked"


def test_culture_step_merges_and_clashes(plan):
    from cx import culture

    store, ann, ben, _ = plan
    today = NOW.date()
    culture.save_step(store, 3, "in_progress", ann, None, "Draft plan", updated_by=ann, now=NOW)
    opened = culture.step_record(culture.roadmap(store.leadership.culture_steps(), today), 3)
    culture.save_step(store, 3, "done", ann, None, "Draft plan", updated_by=ann, now=NOW, based_on=opened)
    culture.save_step(store, 3, "in_progress", ann, None, "Plan agreed", updated_by=ben, now=LATER,
                      based_on=opened)
    saved = culture.step_record(culture.roadmap(store.leadership.culture_steps(), today), 3)
    assert (saved.status, saved.evidence, saved.updated_by_name) == ("done", "Plan agreed", "Ben Example")
    with pytest.raises(EditConflict, match="Ben Example changed this step"):
        culture.save_step(store, 3, "done", ann, None, "Something else", updated_by=ann, now=LATER,
                          based_on=opened)


def test_a_journey_map_saved_by_someone_else_is_not_overwritten_unknowingly(plan):
    import pandas as pd

    from cx import journeys

    store, ann, ben, _ = plan
    jid = journeys.create(store, "Pay a parking fine", None, updated_by=ann, now=NOW)
    empty = store.journeys.steps(jid)
    first = pd.DataFrame({"position": [1], "stage": ["Pay"]})
    for column in journeys.STEP_COLUMNS[2:]:
        first[column] = None
    journeys.save_steps(store, jid, "as_is", first, updated_by=ann, now=NOW, based_on=empty)
    mine = first.assign(stage="Pay online")
    with pytest.raises(EditConflict, match="Ann Example changed the as is map"):
        journeys.save_steps(store, jid, "as_is", mine, updated_by=ben, now=LATER, based_on=empty)
    assert store.journeys.steps(jid)["stage"].tolist() == ["Pay"]
    journeys.save_steps(store, jid, "as_is", mine, updated_by=ben, now=LATER, based_on=empty, overwrite=True)
    assert store.journeys.steps(jid)["stage"].tolist() == ["Pay online"]
    # A map saved on the same base as stored goes straight in.
    journeys.save_steps(store, jid, "to_be", first, updated_by=ben, now=LATER, based_on=empty)


def test_a_target_someone_else_changed_since_is_not_overwritten(plan):
    from cx.measures import save_target

    store, ann, ben, _ = plan
    save_target(store.surveys, "csat", "", 85.0, updated_by=ann, now=NOW, based_on=None)
    with pytest.raises(EditConflict, match="Ann Example changed the CSAT target"):
        save_target(store.surveys, "csat", "", 90.0, updated_by=ben, now=LATER, based_on=None)
    assert store.surveys.target("csat", "")["target"] == 85.0
    save_target(store.surveys, "csat", "", 90.0, updated_by=ben, now=LATER, based_on=85.0)
    assert store.surveys.target("csat", "")["target"] == 90.0


def test_programme_settings_merge_field_by_field(plan):
    store, ann, ben, _ = plan
    roadmap.save_programme(store, date(2026, 1, 1), 4, {"data": "basics"}, by=ann, now=NOW)
    opened = roadmap.programme_fields(store.roadmap.programme(), store.roadmap.entry_stages())
    roadmap.save_programme(store, date(2026, 1, 1), 5, {"data": "basics"}, by=ann, now=NOW, based_on=opened)
    roadmap.save_programme(store, date(2026, 1, 1), 4, {"data": "consistency"}, by=ben, now=LATER,
                           based_on=opened)
    assert store.roadmap.programme()["years"] == 5  # Ann's length kept; Ben changed only the entry stage
    assert store.roadmap.entry_stages() == {"data": "consistency"}
    with pytest.raises(EditConflict, match="Programme length: now “5 years”, yours “3 years”"):
        roadmap.save_programme(store, date(2026, 1, 1), 3, {"data": "basics"}, by=ben, now=LATER,
                               based_on=opened)
