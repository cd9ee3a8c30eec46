"""The demo council's follow-up cases: consent answers, fake contact details, cases in every state.

Fenbridge's survey ended with a tick box, "Happy to be contacted" about the
answer; about a third ticked it and left an email address (all at
example.org, which can never reach anyone) and some a phone number from Ofcom's
range for drama (07700 900000 to 900999). Every unhappy customer with a comment
who said yes becomes a case the day after they answered, due five working days
later. Older cases are mostly closed, on time more often in some services than
in others (waste improves through the two years, planning slips); a few were
forgotten and are overdue; the newest are still new or contacted. Seeded, so the
same end month always gives the same cases.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from cx.cases import CaseRule, save_rule
from cx.store import Store
from cx.store.cases import Criteria
from cx.working_days import add_working_days

SEED = 17_2026
CONSENT_COLUMN, EMAIL_COLUMN, PHONE_COLUMN = "Happy to be contacted", "Email address", "Phone number"
CONSENT_RATE = 0.3
# Who follows up which service (the demo leadership team, cx.demo.LEADERS).
OWNERS = {
    "Waste and recycling": "Tom Hargreaves", "Parks and green spaces": "Tom Hargreaves",
    "Highways": "Priya Nair", "Parking": "Priya Nair",
    "Planning": "Gareth Lewis", "Council tax": "Gareth Lewis",
}
# Chance a case closes after its due date, at the start and end of the two years.
_LATE = {"Waste and recycling": (0.45, 0.1), "Planning": (0.12, 0.5), "Highways": (0.3, 0.25),
         "Parking": (0.2, 0.2), "Council tax": (0.15, 0.1), "Parks and green spaces": (0.2, 0.15)}
_FIRST = ("alex", "sam", "jo", "chris", "pat", "morgan", "jamie", "lee", "robin", "kim", "charlie", "dana")
_LAST = ("smith", "jones", "taylor", "brown", "williams", "wilson", "evans", "thomas", "roberts", "khan")
_RESOLVED = (
    "Apologised and arranged the collection for the next day; customer satisfied.",
    "Explained the timescale and gave a named contact; customer happy with the reply.",
    "Repair booked and confirmed in writing.",
    "Refund processed and confirmed by email.",
    "Passed to the service manager, who called back and put it right.",
)
_NOT_REACHED = (
    "Three calls at different times and an email; no reply.",
    "Email bounced and no phone number given.",
    "Left two voicemails and sent a letter; no response.",
)
_NOTES = ("Called, no answer; will try again tomorrow.", "Spoke to the customer; checking with the crew.",
          "Emailed to arrange a call back.", "")


def add_consent_answers(store: Store, source: str, rng: np.random.Generator) -> None:
    """Tick "Happy to be contacted" on about a third of the demo responses, with fake contact details."""
    ids = store.cases.response_ids(source)
    count = len(ids)
    agreed = rng.random(count) < CONSENT_RATE
    with_phone = agreed & (rng.random(count) < 0.6)
    first = np.asarray(_FIRST)[rng.integers(0, len(_FIRST), count)]
    last = np.asarray(_LAST)[rng.integers(0, len(_LAST), count)]
    number = np.arange(count)
    emails = np.char.add(np.char.add(np.char.add(np.char.add(first, "."), last), (number % 997).astype(str)),
                         "@example.org")
    phones = np.char.add("07700 900", np.char.zfill((number % 1000).astype(str), 3))
    # A tick box: the export holds "Yes" for a tick and nothing otherwise.
    store.cases.add_response_attributes(source, pd.DataFrame({
        "response_id": np.asarray(ids, dtype=object)[agreed],
        CONSENT_COLUMN: "Yes",
        EMAIL_COLUMN: emails[agreed].astype(object),
        PHONE_COLUMN: pd.Series(phones, dtype=object).where(with_phone, None)[agreed].to_numpy(),
    }))


def _closing_day(rng: np.random.Generator, opened: date, late_chance: float, standard: int) -> date:
    if rng.random() < late_chance:
        return add_working_days(opened, standard + int(rng.integers(1, 9)))
    return add_working_days(opened, int(rng.integers(1, standard + 1)))


def _story(rng: np.random.Generator, opened: date, today: date, late_chance: float, standard: int) -> dict:
    """The status, closing day, notes and outcome of one demo case opened on `opened`."""
    due = add_working_days(opened, standard)
    recent = due >= today
    draw = rng.random()
    if recent:
        status = "new" if draw < 0.45 else "contacted" if draw < 0.85 else "resolved"
    elif draw < 0.012:  # a few older cases nobody finished
        status = "new" if draw < 0.004 else "contacted"
    else:
        status = "resolved" if draw < 0.8 else "could_not_contact"
    closed = None
    if status in ("resolved", "could_not_contact"):
        closed = min(_closing_day(rng, opened, late_chance, standard), today)
    outcome = {"resolved": _RESOLVED, "could_not_contact": _NOT_REACHED}.get(str(status))
    return {"status": str(status), "closed_on": closed, "due_on": due,
            "notes": _NOTES[int(rng.integers(0, len(_NOTES)))] or None,
            "outcome": outcome[int(rng.integers(0, len(outcome)))] if outcome else None}


def install_cases_demo(store: Store, today: date, source: str) -> int:
    """Consent answers, the survey's rule and the demo cases with their history; return cases written."""
    rng = np.random.default_rng(SEED)
    stamp = datetime.combine(today, time(9))
    with store.transaction():
        add_consent_answers(store, source, rng)
        rule = CaseRule(consent_column=CONSENT_COLUMN, email_column=EMAIL_COLUMN, phone_column=PHONE_COLUMN)
        save_rule(store, source, rule, by=None, now=stamp)
        found = store.cases.matching_responses(Criteria(source, rule.nps_max, rule.csat_max, True,
                                                        CONSENT_COLUMN, rule.consent_values))
        people = store.people.all()
        ids = dict(zip(people["name"], people["person_id"], strict=True))
        cases = _cases(rng, found, today, source, ids, rule.standard_days)
        written = store.cases.insert_cases(cases, by=None)
        store.cases.record_history(_history(store, cases, ids))
    return len(written)


def _cases(rng: np.random.Generator, found: pd.DataFrame, today: date, source: str, ids: dict[str, int],
           standard: int) -> pd.DataFrame:
    completed = pd.to_datetime(found["completed_at"])
    start, end = completed.min(), completed.max()
    rows = []
    for response, when in zip(found.to_dict("records"), completed, strict=True):
        opened = add_working_days(when.date(), 1)
        if when >= end - pd.Timedelta(days=14):  # the last fortnight's export was imported this week
            opened = max(opened, today - timedelta(days=int(rng.integers(1, 7))))
        opened = min(opened, today - timedelta(days=1))
        progress = (when - start) / (end - start) if end > start else 1.0
        early, late = _LATE.get(response["service"], (0.2, 0.2))
        story = _story(rng, opened, today, early + (late - early) * progress, standard)
        owner = None if story["status"] == "new" and rng.random() < 0.3 else ids.get(OWNERS.get(
            response["service"], ""))
        changed = datetime.combine(story["closed_on"] or opened, time(10 + int(rng.integers(0, 7))))
        rows.append({**response, "source": source, "opened_on": opened, "standard_days": standard,
                     "owner_id": owner, **story, "created_at": datetime.combine(opened, time(8, 30)),
                     "updated_at": changed})
    frame = pd.DataFrame(rows)
    frame["owner_id"] = frame["owner_id"].astype("Int64")
    return frame


def _history(store: Store, cases: pd.DataFrame, ids: dict[str, int]) -> pd.DataFrame:
    """Opened, owner set and status changes, in the words the page records them."""
    case_ids = store.cases.cases(limit=len(cases) + 10).set_index("response_id")["case_id"]
    names = {pid: name for name, pid in ids.items()}
    rows = []
    for case in cases.to_dict("records"):
        case_id = int(case_ids[case["response_id"]])
        opened = datetime.combine(case["opened_on"], time(8, 30))
        rows.append((case_id, opened, None, "Case", "", "Opened"))
        owner = case["owner_id"]
        if not pd.isna(owner):
            rows.append((case_id, opened + timedelta(minutes=5), None, "Owner", "Nobody", names[int(owner)]))
        by = None if pd.isna(owner) else int(owner)
        if case["status"] != "new":
            rows.append((case_id, opened + timedelta(hours=3), by, "Status", "○ New", "◑ Contacted"))
        if case["status"] in ("resolved", "could_not_contact"):
            word = "● Resolved" if case["status"] == "resolved" else "⊘ Could not contact"
            rows.append((case_id, case["updated_at"], by, "Status", "◑ Contacted", word))
            rows.append((case_id, case["updated_at"], by, "Outcome", "(empty)", case["outcome"]))
    return pd.DataFrame(rows, columns=["case_id", "changed_at", "changed_by", "field", "old_value",
                                       "new_value"]).astype({"changed_by": "Int64"})
