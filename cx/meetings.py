"""Review meetings: the record of a meeting, its decisions, and what changed since the last one.

A meeting records when it was held, who came, which heat-map round and which
survey period (a month or a quarter) it reviewed. Each decision is a sentence;
it may create a roadmap action or change one (owner, due date, status). Actions
are always created and changed through `cx.roadmap`, so the roadmap's checks,
history and access rules hold whether a change starts on the Roadmap page or in
a meeting.

"Since the last meeting" compares a meeting with the one held before it:
- what moved: each headline measure in this meeting's period against the
  period the previous meeting reviewed, with the measure's own two-sample test;
- what was done: actions whose status was set to done between the two meetings;
- what slipped: actions not done whose due date fell before this meeting,
  marked when it fell since the previous one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from cx import edits, roadmap
from cx.formatting import format_change, format_date, format_value, period_label
from cx.measures import MEASURES, SURVEY_MEASURES
from cx.roadmap import ActionInput
from cx.status import STATUS_BY_CODE
from cx.store import Store
from cx.store.filters import Slice
from cx.store.meetings import MEETING_FIELDS
from cx.trends import row_or_empty

MAX_TITLE = 120
MAX_NOTES = 4000
MAX_DECISION = 1000
GRAINS = ("month", "quarter")
COUNCIL_NAME_KEY = "council_name"
# Measures compared between meetings: the survey headlines and the contact centre's shares.
MOVED_MEASURES: tuple[str, ...] = (*SURVEY_MEASURES, "answered_within_20s", "abandoned")
FIELD_LABELS = {"held_on": "Date", "title": "Title", "round_id": "Heat-map round", "period_start": "Period",
                "period_grain": "Period length", "notes": "Notes", "attendees": "Attendees"}


@dataclass(frozen=True)
class MeetingInput:
    """What a person enters for a meeting; `validate_meeting` cleans and checks it."""

    held_on: date | None
    title: str
    attendees: tuple[int, ...] = ()
    round_id: int | None = None
    period_start: date | None = None
    period_grain: str = "month"
    notes: str = ""


def council_name(store: Store) -> str:
    """The council's name as set in the database, or a neutral stand-in when none is set."""
    return store.admin.meta(COUNCIL_NAME_KEY) or "Council name not set"


def set_council_name(store: Store, name: str) -> str:
    """Set the name the board pack prints on every page; return it cleaned.

    Raises ValueError for an empty or overlong name, and NotAllowed (from the
    store's policy) for anyone but an admin.
    """
    clean = " ".join((name or "").split())
    if not clean:
        raise ValueError("Council name: enter the council's name as it should appear on the board pack.")
    if len(clean) > MAX_TITLE:
        raise ValueError(f"Council name: keep it to {MAX_TITLE} characters or fewer.")
    store.admin.set_meta(COUNCIL_NAME_KEY, clean)
    return clean


def period_start(day: date, grain: str) -> date:
    """The first day of the month or quarter holding `day`."""
    if grain == "month":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def validate_meeting(meeting: MeetingInput, round_ids: Sequence[int] = ()) -> MeetingInput:
    """Return the meeting cleaned (trimmed text, period moved to its first day, attendees sorted).

    Raises ValueError whose message starts with the field's label: no date, an
    empty or overlong title, overlong notes, a period length other than month or
    quarter, or a round that is not in `round_ids`.
    """
    if meeting.held_on is None:
        raise ValueError("Date: enter the date the meeting is (or was) held.")
    title = " ".join((meeting.title or "").split())
    if not title:
        raise ValueError("Title: enter a short title, such as the quarter it reviews.")
    if len(title) > MAX_TITLE:
        raise ValueError(f"Title: keep it to {MAX_TITLE} characters or fewer.")
    notes = (meeting.notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValueError(f"Notes: keep them to {MAX_NOTES:,} characters or fewer.")
    if meeting.period_grain not in GRAINS:
        raise ValueError("Period length: choose a month or a quarter.")
    if meeting.round_id is not None and int(meeting.round_id) not in set(map(int, round_ids)):
        raise ValueError("Heat-map round: choose a round from the list, or none.")
    start = None if meeting.period_start is None else period_start(meeting.period_start, meeting.period_grain)
    return replace(meeting, title=title, notes=notes, period_start=start,
                   attendees=tuple(sorted({int(p) for p in meeting.attendees})),
                   round_id=None if meeting.round_id is None else int(meeting.round_id))


def _fields(meeting: MeetingInput) -> dict[str, object]:
    return {**{name: getattr(meeting, name) for name in MEETING_FIELDS}, "attendees": meeting.attendees}


def load_meeting(store: Store, meeting_id: int) -> MeetingInput:
    """One meeting as its form shows it. Raises ValueError when there is no such meeting."""
    row = store.meetings.meeting(meeting_id)
    return MeetingInput(row["held_on"], row["title"], tuple(store.meetings.attendee_ids(meeting_id)),
                        row["round_id"], row["period_start"], row["period_grain"], row["notes"] or "")


def create_meeting(store: Store, meeting: MeetingInput, *, by: int | None, now: datetime) -> int:
    """Record a meeting with its attendees and return its id.

    Raises ValueError naming the field (see `validate_meeting`), or "Attendees: ..."
    for someone not in the people table.
    """
    with store.transaction():
        clean = validate_meeting(meeting, store.assessment.rounds()["round_id"].tolist())
        store.people.names(list(clean.attendees), field="Attendees")
        fields = _fields(clean)
        meeting_id = store.meetings.insert({n: fields[n] for n in MEETING_FIELDS}, by=by, now=now)
        store.meetings.set_attendees(meeting_id, clean.attendees)
    return meeting_id


def update_meeting(store: Store, meeting_id: int, meeting: MeetingInput, *, by: int | None, now: datetime,
                   based_on: MeetingInput | None = None, overwrite: bool = False) -> list[str]:
    """Save an edited meeting; return the labels of the fields written (none: no write).

    `based_on` is the meeting as the form showed it: only what the person changed
    is written, and others' changes to other fields are kept. Raises EditConflict
    when someone else changed one of the same fields since (unless `overwrite`),
    and ValueError as `create_meeting` or when the meeting does not exist.
    """
    with store.transaction():
        mine = validate_meeting(meeting, store.assessment.rounds()["round_id"].tolist())
        row = store.meetings.meeting(meeting_id)
        current = load_meeting(store, meeting_id)
        names = store.people.names([*mine.attendees, *current.attendees, row["updated_by"]],
                                   field="Attendees")
        write = edits.check(
            "this meeting", _fields(based_on or current), _fields(mine), _fields(current),
            words=lambda name, value: _words(name, value, names), label=FIELD_LABELS.get,
            changed_by=names.get(row["updated_by"]), changed_at=row["updated_at"], overwrite=overwrite)
        if not write:
            return []
        attendees = write.pop("attendees", None)
        store.meetings.update(meeting_id, write, by=by, now=now)
        if attendees is not None:
            store.meetings.set_attendees(meeting_id, attendees)
            write["attendees"] = attendees
    return [FIELD_LABELS[name] for name in write]


def _words(name: str, value: object, names: Mapping[int, str]) -> str:
    if value is None or value == "" or value == ():
        return "(empty)"
    if name == "attendees":
        return ", ".join(names.get(int(p), "?") for p in value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def record_decision(store: Store, meeting_id: int, text: str, *, by: int | None, now: datetime,
                    new_action: ActionInput | None = None, action_id: int | None = None,
                    changed_action: ActionInput | None = None,
                    based_on: ActionInput | None = None) -> int:
    """Record a decision of a meeting, creating or changing the roadmap action it names; return its id.

    Give `new_action` to create an action, or `action_id` with `changed_action`
    (the action as the decision leaves it; `based_on` as the form showed it) to
    change one, or neither for a decision with no action. Raises ValueError for an
    empty or overlong decision, an unknown meeting, a change that changes nothing,
    or an action the roadmap refuses (its message names the field); EditConflict when someone changed the
    same field of the action since the form was drawn.
    """
    words = " ".join((text or "").split())
    if not words:
        raise ValueError("Decision: write what the meeting decided.")
    if len(words) > MAX_DECISION:
        raise ValueError(f"Decision: keep it to {MAX_DECISION:,} characters or fewer.")
    if new_action is not None and changed_action is not None:
        raise ValueError("Action: a decision either creates an action or changes one, not both.")
    with store.transaction():
        store.meetings.meeting(meeting_id)
        effect = None
        if new_action is not None:
            action_id, effect = roadmap.create_action(store, new_action, by=by, now=now), "created"
        elif changed_action is not None:
            if action_id is None:
                raise ValueError("Action: choose the action the decision changes.")
            if not roadmap.update_action(store, action_id, changed_action, by=by, now=now, based_on=based_on):
                raise ValueError("Action: nothing on the action differs from what it says now; change a "
                                 "field or record the decision without an action.")
            effect = "changed"
        elif action_id is not None:
            raise ValueError("Action: say how the decision changes the action, or choose none.")
        return store.meetings.add_decision(meeting_id, words, action_id, effect, by=by, now=now)


def decision_table(decisions: pd.DataFrame, today: date) -> pd.DataFrame:
    """A meeting's decisions as people read them: Decision, Action, Owner, Due, Status (words)."""
    def status(row) -> str:
        if pd.isna(row["action_id"]):
            return ""
        tag = STATUS_BY_CODE[row["status"]].tag
        overdue = row["status"] != "done" and pd.Timestamp(row["due_date"]) < pd.Timestamp(today)
        return f"{tag}, overdue" if overdue else tag

    effect_words = {"created": "New: ", "changed": "Changed: "}
    return pd.DataFrame({
        "Decision": decisions["text"].tolist(),
        "Action": [f"{effect_words.get(e, '')}{a}" if isinstance(a, str) else ""
                   for e, a in zip(decisions["effect"], decisions["action"], strict=True)],
        "Owner": decisions["owner"].fillna("").tolist(),
        "Due": ["" if pd.isna(d) else format_date(pd.Timestamp(d).date()) for d in decisions["due_date"]],
        "Status": [status(r) for _, r in decisions.iterrows()],
    }, columns=["Decision", "Action", "Owner", "Due", "Status"])


# ------------------------------------------------------- since the last meeting


@dataclass(frozen=True)
class SinceLast:
    """What changed between the previous meeting and this one (previous None: the first meeting)."""

    previous_title: str | None
    previous_held_on: date | None
    held_on: date
    moved: pd.DataFrame  # Measure, Then, Now, Change, Verdict
    then_period: str  # the period the previous meeting reviewed ('' for a first meeting)
    now_period: str
    done: pd.DataFrame  # Action, Done on
    slipped: pd.DataFrame  # Action, Owner, Due, Since last meeting

    def sentence(self) -> str:
        """One sentence for the top of the section."""
        significant = int((self.moved["Verdict"] == "significant change").sum()) if len(self.moved) else 0
        opening = ("This is the first meeting recorded" if self.previous_held_on is None else
                   f"Since {self.previous_title} ({format_date(self.previous_held_on)})")
        return (f"{opening}: {significant} of {len(self.moved)} measures changed significantly, "
                f"{len(self.done)} actions were done and {len(self.slipped)} actions are past due and "
                "not done.")


def previous_meeting(meetings: pd.DataFrame, meeting_id: int) -> pd.Series | None:
    """The meeting held before `meeting_id` (meetings as `MeetingStore.all`, newest first)."""
    ids = meetings["meeting_id"].tolist()
    later = meetings.iloc[ids.index(meeting_id) + 1:]
    return None if later.empty else later.iloc[0]


def since_last(store: Store, meeting_id: int, today: date | None = None) -> SinceLast:
    """What moved, what was done and what slipped between the previous meeting and this one.

    Raises ValueError when there is no such meeting.
    """
    meetings = store.meetings.all()
    if meeting_id not in meetings["meeting_id"].tolist():
        raise ValueError("Meeting: choose a meeting from the list.")
    this = meetings.set_index("meeting_id").loc[meeting_id]
    earlier = previous_meeting(meetings, meeting_id)
    held_on = pd.Timestamp(this["held_on"]).date()
    since = None if earlier is None else pd.Timestamp(earlier["held_on"]).date()
    actions = store.roadmap.actions()
    now_start, grain = reviewed_period(this)
    then_period = ("" if earlier is None else
                   period_label(period_start(reviewed_period(earlier)[0], grain), grain))
    return SinceLast(
        None if earlier is None else str(earlier["title"]), since, held_on,
        _moved(store, this, earlier), then_period, period_label(now_start, grain),
        _done(store, since, held_on),
        _slipped(actions, since, held_on),
    )


def reviewed_period(meeting: pd.Series) -> tuple[date, str]:
    """(start, grain) of the period a meeting reviewed: as recorded, else the period before its date."""
    grain = str(meeting["period_grain"])
    if not pd.isna(meeting["period_start"]):
        return pd.Timestamp(meeting["period_start"]).date(), grain
    held = pd.Timestamp(meeting["held_on"])
    months = 1 if grain == "month" else 3
    return period_start((held - pd.DateOffset(months=months)).date(), grain), grain


def _moved(store: Store, this: pd.Series, earlier: pd.Series | None) -> pd.DataFrame:
    columns = ["Measure", "Then", "Now", "Change", "Verdict"]
    if earlier is None:
        return pd.DataFrame(columns=columns)
    now_start, grain = reviewed_period(this)
    then_start, _ = reviewed_period(earlier)
    then_start = period_start(then_start, grain)
    rows = store.surveys.metrics(Slice(), grain=grain)
    kpis = store.surveys.kpi_totals(list(MOVED_MEASURES[len(SURVEY_MEASURES):]), grain=grain)
    records = []
    for code in MOVED_MEASURES:
        measure = MEASURES[code]
        source = rows if measure.source == "survey" else kpis[kpis["metric"] == code]
        now_row, then_row = _row(source, now_start, measure.source), _row(source, then_start, measure.source)
        now, then, test = measure.compare(now_row, then_row)
        if now.value is None or then.value is None:
            verdict = "no figures to compare"
        else:
            verdict = "significant change" if test.significant else "no significant change"
        records.append({
            "Measure": measure.label,
            "Then": f"{format_value(then)} (n = {then.n:,})",
            "Now": f"{format_value(now)} (n = {now.n:,})",
            "Change": format_change(test.change, now.unit) if verdict != "no figures to compare" else "",
            "Verdict": verdict,
        })
    return pd.DataFrame.from_records(records, columns=columns)


def _row(frame: pd.DataFrame, start: date, source: str) -> Mapping:
    if source == "survey":
        return row_or_empty(frame, period=start)
    match = frame[pd.to_datetime(frame["period"]) == pd.Timestamp(start)]
    return {"numerator": 0, "denominator": 0} if match.empty else match.iloc[0]


def _done(store: Store, since: date | None, held_on: date) -> pd.DataFrame:
    start = since or date(1900, 1, 1)
    changes = store.meetings.status_changes(start, held_on)
    done = changes[changes["new_value"] == STATUS_BY_CODE["done"].tag]
    return pd.DataFrame({"Action": done["action"].tolist(),
                         "Done on": [format_date(pd.Timestamp(t).date()) for t in done["changed_at"]]},
                        columns=["Action", "Done on"])


def _slipped(actions: pd.DataFrame, since: date | None, held_on: date) -> pd.DataFrame:
    due = pd.to_datetime(actions["due_date"])
    late = actions[(actions["status"] != "done") & (due < pd.Timestamp(held_on))].copy()
    late["_due"] = pd.to_datetime(late["due_date"])
    late = late.sort_values(["_due", "title"], kind="stable")
    newly = [since is not None and d >= pd.Timestamp(since) for d in late["_due"]]
    return pd.DataFrame({
        "Action": late["title"].tolist(),
        "Owner": late["owner"].fillna("no owner").tolist(),
        "Due": [format_date(d.date()) for d in late["_due"]],
        "Since last meeting": ["yes, newly past due" if n else "no, already past due" for n in newly],
    }, columns=["Action", "Owner", "Due", "Since last meeting"])
