"""The demo council's programme: two heat-map rounds by its leadership team.

Called from `cx.demo.install_demo` inside its transaction, after the leaders are
added. Everything is fixed text and dates relative to the demo's end month, so the
same end month always gives the same rounds. The four leaders disagree where real
teams would: the head of customer services sees the data work as further along
than the heads of service do, and planning's backlog divides views on branding.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from cx.assessment import RatingEntry
from cx.formatting import period_label
from cx.framework import BLOCKS, STAGES

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


def install_assessment_demo(store, end_month: date) -> list[int]:
    """Add the two demo rounds with every leader's submitted ratings; return the round ids.

    `store` is a cx.store.Store inside a transaction, with the demo leaders added.
    Rounds and submissions are dated by their meetings, a week or so before each.
    """
    people = store.people()
    ids = dict(zip(people["name"], people["person_id"].astype(int), strict=True))
    rounds = []
    for held_on, (grids, comments, first_tries) in zip(round_dates(end_month), _ROUNDS, strict=True):
        opened = datetime.combine(held_on - timedelta(days=21), datetime.min.time())
        round_id = store.create_assessment_round(
            f"{period_label(held_on, 'quarter')} review", held_on, [ids[name] for name in grids],
            created_by=ids["Amara Okafor"], now=opened,
        )
        for offset, (leader, grid) in enumerate(grids.items()):
            day = datetime.combine(held_on - timedelta(days=7 - offset), datetime.min.time())
            if leader in first_tries:
                store.submit_ratings(round_id, ids[leader], _entries(first_tries[leader], comments, leader),
                                     now=day + timedelta(hours=9))
            store.submit_ratings(round_id, ids[leader], _entries(grid, comments, leader),
                                 now=day + timedelta(days=1, hours=10 + offset))
        rounds.append(round_id)
    return rounds
