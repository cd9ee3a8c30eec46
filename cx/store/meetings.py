"""Review meetings: the record of each meeting, who attended, and the decisions taken."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import pandas as pd

from cx.store.base import FeatureStore, writes

# The fields of a meeting a form edits; `cx.meetings` names and checks them.
MEETING_FIELDS: tuple[str, ...] = ("held_on", "title", "round_id", "period_start", "period_grain", "notes")


class MeetingStore(FeatureStore):
    """Meetings, their attendees and decisions."""

    READS = ("meetings", "people", "roadmap", "assessment")

    @writes("meetings")
    def insert(self, fields: Mapping[str, object], *, by: int | None, now: datetime) -> int:
        """Add a meeting from `fields` (every name in MEETING_FIELDS) and return its id."""
        row = self._one(
            "INSERT INTO meetings (" + ", ".join(MEETING_FIELDS) + ", created_at, created_by, updated_at, "
            "updated_by) VALUES (" + ", ".join("?" * (len(MEETING_FIELDS) + 4)) + ") RETURNING meeting_id",
            [*(fields[name] for name in MEETING_FIELDS), now, by, now, by],
        )
        return int(row[0])

    @writes("meetings")
    def update(self, meeting_id: int, fields: Mapping[str, object], *, by: int | None, now: datetime) -> None:
        """Write the given fields (names from MEETING_FIELDS) of one meeting."""
        unknown = set(fields) - set(MEETING_FIELDS)
        if unknown:
            raise ValueError(f"Unknown meeting fields: {sorted(unknown)}")
        names = [name for name in MEETING_FIELDS if name in fields]
        if not names:
            return
        self._execute(
            "UPDATE meetings SET " + ", ".join(f"{n} = ?" for n in names)
            + ", updated_at = ?, updated_by = ? WHERE meeting_id = ?",
            [*(fields[n] for n in names), now, by, meeting_id],
        )

    def meeting(self, meeting_id: int) -> dict:
        """One meeting's fields (MEETING_FIELDS, plus updated_at and updated_by).

        Raises ValueError when there is no such meeting.
        """
        columns = [*MEETING_FIELDS, "updated_at", "updated_by"]
        row = self._one("SELECT " + ", ".join(columns) + " FROM meetings WHERE meeting_id = ?", [meeting_id])
        if row is None:
            raise ValueError("Meeting: choose a meeting from the list.")
        return dict(zip(columns, row, strict=True))

    def all(self) -> pd.DataFrame:
        """Every meeting, newest first: meeting_id, held_on, title, round_id, round_name,
        period_start, period_grain, notes, attendees (names, a list), decisions (count)."""
        return self._frame(
            """
            SELECT m.meeting_id, m.held_on, m.title, m.round_id, r.name AS round_name, m.period_start,
                   m.period_grain, m.notes,
                   coalesce((SELECT list(p.name ORDER BY lower(p.name)) FROM meeting_attendees a
                             JOIN people p ON p.person_id = a.person_id
                             WHERE a.meeting_id = m.meeting_id), []) AS attendees,
                   (SELECT count(*) FROM meeting_decisions d WHERE d.meeting_id = m.meeting_id) AS decisions
            FROM meetings m
            LEFT JOIN assessment_rounds r ON r.round_id = m.round_id
            ORDER BY m.held_on DESC, m.meeting_id DESC
            """
        )

    def attendee_ids(self, meeting_id: int) -> list[int]:
        """The ids of the people recorded as attending, in id order."""
        rows = self._execute("SELECT person_id FROM meeting_attendees WHERE meeting_id = ? "
                             "ORDER BY person_id", [meeting_id]).fetchall()
        return [int(r[0]) for r in rows]

    @writes("meetings")
    def set_attendees(self, meeting_id: int, person_ids: Sequence[int]) -> None:
        """Replace the attendance list of a meeting."""
        self._execute("DELETE FROM meeting_attendees WHERE meeting_id = ?", [meeting_id])
        if person_ids:
            self._executemany("INSERT INTO meeting_attendees VALUES (?, ?)",
                              [[meeting_id, int(p)] for p in sorted(set(person_ids))])

    @writes("meetings")
    def add_decision(self, meeting_id: int, text: str, action_id: int | None, effect: str | None, *,
                     by: int | None, now: datetime) -> int:
        """Record a decision (and the action it created or changed, if any); return its id."""
        row = self._one(
            "INSERT INTO meeting_decisions (meeting_id, text, action_id, effect, recorded_at, recorded_by) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING decision_id",
            [meeting_id, text, action_id, effect, now, by],
        )
        return int(row[0])

    def decisions(self, meeting_id: int) -> pd.DataFrame:
        """A meeting's decisions in the order recorded: decision_id, text, action_id, effect, action
        (title), owner (name), due_date, status, recorded_at, recorded_by (name)."""
        return self._frame(
            """
            SELECT d.decision_id, d.text, d.action_id, d.effect, a.title AS action, o.name AS owner,
                   a.due_date, a.status, d.recorded_at, p.name AS recorded_by
            FROM meeting_decisions d
            LEFT JOIN roadmap_actions a ON a.action_id = d.action_id
            LEFT JOIN people o ON o.person_id = a.owner_id
            LEFT JOIN people p ON p.person_id = d.recorded_by
            WHERE d.meeting_id = ?
            ORDER BY d.decision_id
            """,
            [meeting_id],
        )

    def status_changes(self, start: date, end: date) -> pd.DataFrame:
        """Roadmap status changes recorded from `start` up to (not including) `end`, oldest first:
        action_id, action (current title), changed_at, old_value, new_value (status words)."""
        return self._frame(
            """
            SELECT c.action_id, a.title AS action, c.changed_at, c.old_value, c.new_value
            FROM roadmap_changes c JOIN roadmap_actions a ON a.action_id = c.action_id
            WHERE c.field = 'Status' AND c.changed_at >= ? AND c.changed_at < ?
            ORDER BY c.changed_at, c.change_id
            """,
            [start, end],
        )
