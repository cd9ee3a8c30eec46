"""The demo council's programme: two heat-map rounds by its leadership team, and its roadmap.

Called from `cx.demo.install_demo` inside its transaction, after the leaders are
added. Everything is fixed text and dates relative to the demo's end month, so the
same end month always gives the same rounds. The four leaders disagree where real
teams would: the head of customer services sees the data work as further along
than the heads of service do, and planning's backlog divides views on branding.
The roadmap is a year into a four-year programme, with work done, under way,
overdue and blocked, and a history of who changed what.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd

from cx import heat_map, roadmap
from cx.assessment import RatingEntry
from cx.formatting import period_label
from cx.framework import BLOCKS, STAGES
from cx.roadmap import ActionInput
from cx.store import Store

_LETTERS = {"S": "strength", "P": "progress", "C": "critical"}

# Per leader, one string per building block (in framework order), one letter per
# stage: S = strength, P = some progress, C = critical focus.
_FIRST_ROUND = {
    "Amara Okafor": ("PPC", "PCC", "CCC", "PPC", "PPC"),
    "Tom Hargreaves": ("SPC", "PPC", "PCC", "SPP", "PCC"),
    "Priya Nair": ("CCC", "PPC", "CPC", "PCC", "CPC"),
    "Gareth Lewis": ("PPC", "CCC", "SPC", "PPC", "PPP"),
}
_SECOND_ROUND = {
    "Amara Okafor": ("SPC", "CPC", "PPC", "SPC", "PPC"),
    "Tom Hargreaves": ("SSP", "PPC", "SPC", "SPP", "SPC"),
    "Priya Nair": ("PCC", "CCC", "PCC", "PPC", "PCC"),
    "Gareth Lewis": ("PPC", "PCC", "SSP", "SPC", "PPP"),
}
# Tom first submitted the second round with data "Fix the basics" as some progress,
# then re-rated it after seeing the monthly survey figures: his earlier answer stays
# in the history.
_SECOND_ROUND_FIRST_TRIES = {"Tom Hargreaves": ("SSP", "PPC", "PPC", "SPP", "SPC")}

# (leader, block, stage) -> (comment, evidence)
_FIRST_COMMENTS = {
    ("Amara Okafor", "culture", "excellence"):
        ("We have not yet said what good service looks like to residents.", ""),
    ("Tom Hargreaves", "employees", "basics"):
        ("Crews get a short briefing every Monday and raise problems there.",
         "Staff survey: waste engagement up four points since last spring."),
    ("Priya Nair", "collaboration", "basics"):
        ("Pothole reports still travel between the contact centre and highways by email.", ""),
    ("Gareth Lewis", "data", "basics"):
        ("We already survey every contact, so we know where the pain points are.",
         "Transaction survey running since autumn 2024."),
    ("Gareth Lewis", "branding", "basics"):
        ("- letters, web pages and phone scripts each promise something different", ""),
    ("Amara Okafor", "data", "basics"):
        ("The survey exists but nobody outside customer services looks at it.", ""),
}
_SECOND_COMMENTS = {
    ("Tom Hargreaves", "collaboration", "consistency"):
        ("Crews and the contact centre now share missed-collection reports every day.",
         "Missed bins down by a third since the new contract started."),
    ("Priya Nair", "branding", "consistency"):
        ("Planning is missing the response times we publish, which undermines the promise.",
         "Validation backlog over six weeks."),
    ("Priya Nair", "collaboration", "basics"):
        ("Better than it was, but highways still works from its own list.", ""),
    ("Gareth Lewis", "data", "consistency"):
        ("Monthly satisfaction figures by service go to every head of service.",
         "Dashboard in use since the spring."),
    ("Amara Okafor", "data", "basics"):
        ("Good survey data now; we still know little about how staff feel.", ""),
    ("Gareth Lewis", "employees", "basics"):
        ("Advisers can now waive a missed-bin charge without asking a manager.", ""),
    ("Tom Hargreaves", "culture", "basics"):
        ("Leaders talk about residents at every service meeting now.", ""),
    ("Amara Okafor", "culture", "excellence"):
        ("Still no shared picture of what excellent looks like here.", ""),
    ("Amara Okafor", "branding", "basics"):
        ("Residents tell us we are not keeping the promises we publish on planning.", ""),
    ("Priya Nair", "data", "consistency"):
        ("The monthly figures arrive, but highways cannot yet act on them week to week.", ""),
}


def round_dates(end_month: date) -> tuple[date, date]:
    """Meeting dates of the two demo rounds: mid-month, six months apart, the later in the end month."""
    later = end_month + timedelta(days=14)
    earlier = (pd.Timestamp(later) - pd.DateOffset(months=6)).date()
    return earlier, later


def _entries(grid: tuple[str, ...], comments: dict, leader: str) -> list[RatingEntry]:
    entries = []
    for block, letters in zip(BLOCKS, grid, strict=True):
        for stage, letter in zip(STAGES, letters, strict=True):
            comment, evidence = comments.get((leader, block.code, stage.code), ("", ""))
            entries.append(RatingEntry(block.code, stage.code, _LETTERS[letter], comment, evidence))
    return entries


_ROUNDS = (
    (_FIRST_ROUND, _FIRST_COMMENTS, {}),
    (_SECOND_ROUND, _SECOND_COMMENTS, _SECOND_ROUND_FIRST_TRIES),
)


def install_assessment_demo(store: Store, end_month: date) -> list[int]:
    """Add the two demo rounds with every leader's submitted ratings; return the round ids.

    Runs inside the demo's transaction, with the demo leaders added.
    Rounds and submissions are dated by their meetings, a week or so before each.
    """
    people = store.people.all()
    ids = dict(zip(people["name"], people["person_id"].astype(int), strict=True))
    rounds = []
    for held_on, (grids, comments, first_tries) in zip(round_dates(end_month), _ROUNDS, strict=True):
        opened = datetime.combine(held_on - timedelta(days=21), datetime.min.time())
        round_id = heat_map.create_round(
            store,
f"{period_label(held_on, 'quarter')} review", held_on, [ids[name] for name in grids],
            created_by=ids["Amara Okafor"], now=opened,
        )
        for offset, (leader, grid) in enumerate(grids.items()):
            day = datetime.combine(held_on - timedelta(days=7 - offset), datetime.min.time())
            if leader in first_tries:
                heat_map.submit(store.assessment, round_id, ids[leader],
                                _entries(first_tries[leader], comments, leader), now=day + timedelta(hours=9))
            heat_map.submit(store.assessment, round_id, ids[leader], _entries(grid, comments, leader),
                            now=day + timedelta(days=1, hours=10 + offset))
        rounds.append(round_id)
    return rounds


# --- Roadmap ------------------------------------------------------------------
# The programme started eleven months before the demo's end month and runs four
# years. Per action: owner, start and due month (offsets from the programme start;
# due at the end of the month before), metric and target, notes, and the status
# changes as (month offset, status). Anything not listed keeps the toolkit's
# default window, no owner and "not started".

_PLAN = {
    "voice_of_customer": ("Gareth Lewis", 0, 4, ("csat", 80.0),
                          "Transaction survey now covers all six services.",
                          ((0, "in_progress"), (4, "done"))),
    "data_gaps": ("Gareth Lewis", 1, 6, None, "", ((2, "in_progress"), (6, "done"))),
    "pain_points": ("Tom Hargreaves", 3, 15, ("nps", 10.0),
                    "Missed bins and pothole updates are the first two.", ((4, "in_progress"),)),
    "quick_digital": ("Priya Nair", 2, 10, None,
                      "Pothole form rebuilt; the permit renewal fix waits on the supplier.",
                      ((3, "in_progress"),)),
    "staff_groups": ("Tom Hargreaves", 1, 5, None, "", ((1, "in_progress"), (5, "done"))),
    "voice_of_employee": ("Amara Okafor", 2, 5, ("employee_engagement", 70.0), "",
                          ((3, "in_progress"), (5, "done"))),
    "customer_promise": ("Amara Okafor", 4, 13, None, "Waiting for the corporate brand review to finish.",
                         ((5, "in_progress"), (9, "blocked"))),
    "leaders_commit": ("Amara Okafor", 0, 2, None, "", ((2, "done"),)),
    "monitor_consistency": ("Gareth Lewis", 10, 30, ("answered_within_20s", 80.0),
                            "Started early: the monthly dashboard made it cheap.", ((10, "in_progress"),)),
    "channels": ("Priya Nair", None, None, None, "", ()),
    "communication_style": ("Gareth Lewis", 11, 20, None, "", ()),
    "excellence_training": ("Tom Hargreaves", 8, 20, ("first_contact_resolution", 75.0), "",
                            ((9, "in_progress"),)),
    "monitor_engagement": ("Amara Okafor", None, None, None, "", ()),
    "co_creation": ("Amara Okafor", None, None, None, "", ()),
}
# The council's own actions: (title, stage, blocks, owner, start, due, notes, changes, archived at).
_OWN_ACTIONS = (
    ("Clear the planning validation backlog", "basics", ("collaboration", "data"), "Amara Okafor", 7, 11,
     "Agency planners start in October.", ((8, "in_progress"),), None),
    ("Text residents when their bin collection is missed", "basics", ("data", "branding"),
     "Tom Hargreaves", 2, 7, "", ((3, "in_progress"), (7, "done")), None),
    ("Pilot a chatbot for council tax questions", "basics", ("data",), "Gareth Lewis", 3, 6,
     "Dropped: residents asked for a call-back service instead.", ((4, "in_progress"),), 6),
)


def programme_start(end_month: date) -> date:
    """The demo programme's start: eleven months before the end month, so it is a year in."""
    return (pd.Timestamp(end_month) - pd.DateOffset(months=11)).date()


def _month(start: date, offset: int) -> date:
    return (pd.Timestamp(start) + pd.DateOffset(months=offset)).date()


def _when(start: date, offset: int) -> datetime:
    """A working-day morning early in the month `offset` months into the programme."""
    day = _month(start, offset) + timedelta(days=3)
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=10)


def install_roadmap_demo(store: Store, end_month: date) -> None:
    """Set up the demo programme, its entry stages and actions, with their history of changes.

    Runs inside the demo's transaction, with the demo leaders added.
    """
    people = store.people.all()
    ids = dict(zip(people["name"], people["person_id"].astype(int), strict=True))
    lead = ids["Amara Okafor"]
    start = programme_start(end_month)
    opened = _when(start, 0) - timedelta(days=3)
    entry = {block.code: "basics" for block in BLOCKS}
    roadmap.save_programme(store, start, 4, entry, by=lead, now=opened)
    for key, action in roadmap.starter_plan(start, 4, entry):
        action_id = roadmap.create_action(store, action, by=lead, now=opened, toolkit_key=key)
        if key in _PLAN:
            owner, first, due, metric, notes, steps = _PLAN[key]
            _plan_action(store, action_id, start, ids[owner], first, due, metric, notes, lead)
            _apply_steps(store, action_id, start, steps, ids[owner])
    for title, stage, blocks, owner, first, due, notes, steps, archived_at in _OWN_ACTIONS:
        created = _when(start, first) - timedelta(days=2)
        action_id = roadmap.create_action(
            store, ActionInput(title, stage, blocks, ids[owner], "not_started", _month(start, first),
                        _month(start, due) - timedelta(days=1), notes),
            by=ids[owner], now=created)
        _apply_steps(store, action_id, start, steps, ids[owner])
        if archived_at is not None:
            roadmap.set_archived(store, action_id, True, by=lead, now=_when(start, archived_at))


def _plan_action(store: Store, action_id: int, start: date, owner: int, first: int | None, due: int | None,
                 metric: tuple[str, float] | None, notes: str, lead: int) -> None:
    """The lead assigns an owner, dates and a measure to a starter action in the first week."""
    current = roadmap.load_action(store.roadmap, action_id)
    dates = {} if first is None else {"start_date": _month(start, first),
                                      "due_date": _month(start, due) - timedelta(days=1)}
    metric_fields = {"metric": metric[0], "target": metric[1]} if metric else {}
    roadmap.update_action(
        store, action_id, replace(current, owner_id=owner, notes=notes, **dates, **metric_fields),
        by=lead, now=_when(start, 0))


def _apply_steps(store: Store, action_id: int, start: date, steps, owner: int) -> None:
    for offset, status in steps:
        current = roadmap.load_action(store.roadmap, action_id)
        roadmap.update_action(store, action_id, replace(current, status=status), by=owner,
                              now=_when(start, offset) + timedelta(days=7))
