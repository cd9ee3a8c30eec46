"""Follow-up cases: the rule per survey, the cases opened from responses, and their history.

The rule's criteria are applied here, in DuckDB, so finding new cases among a
million responses never brings the responses into Python. A case is unique per
response (source, response_id): `open_cases` skips responses that already have
one, and the unique key makes a second, simultaneous run fail at commit (then
`Store.run` runs it again and it finds nothing left to open).

Contact details are never copied into a case: `contact` reads them from the
response's extra attributes. It checks nobody's role; `cx.cases.contact_details`
is the one caller, and it does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from cx.store.base import FeatureStore, writes

RULE_FIELDS: tuple[str, ...] = (
    "enabled", "nps_max", "csat_max", "needs_comment", "consent_column", "consent_values", "email_column",
    "phone_column", "standard_days", "default_owner_id",
)
CASE_FIELDS: tuple[str, ...] = ("owner_id", "status", "closed_on", "notes", "outcome")
OPEN_STATUSES = ("new", "contacted")
# The columns a bulk insert of cases (`insert_cases`, the demo) must give.
CASE_ROW_COLUMNS: tuple[str, ...] = (
    "source", "response_id", "completed_at", "service", "channel", "nps", "csat", "comment", "opened_on",
    "due_on", "standard_days", "owner_id", "status", "closed_on", "notes", "outcome", "created_at",
    "updated_at",
)
_LIST_COLUMNS = """
    c.case_id, c.source, c.response_id, c.completed_at, c.service, c.channel, c.nps, c.csat, c.comment,
    c.opened_on, c.due_on, c.standard_days, c.owner_id, o.name AS owner, c.status, c.closed_on, c.notes,
    c.outcome, c.updated_at, u.name AS updated_by, c.updated_by AS updated_by_id
"""


@dataclass(frozen=True)
class Criteria:
    """Which responses of one survey become cases (see cx.cases.CaseRule, which words and checks them)."""

    source: str
    nps_max: int | None
    csat_max: int | None
    needs_comment: bool
    consent_column: str
    consent_values: tuple[str, ...]


class CaseStore(FeatureStore):
    """Rules, cases, their history and the team's figures."""

    READS = ("cases", "case_rules", "people", "surveys")

    # ------------------------------------------------------------ rules

    def rule(self, source: str) -> dict | None:
        """The saved rule for a survey (RULE_FIELDS plus updated_at, updated_by), or None."""
        columns = [*RULE_FIELDS, "updated_at", "updated_by"]
        row = self._one("SELECT " + ", ".join(columns) + " FROM case_rules WHERE source = ?", [source])
        if row is None:
            return None
        found = dict(zip(columns, row, strict=True))
        found["consent_values"] = tuple(found["consent_values"])
        return found

    @writes("case_rules")
    def save_rule(self, source: str, fields: Mapping[str, object], *, by: int | None, now: datetime) -> None:
        """Insert or replace the rule for `source` (every name in RULE_FIELDS)."""
        values = [list(fields[n]) if n == "consent_values" else fields[n] for n in RULE_FIELDS]
        updates = ", ".join(f"{n} = excluded.{n}" for n in (*RULE_FIELDS, "updated_at", "updated_by"))
        self._execute(
            "INSERT INTO case_rules (source, " + ", ".join(RULE_FIELDS) + ", updated_at, updated_by) VALUES ("
            + ", ".join("?" * (len(RULE_FIELDS) + 3)) + ") ON CONFLICT (source) DO UPDATE SET " + updates,
            [source, *values, now, by],
        )

    def sources(self) -> list[str]:
        """Every survey that holds responses, in name order."""
        return [r[0] for r in self._execute("SELECT DISTINCT source FROM responses ORDER BY 1").fetchall()]

    def attribute_names(self, source: str) -> list[str]:
        """The extra attribute names (unmapped columns) the responses of one survey carry, in order."""
        rows = self._execute(
            "SELECT DISTINCT unnest(map_keys(extra)) AS name FROM responses "
            "WHERE source = ? AND extra IS NOT NULL ORDER BY 1", [source]).fetchall()
        return [r[0] for r in rows]

    # ------------------------------------------------------------ opening

    def _matching(self, criteria: Criteria, batch_id: int | None) -> tuple[str, list[object]]:
        """The WHERE clause (over responses r) of responses that meet the criteria and have no case."""
        unhappy = []
        params: list[object] = [criteria.source, criteria.consent_column, [v.lower() for v in
                                                                           criteria.consent_values]]
        if criteria.nps_max is not None:
            unhappy.append("r.nps <= ?")
            params.append(criteria.nps_max)
        if criteria.csat_max is not None:
            unhappy.append("r.csat <= ?")
            params.append(criteria.csat_max)
        sql = ("r.source = ? AND lower(trim(r.extra[?])) IN (SELECT unnest(?)) AND ("
               + (" OR ".join(unhappy) or "false") + ")")
        if criteria.needs_comment:
            sql += " AND length(trim(coalesce(r.comment, ''))) > 0"
        if batch_id is not None:
            sql += " AND r.batch_id = ?"
            params.append(batch_id)
        sql += (" AND NOT EXISTS (SELECT 1 FROM follow_up_cases c WHERE c.source = r.source "
                "AND c.response_id = r.response_id)")
        return sql, params

    def count_matching(self, criteria: Criteria) -> int:
        """How many responses meet the criteria and have no case yet."""
        where, params = self._matching(criteria, None)
        return int(self._one("SELECT count(*) FROM responses r WHERE " + where, params)[0])

    def matching_responses(self, criteria: Criteria) -> pd.DataFrame:
        """The responses that meet the criteria and have no case (one row per response id), oldest first.

        Columns: response_id, completed_at, service, channel, nps, csat, comment.
        """
        where, params = self._matching(criteria, None)
        return self._frame(
            "SELECT r.response_id, any_value(r.completed_at) AS completed_at, "
            "any_value(r.service) AS service, "
            "any_value(r.channel) AS channel, any_value(r.nps) AS nps, any_value(r.csat) AS csat, "
            "any_value(r.comment) AS comment FROM responses r WHERE " + where
            + " GROUP BY r.response_id ORDER BY completed_at, r.response_id", params)

    def response_ids(self, source: str) -> list[str]:
        """Every response id one survey holds, in order."""
        rows = self._execute("SELECT DISTINCT response_id FROM responses WHERE source = ? ORDER BY 1",
                             [source]).fetchall()
        return [r[0] for r in rows]

    @writes("surveys")
    def add_response_attributes(self, source: str, frame: pd.DataFrame) -> None:
        """Add extra attributes to responses one survey already holds (the demo's consent answers).

        `frame` has response_id and one text column per attribute, named as the
        attribute; a missing value adds nothing for that response.
        """
        names = [c for c in frame.columns if c != "response_id"]
        renamed = frame.rename(columns={n: f"a{i}" for i, n in enumerate(names)})
        entries = ", ".join(f"struct_pack(k := ?, v := a.a{i})" for i in range(len(names)))
        cursor = self._session.cursor
        cursor.register("incoming_attributes", renamed)
        try:
            self._execute(
                "UPDATE responses SET extra = map_concat(coalesce(responses.extra, MAP {}), map_from_entries("
                f"list_filter([{entries}], lambda e: e.v IS NOT NULL))) FROM incoming_attributes a "
                "WHERE responses.source = ? AND responses.response_id = a.response_id", [*names, source])
        finally:
            cursor.unregister("incoming_attributes")

    @writes("cases")
    def open_cases(self, criteria: Criteria, *, opened_on: date, due_on: date, standard_days: int,
                   owner_id: int | None, by: int | None, now: datetime, batch_id: int | None = None) -> int:
        """Open a case for every response that meets `criteria` and has none; return how many.

        A response id held twice by one survey opens one case. Each case's history
        starts with an "Opened" row naming `by`.
        """
        where, params = self._matching(criteria, batch_id)
        rows = self._execute(
            """
            INSERT INTO follow_up_cases (source, response_id, completed_at, service, channel, nps, csat,
                comment, opened_on, due_on, standard_days, owner_id, status, created_at, created_by,
                updated_at, updated_by)
            SELECT r.source, r.response_id, any_value(r.completed_at), any_value(r.service),
                   any_value(r.channel), any_value(r.nps), any_value(r.csat), any_value(r.comment),
                   ?, ?, ?, ?, 'new', ?, ?, ?, ?
            FROM responses r WHERE """ + where + """
            GROUP BY r.source, r.response_id
            ON CONFLICT DO NOTHING
            RETURNING case_id
            """,
            [opened_on, due_on, standard_days, owner_id, now, by, now, by, *params],
        ).fetchall()
        ids = [r[0] for r in rows]
        self._record_opened(ids, by=by, now=now)
        return len(ids)

    @writes("cases")
    def insert_cases(self, frame: pd.DataFrame, *, by: int | None) -> list[int]:
        """Insert prepared cases (columns CASE_ROW_COLUMNS), skipping responses that already have one.

        For the demo, whose cases carry their own dates and states. Returns the new ids.
        """
        missing = set(CASE_ROW_COLUMNS) - set(frame.columns)
        if missing:
            raise ValueError(f"Cases need the columns {sorted(missing)}.")
        cursor = self._session.cursor
        cursor.register("incoming_cases", frame[list(CASE_ROW_COLUMNS)])
        try:
            rows = self._execute(
                "INSERT INTO follow_up_cases (" + ", ".join(CASE_ROW_COLUMNS) + ", created_by, updated_by) "
                "SELECT " + ", ".join(CASE_ROW_COLUMNS) + ", ?, ? FROM incoming_cases "
                "ON CONFLICT DO NOTHING RETURNING case_id", [by, by]).fetchall()
        finally:
            cursor.unregister("incoming_cases")
        return [r[0] for r in rows]

    def _record_opened(self, case_ids: Sequence[int], *, by: int | None, now: datetime) -> None:
        if case_ids:
            self._execute(
                "INSERT INTO case_changes (case_id, source, changed_at, changed_by, field, old_value, "
                "new_value) "
                "SELECT case_id, source, ?, ?, 'Case', '', 'Opened' FROM follow_up_cases "
                "WHERE case_id IN (SELECT unnest(?))", [now, by, list(case_ids)])

    @writes("cases")
    def record_history(self, rows: pd.DataFrame) -> None:
        """Append prepared history rows (case_id, changed_at, changed_by, field, old_value, new_value)."""
        cursor = self._session.cursor
        cursor.register("incoming_changes", rows)
        try:
            self._execute(
                "INSERT INTO case_changes (case_id, source, changed_at, changed_by, field, old_value, "
                "new_value) "
                "SELECT i.case_id, c.source, i.changed_at, i.changed_by, i.field, i.old_value, i.new_value "
                "FROM incoming_changes i JOIN follow_up_cases c USING (case_id) ORDER BY i.changed_at")
        finally:
            cursor.unregister("incoming_changes")

    # ------------------------------------------------------------ one case

    def case(self, case_id: int) -> dict:
        """One case's row (the columns of `cases`). Raises ValueError when there is none."""
        frame = self._frame("SELECT " + _LIST_COLUMNS + " FROM follow_up_cases c "
                            "LEFT JOIN people o ON o.person_id = c.owner_id "
                            "LEFT JOIN people u ON u.person_id = c.updated_by WHERE c.case_id = ?", [case_id])
        if frame.empty:
            raise ValueError(f"Case: there is no case number {case_id}.")
        return frame.iloc[0].to_dict()

    @writes("cases")
    def update_case(self, case_id: int, fields: Mapping[str, object], *, by: int | None,
                    now: datetime) -> None:
        """Write the given fields (names from CASE_FIELDS) of one case."""
        unknown = set(fields) - set(CASE_FIELDS)
        if unknown:
            raise ValueError(f"Unknown case fields: {sorted(unknown)}")
        names = [n for n in CASE_FIELDS if n in fields]
        self._execute(
            "UPDATE follow_up_cases SET " + ", ".join(f"{n} = ?" for n in names)
            + ", updated_at = ?, updated_by = ? WHERE case_id = ?",
            [*(fields[n] for n in names), now, by, case_id])

    @writes("cases")
    def record_changes(self, case_id: int | None, diffs: Sequence[tuple[str, str, str]], *, by: int | None,
                       now: datetime, source: str | None = None) -> None:
        """Append (field, old, new) rows to a case's history (case_id None: a survey's rule)."""
        rows = [[case_id, source, now, by, f, old, new] for f, old, new in diffs if old != new]
        if rows:
            self._executemany(
                "INSERT INTO case_changes (case_id, source, changed_at, changed_by, field, old_value, "
                "new_value) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def history(self, case_id: int, *, limit: int = 200) -> pd.DataFrame:
        """One case's recorded changes, newest first: changed_at, changed_by (name), field, old_value,
        new_value."""
        return self._frame(
            "SELECT h.changed_at, p.name AS changed_by, h.field, h.old_value, h.new_value "
            "FROM case_changes h LEFT JOIN people p ON p.person_id = h.changed_by "
            "WHERE h.case_id = ? ORDER BY h.change_id DESC LIMIT ?", [case_id, limit])

    def contact(self, case_id: int, columns: Sequence[str | None]) -> list[str | None]:
        """The response's values of the given extra attributes (None where absent) for one case.

        Checks nobody's role: call `cx.cases.contact_details`, which does.
        """
        row = self._one(
            "SELECT list_transform(?::VARCHAR[], lambda k: r.extra[k]) FROM follow_up_cases c "
            "JOIN responses r ON r.source = c.source AND r.response_id = c.response_id "
            "WHERE c.case_id = ? LIMIT 1", [list(columns), case_id])
        return list(row[0]) if row else [None] * len(columns)

    # ------------------------------------------------------------ lists and figures

    def cases(self, *, owner_id: int | None = None, unassigned: bool = False, open_only: bool = False,
              limit: int = 2000) -> pd.DataFrame:
        """Cases, newest opened first: all, one owner's, or the unassigned ones.

        Columns: case_id, source, response_id, completed_at, service, channel, nps,
        csat, comment, opened_on, due_on, standard_days, owner_id, owner (name),
        status, closed_on, notes, outcome, updated_at, updated_by (name), updated_by_id. Never any
        contact detail.
        """
        where, params = ["true"], []
        if owner_id is not None:
            where.append("c.owner_id = ?")
            params.append(owner_id)
        if unassigned:
            where.append("c.owner_id IS NULL")
        if open_only:
            where.append("c.status IN ('new', 'contacted')")
        return self._frame(
            "SELECT " + _LIST_COLUMNS + " FROM follow_up_cases c "
            "LEFT JOIN people o ON o.person_id = c.owner_id "
            "LEFT JOIN people u ON u.person_id = c.updated_by WHERE " + " AND ".join(where)
            + " ORDER BY c.opened_on DESC, c.case_id DESC LIMIT ?", [*params, limit])

    def status_counts(self, today: date) -> pd.DataFrame:
        """Per service: cases, one count per status, open_overdue, decided and within_standard.

        A case is decided once it is closed or its due date has passed (`today` is
        after it); it was closed within the standard when its closed_on is on or
        before its due date. Columns: service, cases, new, contacted, resolved,
        could_not_contact, open_overdue, decided, within_standard.
        """
        return self._frame(
            "SELECT coalesce(service, '(no service)') AS service, " + _COUNTS
            + " FROM follow_up_cases GROUP BY 1 ORDER BY 1", [today, today])

    def monthly_counts(self, today: date) -> pd.DataFrame:
        """As `status_counts`, per month the cases were opened (column month, a date), oldest first."""
        return self._frame(
            "SELECT date_trunc('month', opened_on)::DATE AS month, " + _COUNTS
            + " FROM follow_up_cases GROUP BY 1 ORDER BY 1", [today, today])


_COUNTS = """
    count(*) AS cases,
    count(*) FILTER (WHERE status = 'new') AS new,
    count(*) FILTER (WHERE status = 'contacted') AS contacted,
    count(*) FILTER (WHERE status = 'resolved') AS resolved,
    count(*) FILTER (WHERE status = 'could_not_contact') AS could_not_contact,
    count(*) FILTER (WHERE closed_on IS NULL AND due_on < ?) AS open_overdue,
    count(*) FILTER (WHERE closed_on IS NOT NULL OR due_on < ?) AS decided,
    count(*) FILTER (WHERE closed_on IS NOT NULL AND closed_on <= due_on) AS within_standard
"""
