"""The demo council's review meetings: one per heat-map round, with the decisions they took.

Called from `cx.demo.install_demo` inside its transaction, after the programme
(`cx.demo_programme`) is in place. Each meeting reviews its round and the month
before it; its decisions create or change roadmap actions through
`cx.meetings.record_decision`, so the roadmap's history shows them too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd

from cx import meetings, roadmap
from cx.demo_programme import round_dates
from cx.meetings import MeetingInput
from cx.roadmap import ActionInput
from cx.store import Store

COUNCIL = "Fenbridge District Council"


def install_meetings_demo(store: Store, end_month: date) -> list[int]:
    """Name the council, record the two demo meetings with their decisions; return the meeting ids."""
    store.admin.set_meta(meetings.COUNCIL_NAME_KEY, COUNCIL)
    people = store.people.all()
    ids = dict(zip(people["name"], people["person_id"].astype(int), strict=True))
    rounds = store.assessment.rounds().sort_values("held_on")
    actions = store.roadmap.actions()
    by_key = dict(zip(actions["toolkit_key"], actions["action_id"].astype(int), strict=False))
    chair = ids["Amara Okafor"]
    made = []
    for held_on, round_id, decide in zip(round_dates(end_month), rounds["round_id"], (_first, _second),
                                         strict=True):
        when = datetime.combine(held_on, datetime.min.time()) + timedelta(hours=14)
        reviewed = (pd.Timestamp(held_on) - pd.DateOffset(months=1)).date().replace(day=1)
        meeting_id = meetings.create_meeting(store, MeetingInput(
            held_on, f"Quarterly review, {held_on:%B %Y}", tuple(ids.values()), int(round_id), reviewed,
            "month", "Chaired by the director of place services."), by=chair, now=when)
        decide(store, meeting_id, ids, by_key, held_on, when)
        made.append(meeting_id)
    return made


def _change(store: Store, meeting_id: int, text: str, action_id: int, when: datetime, by: int,
            **fields) -> None:
    current = roadmap.load_action(store.roadmap, action_id)
    meetings.record_decision(store, meeting_id, text, action_id=action_id,
                             changed_action=replace(current, **fields), based_on=current, by=by, now=when)


def _first(store: Store, meeting_id: int, ids: dict, by_key: dict, held_on: date, when: datetime) -> None:
    chair = ids["Amara Okafor"]
    meetings.record_decision(
        store, meeting_id, "Report monthly satisfaction by service to every head of service.",
        new_action=ActionInput("Send monthly satisfaction figures to every head of service", "basics",
                               ("data",), ids["Gareth Lewis"], "in_progress", held_on,
                               held_on + timedelta(days=240)),
        by=chair, now=when)
    _change(store, meeting_id, "Give the pain-point ranking two more months to cover planning too.",
            by_key["pain_points"], when, chair,
            due_date=roadmap.load_action(store.roadmap, by_key["pain_points"]).due_date + timedelta(days=61))
    meetings.record_decision(store, meeting_id, "Agree the heat-map round as the team's starting view.",
                             by=chair, now=when)


def _second(store: Store, meeting_id: int, ids: dict, by_key: dict, held_on: date, when: datetime) -> None:
    chair = ids["Amara Okafor"]
    meetings.record_decision(
        store, meeting_id, "Highways and the contact centre work from one shared list of reported defects.",
        new_action=ActionInput("Share one list of reported highway defects with the contact centre",
                               "basics", ("collaboration", "data"), ids["Priya Nair"], "not_started",
                               held_on, held_on + timedelta(days=120)),
        by=chair, now=when)
    _change(store, meeting_id, "Give the customer promise three more months while the brand review ends.",
            by_key["customer_promise"], when, chair,
            due_date=roadmap.load_action(store.roadmap, by_key["customer_promise"]).due_date
            + timedelta(days=91))
