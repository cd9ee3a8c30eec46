"""Review meetings: the record, decisions through the roadmap, edits by two people, and what changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from cx import meetings, metrics, roadmap
from cx.access import Actor, NotAllowed, open_store
from cx.edits import EditConflict
from cx.formatting import format_value
from cx.meetings import MeetingInput
from cx.roadmap import ActionInput
from cx.status import STATUS_BY_CODE
from cx.store import Database

from .apptest import messages, open_page, query, table

NOW = datetime(2026, 10, 20, 14, 0)
HELD = date(2026, 10, 20)


@pytest.fixture
def team(store):
    with store.transaction():
        ann = store.people.add("Ann Example", "Director", now=NOW)
        ben = store.people.add("Ben Example", None, now=NOW)
        roadmap.save_programme(store, date(2026, 1, 1), 4, {}, by=ann, now=NOW)
        bins = ActionInput("Fix missed bins", "basics", ("collaboration",), ben, "in_progress",
                           date(2026, 2, 1), date(2026, 12, 1))
        action = roadmap.create_action(store, bins, by=ann, now=NOW)
    return store, ann, ben, action


def test_a_meeting_is_recorded_with_its_attendees_and_period_and_checked(team):
    store, ann, ben, _ = team
    meeting = meetings.create_meeting(store, MeetingInput(HELD, "  Autumn   review ", (ben, ann), None,
                                                          date(2026, 9, 17), "quarter", " notes "),
                                      by=ann, now=NOW)
    row = store.meetings.all().iloc[0]
    assert (row["title"], list(row["attendees"]), row["period_start"].date(), row["notes"]) == (
        "Autumn review", ["Ann Example", "Ben Example"], date(2026, 7, 1), "notes")
    assert meetings.load_meeting(store, meeting).attendees == tuple(sorted((ann, ben)))
    for bad, field in ((MeetingInput(None, "x"), "Date"), (MeetingInput(HELD, "  "), "Title"),
                       (MeetingInput(HELD, "x", round_id=99), "Heat-map round"),
                       (MeetingInput(HELD, "x", period_grain="week"), "Period length"),
                       (MeetingInput(HELD, "x", attendees=(999,)), "Attendees")):
        with pytest.raises(ValueError, match=f"^{field}"):
            meetings.create_meeting(store, bad, by=ann, now=NOW)
    assert len(store.meetings.all()) == 1


def test_decisions_create_and_change_actions_through_the_roadmap_with_its_history(team):
    store, ann, ben, action = team
    meeting = meetings.create_meeting(store, MeetingInput(HELD, "Review"), by=ann, now=NOW)
    new = ActionInput("Publish collection dates", "basics", ("branding",), ann, "not_started", HELD,
                      HELD + timedelta(days=60))
    meetings.record_decision(store, meeting, "Publish the dates online.", new_action=new, by=ann, now=NOW)
    current = roadmap.load_action(store.roadmap, action)
    meetings.record_decision(store, meeting, "Give bins one more month.", action_id=action,
                             changed_action=replace(current, due_date=date(2027, 1, 1)), based_on=current,
                             by=ann, now=NOW)
    meetings.record_decision(store, meeting, "Note the survey results.", by=ann, now=NOW)

    decisions = store.meetings.decisions(meeting)
    assert decisions["effect"].fillna("none").tolist() == ["created", "changed", "none"]
    created = int(decisions["action_id"].iloc[0])
    assert roadmap.load_action(store.roadmap, created).title == "Publish collection dates"
    assert store.roadmap.history(created)["field"].tolist() == ["Created"]
    assert roadmap.load_action(store.roadmap, action).due_date == date(2027, 1, 1)
    newest = store.roadmap.history(action).iloc[0]
    assert (newest["field"], newest["new_value"]) == ("Due date", "1 January 2027")
    table = meetings.decision_table(decisions, date(2026, 10, 21))
    assert table["Action"].tolist() == ["New: Publish collection dates", "Changed: Fix missed bins", ""]
    assert table["Owner"].tolist() == ["Ann Example", "Ben Example", ""]

    with pytest.raises(ValueError, match="^Action: nothing"):
        meetings.record_decision(store, meeting, "Again.", action_id=action,
                                 changed_action=roadmap.load_action(store.roadmap, action), by=ann, now=NOW)
    with pytest.raises(ValueError, match="^Due date"):
        meetings.record_decision(store, meeting, "Bad dates.",
                                 new_action=replace(new, due_date=date(2020, 1, 1)), by=ann, now=NOW)
    with pytest.raises(ValueError, match="^Decision"):
        meetings.record_decision(store, meeting, "   ", by=ann, now=NOW)
    assert len(store.meetings.decisions(meeting)) == 3  # a refused decision leaves nothing behind


def test_a_viewer_may_read_meetings_but_not_record_them(tmp_path):
    db = Database(tmp_path / "a.duckdb")
    system = db.store()
    viewer = system.people.add("Vic Viewer", None, now=NOW)
    leader = system.people.add("Lee Leader", None, now=NOW)
    as_viewer = open_store(db, Actor(viewer, "Vic Viewer", "viewer"))
    with pytest.raises(NotAllowed):
        meetings.create_meeting(as_viewer, MeetingInput(HELD, "Review"), by=viewer, now=NOW)
    as_leader = open_store(db, Actor(leader, "Lee Leader", "leader"))
    meeting = meetings.create_meeting(as_leader, MeetingInput(HELD, "Review"), by=leader, now=NOW)
    assert as_viewer.meetings.all()["meeting_id"].tolist() == [meeting]
    db.close()


def test_two_people_editing_one_meeting_keep_both_changes_or_hear_of_the_clash(team):
    store, ann, ben, _ = team
    meeting = meetings.create_meeting(store, MeetingInput(HELD, "Review", (ann,)), by=ann, now=NOW)
    opened = meetings.load_meeting(store, meeting)
    meetings.update_meeting(store, meeting, replace(opened, notes="Ben's notes"), by=ben, now=NOW,
                            based_on=opened)
    written = meetings.update_meeting(store, meeting, replace(opened, attendees=(ann, ben)), by=ann,
                                      now=NOW + timedelta(minutes=1), based_on=opened)
    assert written == ["Attendees"]
    kept = meetings.load_meeting(store, meeting)
    assert (kept.notes, kept.attendees) == ("Ben's notes", tuple(sorted((ann, ben))))
    with pytest.raises(EditConflict, match="Ben Example changed this meeting"):
        meetings.update_meeting(store, meeting, replace(opened, notes="Ann's notes"), by=ann, now=NOW,
                                based_on=opened)
    meetings.update_meeting(store, meeting, replace(opened, notes="Ann's notes"), by=ann, now=NOW,
                            based_on=opened, overwrite=True)
    assert meetings.load_meeting(store, meeting).notes == "Ann's notes"


def test_since_the_last_meeting_matches_the_database_counted_independently(demo_db_path):
    db = Database(demo_db_path)
    store = db.store()
    recorded = store.meetings.all()
    later, earlier = (recorded.iloc[0], recorded.iloc[1])
    since = meetings.since_last(store, int(later["meeting_id"]))
    db.close()
    held, before = later["held_on"].date(), earlier["held_on"].date()
    slipped = query(demo_db_path, "SELECT title FROM roadmap_actions WHERE NOT archived AND status <> 'done' "
                                  "AND due_date < ? ORDER BY due_date, title", [held])
    assert since.slipped["Action"].tolist() == [r[0] for r in slipped] and len(slipped) > 0
    done = query(demo_db_path, "SELECT count(*) FROM roadmap_changes WHERE field = 'Status' "
                               "AND new_value = ? AND changed_at >= ? AND changed_at < ?",
                 [STATUS_BY_CODE["done"].tag, before, held])
    assert len(since.done) == done[0][0] > 0
    # NPS in the month each meeting reviewed, from raw answers.
    for column, month in (("Now", later["period_start"]), ("Then", earlier["period_start"])):
        start = pd.Timestamp(month).date()
        end = (pd.Timestamp(month) + pd.DateOffset(months=1)).date()
        p, d, n = query(demo_db_path, "SELECT count(*) FILTER (nps >= 9), count(*) FILTER (nps <= 6), "
                                      "count(nps) FROM responses "
                                      "WHERE completed_at >= ? AND completed_at < ?",
                        [start, end])[0]
        assert since.moved.set_index("Measure").loc["Net Promoter Score", column].startswith(
            f"{format_value(metrics.nps(p, d, n))} (")
        assert f"n = {n:,})" in since.moved.set_index("Measure").loc["Net Promoter Score", column]
    first = meetings.since_last(Database(demo_db_path).store(), int(earlier["meeting_id"]))
    assert first.previous_held_on is None and first.moved.empty


def test_the_meetings_page_records_a_decision_that_creates_a_roadmap_action(demo_copy):
    lead = query(demo_copy, "SELECT person_id FROM people WHERE name = 'Amara Okafor'")[0][0]
    at = open_page("pages/meetings.py", person_id=lead)
    decisions = table(at, "Decision", "Action")
    shared = "New: Share one list of reported highway defects with the contact centre"
    assert shared in decisions["Action"].tolist()
    assert [b.label for b in at.get("download_button")] == ["Download the board pack (PowerPoint)",
                                                              "Download the board pack (PDF)"]
    at.radio(key=f"decision-kind-{int(at.selectbox[0].value)}").set_value("create").run()
    meeting = int(at.selectbox[0].value)
    at.text_area(key=f"decision-{meeting}-text").set_value("Answer every complaint within ten days.")
    at.text_input(key=f"decision-{meeting}-title").set_value("Set a ten-day complaint standard")
    at.multiselect(key=f"decision-{meeting}-blocks").set_value(["branding"])
    at.selectbox(key=f"decision-{meeting}-owner").set_value(lead)
    at.button[[b.label for b in at.button].index("Record the decision")].click().run()
    assert not at.exception and "Decision recorded." in messages(at.success)
    rows = query(demo_copy, "SELECT d.text, a.title, a.owner_id FROM meeting_decisions d "
                            "JOIN roadmap_actions a USING (action_id) "
                            "WHERE d.meeting_id = ? AND d.effect = 'created' "
                            "ORDER BY d.decision_id DESC LIMIT 1", [meeting])
    assert rows == [("Answer every complaint within ten days.", "Set a ten-day complaint standard", lead)]
    assert "Set a ten-day complaint standard" in table(at, "Decision", "Action")["Action"].str.removeprefix(
        "New: ").tolist()


def test_only_an_admin_names_the_council_and_the_name_is_checked(tmp_path):
    db = Database(tmp_path / "a.duckdb")
    system = db.store()
    admin, leader = (system.people.add(n, None, now=NOW) for n in ("Ada Admin", "Lee Leader"))
    assert meetings.council_name(system) == "Council name not set"
    with pytest.raises(NotAllowed):
        meetings.set_council_name(open_store(db, Actor(leader, "Lee Leader", "leader")), "Anytown")
    as_admin = open_store(db, Actor(admin, "Ada Admin", "admin"))
    with pytest.raises(ValueError, match="^Council name"):
        meetings.set_council_name(as_admin, "   ")
    assert meetings.set_council_name(as_admin, "  Anytown   Borough Council ") == "Anytown Borough Council"
    assert meetings.council_name(system) == "Anytown Borough Council"
    db.close()
