"""Follow-up cases: unhappy customers who agreed to be contacted, followed up within a standard.

The rule (one per survey, editable by admins and analysts):

- a response becomes a case when its NPS is at or below `nps_max` (default 6, a
  detractor) or its CSAT at or below `csat_max` (default 2), it has a comment
  (unless `needs_comment` is off), and its consent attribute holds one of
  `consent_values` ("yes", "y", "true", ...; compared without case or spaces);
- the consent, email and phone answers are survey columns that were not given a
  role at import, so they live in the response's extra attributes; the rule names
  them. Until a rule is saved, PlaceCX guesses them from the attribute names
  ("Happy to be contacted", "Email address", "Phone"); with no consent column
  nothing becomes a case, because nobody agreed to be contacted;
- a case is due `standard_days` working days (default 5; weekends and England and
  Wales bank holidays do not count) after the day it was opened. A changed
  standard applies to cases opened after the change.

Cases open when an export is imported and when someone asks PlaceCX to find new
cases; both are idempotent: one case per response, however often or however
simultaneously they run. A case is closed when it is resolved or the customer
could not be contacted; it was closed within the standard when it closed on or
before its due date.

Contact details are shown to the case's owner and to admins only, checked here
(`contact_details` takes the Actor), and are never part of a list or download.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

import pandas as pd

from cx import edits
from cx.access import Actor, NotAllowed
from cx.formatting import format_date
from cx.status import CASE_STATUSES, OVERDUE_TAG
from cx.store import Store
from cx.store.cases import OPEN_STATUSES, RULE_FIELDS, Criteria
from cx.working_days import add_working_days

DEFAULT_STANDARD_DAYS = 5
DEFAULT_NPS_MAX = 6
DEFAULT_CSAT_MAX = 2
DEFAULT_CONSENT_VALUES: tuple[str, ...] = ("yes", "y", "true", "1", "agree", "agreed", "i agree", "ok")
MAX_NOTES = 4000
MAX_OUTCOME = 1000
STATUS_BY_CODE = {s.code: s for s in CASE_STATUSES}
CLOSED_STATUSES = tuple(s.code for s in CASE_STATUSES if s.code not in OPEN_STATUSES)
_CONSENT = re.compile(r"consent|permission|(happy|ok|okay|agree|may|can)\b.*\bcontact|contact.*\b(ok|okay|"
                      r"agree|agreed|consent|permission|back)\b", re.IGNORECASE)
_EMAIL = re.compile(r"e-?mail", re.IGNORECASE)
_PHONE = re.compile(r"phone|mobile|\btel\b|telephone", re.IGNORECASE)


@dataclass(frozen=True)
class CaseRule:
    """Which responses of one survey become cases, where their contact details are, and the standard."""

    enabled: bool = True
    nps_max: int | None = DEFAULT_NPS_MAX
    csat_max: int | None = DEFAULT_CSAT_MAX
    needs_comment: bool = True
    consent_column: str | None = None
    consent_values: tuple[str, ...] = DEFAULT_CONSENT_VALUES
    email_column: str | None = None
    phone_column: str | None = None
    standard_days: int = DEFAULT_STANDARD_DAYS
    default_owner_id: int | None = None

    @property
    def opens_cases(self) -> bool:
        return self.enabled and self.consent_column is not None

    def sentence(self) -> str:
        """The rule in words, as the page shows it."""
        if not self.enabled:
            return "Switched off: no cases are opened from this survey."
        if self.consent_column is None:
            return ("No cases: choose the column where customers said whether they may be contacted.")
        scores = [f"NPS {self.nps_max} or lower" if self.nps_max is not None else "",
                  f"CSAT {self.csat_max} or lower" if self.csat_max is not None else ""]
        comment = " with a comment" if self.needs_comment else ""
        return (f"A response with {' or '.join(s for s in scores if s)}{comment}, whose answer to "
                f"“{self.consent_column}” is {', '.join(self.consent_values)}, becomes a case due "
                f"{self.standard_days} working days after it is opened.")


RULE_LABELS = {
    "enabled": "Open cases from this survey", "nps_max": "NPS at or below", "csat_max": "CSAT at or below",
    "needs_comment": "Only with a comment", "consent_column": "Consent column",
    "consent_values": "Answers that mean yes", "email_column": "Email column", "phone_column": "Phone column",
    "standard_days": "Response-time standard (working days)", "default_owner_id": "Owner of new cases",
}


def guess_columns(names: Sequence[str]) -> tuple[str | None, str | None, str | None]:
    """(consent, email, phone) attribute names guessed from a survey's extra attribute names."""
    consent = next((n for n in names if _CONSENT.search(n) and not _EMAIL.search(n) and not _PHONE.search(n)),
                   None)
    email = next((n for n in names if _EMAIL.search(n) and n != consent), None)
    phone = next((n for n in names if _PHONE.search(n) and n not in (consent, email)), None)
    return consent, email, phone


def default_rule(names: Sequence[str]) -> CaseRule:
    """The council's default rule for a survey whose attributes are `names` (columns guessed)."""
    consent, email, phone = guess_columns(names)
    return CaseRule(consent_column=consent, email_column=email, phone_column=phone)


def validate_rule(rule: CaseRule, names: Sequence[str]) -> CaseRule:
    """Return the rule cleaned (consent answers trimmed, lower case, no repeats).

    Raises ValueError starting with the field's label: a score limit out of its
    scale, neither score used, a column the survey does not hold, the same column
    for two jobs, no answer that means yes, or a standard outside 1 to 60 working days.
    """
    if rule.nps_max is not None and not 0 <= rule.nps_max <= 10:
        raise ValueError("NPS at or below: choose 0 to 10, or leave NPS out.")
    if rule.csat_max is not None and not 1 <= rule.csat_max <= 5:
        raise ValueError("CSAT at or below: choose 1 to 5, or leave CSAT out.")
    if rule.nps_max is None and rule.csat_max is None:
        raise ValueError("NPS at or below: use NPS, CSAT or both to say who was unhappy.")
    for name in ("consent_column", "email_column", "phone_column"):
        column = getattr(rule, name)
        if column is not None and column not in names:
            raise ValueError(f"{RULE_LABELS[name]}: this survey has no column called “{column}”.")
    chosen = [c for c in (rule.consent_column, rule.email_column, rule.phone_column) if c is not None]
    if len(chosen) != len(set(chosen)):
        raise ValueError("Consent column: the consent, email and phone columns must be different columns.")
    values = tuple(dict.fromkeys(v.strip().lower() for v in rule.consent_values if v.strip()))
    if not values:
        raise ValueError("Answers that mean yes: give at least one, such as yes.")
    if not 1 <= int(rule.standard_days) <= 60:
        raise ValueError("Response-time standard (working days): choose 1 to 60 working days.")
    return replace(rule, consent_values=values, standard_days=int(rule.standard_days))


def rule_for(store: Store, source: str) -> CaseRule:
    """The survey's saved rule, or the default rule with its columns guessed."""
    saved = store.cases.rule(source)
    if saved is None:
        return default_rule(store.cases.attribute_names(source))
    return CaseRule(**{name: saved[name] for name in RULE_FIELDS})


def _rule_words(name: str, value: object, owners: Mapping[int, str]) -> str:
    if value is None:
        unset = {"nps_max": "not used", "csat_max": "not used", "default_owner_id": "Nobody"}
        return unset.get(name, "(none)")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "consent_values":
        return ", ".join(value)
    if name == "default_owner_id":
        return owners.get(int(value), str(value))
    return str(value)


def save_rule(store: Store, source: str, rule: CaseRule, *, by: int | None, now: datetime,
              based_on: CaseRule | None = None, overwrite: bool = False) -> list[tuple[str, str, str]]:
    """Save a survey's rule; return the (field, old, new) changes recorded in the rule's history.

    `based_on` is the rule as the form showed it: only what the person changed is
    written (cx.edits). Raises ValueError naming the field (see `validate_rule`),
    EditConflict when someone else changed the same setting since (unless
    `overwrite`), NotAllowed unless the person may change rules.
    """
    with store.transaction():
        names = store.cases.attribute_names(source)
        mine = validate_rule(rule, names)
        saved = store.cases.rule(source)
        current = rule_for(store, source)
        owners = store.people.names([mine.default_owner_id, current.default_owner_id,
                                     saved["updated_by"] if saved else None], field="Owner of new cases")
        write = edits.check(
            f"the rule for {source}", asdict(based_on or current), asdict(mine), asdict(current),
            words=lambda n, v: _rule_words(n, v, owners), label=RULE_LABELS.get,
            changed_by=owners.get(saved["updated_by"]) if saved and saved["updated_by"] else None,
            changed_at=saved["updated_at"] if saved else None, overwrite=overwrite)
        merged = validate_rule(replace(current, **write), names)
        diffs = [(f"Rule: {RULE_LABELS[n]}", _rule_words(n, getattr(current, n), owners),
                  _rule_words(n, getattr(merged, n), owners)) for n in RULE_FIELDS
                 if getattr(current, n) != getattr(merged, n)]
        if saved is not None and not diffs:
            return []
        store.cases.save_rule(source, asdict(merged), by=by, now=now)
        store.cases.record_changes(None, diffs or [("Rule", "", "Saved as proposed")], by=by, now=now,
                                   source=source)
    return diffs


def find_new_cases(store: Store, *, by: int | None, now: datetime, source: str | None = None,
                   batch_id: int | None = None, keep_guessed: bool = False) -> dict[str, int]:
    """Open a case for every response that meets its survey's rule and has none; {survey: cases opened}.

    Every survey, or only `source` (and only its upload `batch_id`, at import).
    With `keep_guessed` (an import), a survey's guessed rule that opens cases is
    saved as its rule, so its contact columns are known to be contact details.
    Running it again opens nothing new; two runs at once cannot open one response
    twice (the later one conflicts at commit and `Store.run` runs it again).
    Raises NotAllowed unless the person may work on cases.
    """
    opened: dict[str, int] = {}
    with store.transaction():
        for name in [source] if source is not None else store.cases.sources():
            rule = rule_for(store, name)
            if not rule.opens_cases:
                continue
            if keep_guessed and store.cases.rule(name) is None:
                save_rule(store, name, rule, by=by, now=now)
            criteria = Criteria(name, rule.nps_max, rule.csat_max, rule.needs_comment, rule.consent_column,
                                rule.consent_values)
            if store.cases.count_matching(criteria) == 0:
                continue
            today = now.date()
            opened[name] = store.cases.open_cases(
                criteria, opened_on=today, due_on=add_working_days(today, rule.standard_days),
                standard_days=rule.standard_days, owner_id=rule.default_owner_id, by=by, now=now,
                batch_id=batch_id)
    return {name: count for name, count in opened.items() if count}


# ---------------------------------------------------------------- one case


@dataclass(frozen=True)
class CaseInput:
    """What a person sets on a case; `validate_case` checks it."""

    owner_id: int | None
    status: str
    notes: str = ""
    outcome: str = ""


CASE_LABELS = {"owner_id": "Owner", "status": "Status", "notes": "Notes", "outcome": "Outcome"}


def validate_case(case: CaseInput) -> CaseInput:
    """Return the case input trimmed. Raises ValueError naming the field: an unknown status, notes or
    outcome too long, or a closing status without an outcome."""
    if case.status not in STATUS_BY_CODE:
        raise ValueError(f"Status: choose one of {', '.join(s.word for s in CASE_STATUSES)}.")
    notes, outcome = (case.notes or "").strip(), (case.outcome or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValueError(f"Notes: keep them to {MAX_NOTES:,} characters or fewer.")
    if len(outcome) > MAX_OUTCOME:
        raise ValueError(f"Outcome: keep it to {MAX_OUTCOME:,} characters or fewer.")
    if case.status in CLOSED_STATUSES and not outcome:
        raise ValueError(f"Outcome: say what happened before marking the case "
                         f"{STATUS_BY_CODE[case.status].word.lower()}.")
    return replace(case, notes=notes, outcome=outcome)


def case_input(row: Mapping[str, object]) -> CaseInput:
    """A stored case (a row of `store.cases.case`) as the form's fields."""
    owner = row["owner_id"]
    return CaseInput(None if pd.isna(owner) else int(owner), str(row["status"]), row["notes"] or "",
                     row["outcome"] or "")


def update_case(store: Store, case_id: int, case: CaseInput, *, by: int | None, now: datetime,
                based_on: CaseInput | None = None, overwrite: bool = False) -> list[tuple[str, str, str]]:
    """Save a case's owner, status, notes and outcome; return the (field, old, new) changes recorded.

    Only what the person changed from `based_on` is written (cx.edits); closing a
    case records today as its closing day, reopening clears it. Raises ValueError
    as `validate_case` or for a missing case or owner, EditConflict when someone
    else changed the same field since (unless `overwrite`), NotAllowed unless the
    person may work on cases.
    """
    mine = validate_case(case)
    with store.transaction():
        row = store.cases.case(case_id)
        current = case_input(row)
        owners = store.people.names([mine.owner_id, current.owner_id, row["updated_by_id"]], field="Owner")

        def words(name: str, value: object) -> str:
            if name == "owner_id":
                return owners.get(value, "Nobody") if value is not None else "Nobody"
            if name == "status":
                return STATUS_BY_CODE[str(value)].tag
            return str(value) or "(empty)"

        updated_by = row["updated_by_id"]
        write = edits.check(f"case {case_id}", asdict(based_on or current), asdict(mine), asdict(current),
                            words=words, label=CASE_LABELS.get,
                            changed_by=owners.get(int(updated_by)) if not pd.isna(updated_by) else None,
                            changed_at=row["updated_at"], overwrite=overwrite)
        merged = validate_case(replace(current, **write))
        diffs = [(CASE_LABELS[n], words(n, getattr(current, n)), words(n, getattr(merged, n)))
                 for n in CASE_LABELS if getattr(current, n) != getattr(merged, n)]
        if not diffs:
            return []
        fields = dict(write)
        if "status" in write:
            was_closed = current.status in CLOSED_STATUSES
            if merged.status in CLOSED_STATUSES and not was_closed:
                fields["closed_on"] = now.date()
            elif merged.status not in CLOSED_STATUSES:
                fields["closed_on"] = None
        store.cases.update_case(case_id, fields, by=by, now=now)
        store.cases.record_changes(case_id, diffs, by=by, now=now)
    return diffs


@dataclass(frozen=True)
class Contact:
    """How to reach the customer of one case (None where the survey holds no answer)."""

    email: str | None
    phone: str | None


def may_see_contact(actor: Actor, owner_id: int | None) -> bool:
    """Contact details are for the case's owner and for admins (and the one person in open mode)."""
    if actor.person_id is None:
        return False
    return actor.open_mode or actor.role == "admin" or (owner_id is not None and actor.person_id == owner_id)


def contact_details(store: Store, actor: Actor, case_id: int) -> Contact:
    """The customer's email and phone for one case, for its owner or an admin.

    Raises NotAllowed for anyone else (whatever page or script asks), and
    ValueError when there is no such case.
    """
    row = store.cases.case(case_id)
    owner = None if pd.isna(row["owner_id"]) else int(row["owner_id"])
    if not may_see_contact(actor, owner):
        raise NotAllowed("Only the case's owner and admins can see how to contact the customer.")
    rule = rule_for(store, str(row["source"]))
    email, phone = store.cases.contact(case_id, [rule.email_column, rule.phone_column])
    return Contact(email if rule.email_column else None, phone if rule.phone_column else None)


# ---------------------------------------------------------------- lists


def day_words(value: object) -> str:
    """'9 October 2026', or 'an unknown date' for a missing one (a response without a completion time)."""
    return "an unknown date" if value is None or pd.isna(value) else format_date(value)


def is_overdue(cases: pd.DataFrame, today: date) -> pd.Series:
    """True for open cases whose due date has passed."""
    return cases["closed_on"].isna() & (pd.to_datetime(cases["due_on"]) < pd.Timestamp(today))


def in_attention_order(cases: pd.DataFrame, today: date) -> pd.DataFrame:
    """Cases with an `overdue` column: overdue first, then other open cases (soonest due first within
    each), then closed cases, most recently closed first."""
    frame = cases.assign(overdue=is_overdue(cases, today), _due=pd.to_datetime(cases["due_on"]),
                         _closed=pd.to_datetime(cases["closed_on"]))
    still_open = frame[frame["_closed"].isna()].sort_values(
        ["overdue", "_due", "case_id"], ascending=[False, True, True], kind="stable")
    closed = frame[frame["_closed"].notna()].sort_values(["_closed", "case_id"], ascending=[False, False],
                                                          kind="stable")
    return pd.concat([still_open, closed]).drop(columns=["_due", "_closed"]).reset_index(drop=True)


def case_table(cases: pd.DataFrame, today: date) -> pd.DataFrame:
    """Cases as the page lists them and downloads export them, in attention order; no contact details."""
    ordered = in_attention_order(cases, today)

    def score(row) -> str:
        parts = [f"NPS {int(row['nps'])}" if not pd.isna(row["nps"]) else "",
                 f"CSAT {int(row['csat'])}" if not pd.isna(row["csat"]) else ""]
        return ", ".join(p for p in parts if p)

    return pd.DataFrame({
        "Case": ordered["case_id"].astype(int),
        "Due": [format_date(d) for d in ordered["due_on"]],
        "Status": [STATUS_BY_CODE[s].tag + (f" · {OVERDUE_TAG}" if late else "")
                   for s, late in zip(ordered["status"], ordered["overdue"], strict=True)],
        "Owner": ordered["owner"].fillna("Nobody"),
        "Service": ordered["service"].fillna(""),
        "Score": [score(r) for _, r in ordered.iterrows()] if len(ordered) else [],
        "Comment": ordered["comment"].fillna(""),
        "Opened": [format_date(d) for d in ordered["opened_on"]],
        "Outcome": ordered["outcome"].fillna(""),
        "Survey": ordered["source"],
    })
