"""The roadmap in the database: programme, entry stages, actions and their change history."""

from datetime import date, datetime

import duckdb
import pytest

from cx import roadmap
from cx.roadmap import ActionInput

NOW = datetime(2026, 2, 1, 10, 0)
LATER = datetime(2026, 3, 1, 15, 30)


@pytest.fixture
def people(store):
    with store.transaction():
        return (store.people.add("Ann", "Director", now=NOW), store.people.add("Ben", None, now=NOW))


def action(**changes) -> ActionInput:
    base = ActionInput("Survey customers", "basics", ("data",), None, "not_started",
                       date(2026, 2, 1), date(2026, 6, 30))
    return ActionInput(**{**base.__dict__, **changes})


def test_programme_and_entry_stages_are_set_and_their_changes_recorded(store, people):
    ann, ben = people
    assert store.roadmap.programme() is None
    roadmap.save_programme(store, date(2026, 1, 1), 4, {"data": "basics", "employees": "basics"},
                           by=ann, now=NOW)
    roadmap.save_programme(store, date(2026, 1, 1), 5, {"data": "basics", "employees": "consistency"},
                           by=ben, now=LATER)
    assert store.roadmap.programme()["years"] == 5
    assert store.roadmap.entry_stages() == {"data": "basics", "employees": "consistency"}
    history = store.roadmap.history()
    assert history[["changed_by", "field", "old_value", "new_value"]].values.tolist()[:2] == [
        ["Ben", "Entry stage: Employee empowerment", "Fix the basics", "Deliver consistently"],
        ["Ben", "Programme length", "4 years", "5 years"],
    ]
    assert len(history) == 6  # start and length, two entry stages, then the two changes


@pytest.mark.parametrize("start, years, message", [
    (None, 4, "Programme start: enter"), (date(2026, 1, 1), 2, "Length: a programme runs for 3 to 5"),
])
def test_a_bad_programme_is_refused(store, start, years, message):
    with pytest.raises(ValueError, match=message):
        roadmap.save_programme(store, start, years, {}, by=None, now=NOW)
    assert store.roadmap.programme() is None


def test_editing_an_action_records_who_changed_what(store, people):
    ann, ben = people
    with store.transaction():
        action_id = roadmap.create_action(store, action(owner_id=ann), by=ann, now=NOW,
                                                toolkit_key="voice_of_customer")
    with store.transaction():
        diffs = roadmap.update_action(store,
            action_id, action(owner_id=ben, status="in_progress", blocks=("data", "employees")),
            by=ben, now=LATER)
    assert diffs == [("Building blocks", "Data-driven transformation",
                      "Data-driven transformation, Employee empowerment"),
                     ("Owner", "Ann", "Ben"), ("Status", "○ Not started", "◑ In progress")]
    history = store.roadmap.history(action_id)
    assert history[["changed_by", "field", "old_value", "new_value"]].values.tolist() == [
        ["Ben", "Status", "○ Not started", "◑ In progress"],
        ["Ben", "Owner", "Ann", "Ben"],
        ["Ben", "Building blocks", "Data-driven transformation",
         "Data-driven transformation, Employee empowerment"],
        ["Ann", "Created", "", "Survey customers"],
    ]
    assert history["changed_at"].iloc[0] == LATER
    current = store.roadmap.actions().iloc[0]
    assert list(current["blocks"]) == ["data", "employees"]
    assert (current["owner"], current["status"], current["updated_by"]) == ("Ben", "in_progress", "Ben")
    assert current["toolkit_key"] == "voice_of_customer"
    with store.transaction():
        unchanged = roadmap.load_action(store.roadmap, action_id)
        assert roadmap.update_action(store, action_id, unchanged, by=ann, now=LATER) == []
    assert len(store.roadmap.history(action_id)) == 4


def test_a_bad_edit_changes_nothing(store, people):
    with store.transaction():
        action_id = roadmap.create_action(store, action(), by=people[0], now=NOW)
    with pytest.raises(ValueError, match="^Due date: 1 January 2026 is before"), store.transaction():
        roadmap.update_action(store, action_id, action(due_date=date(2026, 1, 1)), by=people[0], now=LATER)
    with pytest.raises(ValueError, match=r"^Owner: choose someone from the team list \(no person with id 99"):
        roadmap.update_action(store, action_id, action(owner_id=99), by=people[0], now=LATER)
    assert roadmap.load_action(store.roadmap, action_id) == action()
    assert len(store.roadmap.history(action_id)) == 1


def test_archiving_hides_an_action_and_restoring_brings_it_back(store, people):
    with store.transaction():
        action_id = roadmap.create_action(store, action(), by=people[0], now=NOW)
        assert roadmap.set_archived(store, action_id, True, by=people[1], now=LATER)
        assert not roadmap.set_archived(store, action_id, True, by=people[1], now=LATER)
    assert store.roadmap.actions().empty
    assert store.roadmap.actions(archived=True)["action_id"].tolist() == [action_id]
    with store.transaction():
        roadmap.set_archived(store, action_id, False, by=people[0], now=LATER)
    assert store.roadmap.history(action_id)["new_value"].tolist()[:2] == ["In the plan", "Archived"]
    with pytest.raises(ValueError, match="no action with id 42"):
        roadmap.set_archived(store, 42, True, by=None, now=NOW)


def test_the_schema_refuses_dates_and_blocks_outside_the_rules(store, database):
    cursor = database._con.cursor()
    insert = ("INSERT INTO roadmap_actions (title, stage, blocks, status, start_date, due_date, created_at, "
              "updated_at) VALUES ('x', 'basics', ?, 'done', ?, ?, now(), now())")
    with pytest.raises(duckdb.ConstraintException):
        cursor.execute(insert, [["data"], date(2026, 2, 1), date(2026, 1, 1)])
    with pytest.raises(duckdb.ConstraintException):
        cursor.execute(insert, [["marketing"], date(2026, 1, 1), date(2026, 2, 1)])
