"""The roadmap for cultural change: eleven steps the leadership team takes itself.

The team keeps the roadmap as a shared checklist: for each step a status (from
the one vocabulary in `cx.status`), an owner, a date (the target, or when it was
done) and a note of the evidence. A step nobody has touched counts as not
started. This module holds the steps, checks an update before the leadership
store keeps it, and works out progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from cx import edits
from cx.status import OVERDUE_TAG, STEP_STATUSES, Status
from cx.status import status as status_named
from cx.store import Store

MAX_EVIDENCE_LENGTH = 2_000


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    text: str


STEPS: tuple[Step, ...] = (
    Step(1, "Leadership team aligned",
         "Agree, as one leadership team, what you promise customers and what you aim to achieve "
         "in each of the first three years."),
    Step(2, "Personal behaviours agreed and shared",
         "Decide which behaviours each leader will show in their own work, and tell staff what "
         "they are. Lead by example."),
    Step(3, "Customer communication plan",
         "Plan how you will keep customers and staff informed, so that both can see things "
         "getting better."),
    Step(4, "Customer dashboard published",
         "Bring customer data into every discussion you can, to show both problems and "
         "successes; build a dashboard and make it public."),
    Step(5, "Recognition scheme",
         "Start a scheme that celebrates stories of customers being served well, and make sure "
         "everyone hears about it."),
    Step(6, "Working groups across services",
         "Set up working groups that cut across services and partner organisations to tackle "
         "pain points and map customer journeys."),
    Step(7, "Leaders meet staff and customers",
         "Make sure senior leaders talk directly with front-line staff and with customers."),
    Step(8, "Satisfaction reported with finances",
         "Report how satisfied customers are alongside the main financial figures."),
    Step(9, "New ideas scheme",
         "Run a scheme that rewards ideas which make customers' experience better."),
    Step(10, "Customer First learning programme",
         "Invest in a good-quality Customer First learning programme, with the leadership team "
         "as its sponsor."),
    Step(11, "HR practices reward customer focus",
         "Bring recruitment, appraisals and learning into line so that customer-focused "
         "behaviour is recognised."),
)
STEP_NUMBERS: tuple[int, ...] = tuple(s.number for s in STEPS)


STATUS_CODES: tuple[str, ...] = tuple(s.code for s in STEP_STATUSES)


def status(code: str) -> Status:
    """The step status with this code. Raises ValueError naming the field for an unknown code."""
    return status_named(code, STEP_STATUSES)


def step(number: int) -> Step:
    """The step with this number (1 to 11). Raises ValueError naming the field otherwise."""
    if number not in STEP_NUMBERS:
        raise ValueError(f"Step: choose a step from 1 to {len(STEPS)}.")
    return STEPS[number - 1]


@dataclass(frozen=True)
class StepUpdate:
    step: int
    status: str
    owner_id: int | None
    step_date: date | None
    evidence: str | None


def clean_update(
    step_number: int, status_code: str, owner_id: int | None, step_date: date | None, evidence: str | None
) -> StepUpdate:
    """An update ready to store: evidence trimmed (empty becomes None).

    Raises ValueError naming the field for an unknown step or status, or evidence
    longer than MAX_EVIDENCE_LENGTH characters.
    """
    step(step_number)
    status(status_code)
    note = (evidence or "").strip() or None
    if note is not None and len(note) > MAX_EVIDENCE_LENGTH:
        raise ValueError(
            f"Evidence: keep the note under {MAX_EVIDENCE_LENGTH:,} characters (it has {len(note):,})."
        )
    return StepUpdate(step_number, status_code, owner_id, step_date, note)


STEP_FIELDS: dict[str, str] = {"status": "Status", "owner_id": "Owner", "step_date": "Date",
                               "evidence": "Evidence"}


def save_step(store: Store, step_number: int, status_code: str, owner_id: int | None,
              step_date: date | None, evidence: str | None, *, updated_by: int | None, now: datetime,
              based_on: StepRecord | None = None, overwrite: bool = False) -> None:
    """Record a step's status, owner, date and evidence.

    `based_on` is the step as the form showed it: only the fields the person
    changed from it are written, and what others changed meanwhile in other
    fields is kept (see `cx.edits`). Raises ValueError naming the field (see
    `clean_update`), or for an owner or editor who is not in the team list, and
    EditConflict when someone else changed one of the same fields since (unless
    `overwrite`).
    """
    update = clean_update(step_number, status_code, owner_id, step_date, evidence)
    with store.transaction():
        store.people.names([updated_by], field="You are")
        current = step_record(roadmap(store.leadership.culture_steps(), now.date()), step_number)
        owners = store.people.names([update.owner_id, current.owner_id], field="Owner")
        mine = {name: getattr(update, name) for name in STEP_FIELDS}
        stored = {name: getattr(current, name) for name in STEP_FIELDS}
        base = {name: getattr(based_on, name) for name in STEP_FIELDS} if based_on else stored
        write = edits.check("this step", base, mine, stored, words=lambda n, v: _step_words(n, v, owners),
                            label=STEP_FIELDS.get, changed_by=current.updated_by_name,
                            changed_at=current.updated_at, overwrite=overwrite)
        if not write:
            return
        merged = {**stored, **write}
        store.leadership.save_culture_step(step_number, merged["status"], merged["owner_id"],
                                           merged["step_date"], merged["evidence"], updated_by=updated_by,
                                           now=now)


def _step_words(name: str, value: object, owners: dict[int, str]) -> str:
    if value is None or value == "":
        return "(empty)"
    if name == "status":
        return status(str(value)).tag
    if name == "owner_id":
        return owners.get(int(value), "someone")
    if name == "step_date":
        return f"{value.day} {value:%B %Y}"
    return str(value)


def roadmap(stored: pd.DataFrame, today: date) -> pd.DataFrame:
    """All eleven steps with what the team has recorded, one row per step in order.

    `stored` has the columns of `LeadershipStore.culture_steps` (step, status, owner_id, owner,
    step_date, evidence, updated_at, updated_by_name); steps missing from it are not
    started. Returns step, title, text, status (code), status_label, owner_id, owner,
    step_date, overdue, evidence, updated_at, updated_by_name. A step is overdue
    when it is not done and its date is before `today`.
    """
    steps = pd.DataFrame({"step": list(STEP_NUMBERS), "title": [s.title for s in STEPS],
                          "text": [s.text for s in STEPS]})
    merged = steps.merge(stored, on="step", how="left")
    merged["status"] = merged["status"].fillna("not_started")
    merged["status_label"] = merged["status"].map(lambda c: status(c).tag)
    dates = merged["step_date"].map(lambda d: None if pd.isna(d) else pd.Timestamp(d).date())
    merged["step_date"] = dates.astype(object)
    merged["overdue"] = [
        d is not None and d < today and s != "done" for d, s in zip(dates, merged["status"], strict=True)
    ]
    columns = ["step", "title", "text", "status", "status_label", "owner_id", "owner", "step_date",
               "overdue", "evidence", "updated_at", "updated_by_name"]
    return merged[columns]


@dataclass(frozen=True)
class StepRecord:
    """What is recorded for one step, as plain Python values (None where nothing is)."""

    step: int
    status: str
    owner_id: int | None
    step_date: date | None
    evidence: str | None
    updated_at: datetime | None
    updated_by_name: str | None


def step_record(steps: pd.DataFrame, number: int) -> StepRecord:
    """The record of one step from a frame made by `roadmap`. Raises ValueError for an unknown step."""
    step(number)
    row = steps.loc[steps["step"] == number].iloc[0]

    def value(column: str) -> object:
        item = row[column]
        return None if item is None or (not isinstance(item, str) and pd.isna(item)) else item

    owner = value("owner_id")
    updated = value("updated_at")
    return StepRecord(
        step=number,
        status=row["status"],
        owner_id=None if owner is None else int(owner),
        step_date=value("step_date"),
        evidence=value("evidence"),
        updated_at=None if updated is None else pd.Timestamp(updated).to_pydatetime(),
        updated_by_name=value("updated_by_name"),
    )


@dataclass(frozen=True)
class Progress:
    done: int
    in_progress: int
    not_started: int
    overdue: int

    @property
    def total(self) -> int:
        return self.done + self.in_progress + self.not_started

    @property
    def share_done(self) -> float:
        """Done steps as a fraction of all steps, 0 to 1."""
        return self.done / self.total if self.total else 0.0

    def sentence(self) -> str:
        """'4 of 11 steps done, 3 in progress, 4 not started (1 overdue).'"""
        text = (f"{self.done} of {self.total} steps done, {self.in_progress} in progress, "
                f"{self.not_started} not started")
        if self.overdue:
            text += f" ({self.overdue} overdue)"
        return text + "."


def progress(steps: pd.DataFrame) -> Progress:
    """Counts by status over a frame from `roadmap`."""
    counts = steps["status"].value_counts()
    return Progress(
        done=int(counts.get("done", 0)),
        in_progress=int(counts.get("in_progress", 0)),
        not_started=int(counts.get("not_started", 0)),
        overdue=int(steps["overdue"].sum()),
    )


def display_table(steps: pd.DataFrame) -> pd.DataFrame:
    """The roadmap as people read it: words for every status, dates as '5 Mar 2027'."""
    def when(d: date | None, overdue: bool) -> str:
        if d is None:
            return ""
        text = f"{d.day} {d:%b %Y}"
        return f"{text} {OVERDUE_TAG}" if overdue else text

    return pd.DataFrame(
        {
            "Step": steps["step"].tolist(),
            "What the team does": [f"{t}: {x}" for t, x in zip(steps["title"], steps["text"], strict=True)],
            "Status": steps["status_label"].tolist(),
            "Owner": steps["owner"].fillna("").tolist(),
            "Date": [when(d, o) for d, o in zip(steps["step_date"], steps["overdue"], strict=True)],
            "Evidence": steps["evidence"].fillna("").tolist(),
        }
    )
