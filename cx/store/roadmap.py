"""The roadmap planner: programme, entry stages, actions and the record of every change.

Changes are recorded in `roadmap_changes` in the same transaction as the change
itself, in the words `cx.roadmap` chose, so the history cannot drift from the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

import pandas as pd

from cx.store.base import FeatureStore, writes
from cx.store.surveys import SURVEY_AGGREGATES

ACTION_FIELDS: tuple[str, ...] = (
    "title", "stage", "blocks", "owner_id", "status", "start_date", "due_date", "notes", "metric", "target",
    "services", "channels",
)
# The survey counts a baseline keeps (the columns of SURVEY_AGGREGATES that estimates need).
BASELINE_COUNTS: tuple[str, ...] = (
    "responses", "nps_n", "promoters", "detractors", "csat_n", "csat_satisfied", "ces_n", "ces_sum",
    "ces_sumsq",
)
# (field label, old words, new words), as `cx.roadmap.changes` produces them.
Diff = tuple[str, str, str]


class RoadmapStore(FeatureStore):
    """Programme settings, actions and their history."""

    READS = ("roadmap", "people")

    def programme(self) -> dict | None:
        """The programme's start_date, years, updated_at and updated_by, or None before it is set."""
        row = self._one("SELECT start_date, years, updated_at, updated_by FROM roadmap_programme")
        if row is None:
            return None
        return dict(zip(("start_date", "years", "updated_at", "updated_by"), row, strict=True))

    @writes("roadmap")
    def set_programme(self, start: date, years: int, *, by: int | None, now: datetime) -> None:
        self._execute(
            "INSERT INTO roadmap_programme VALUES (1, ?, ?, ?, ?) ON CONFLICT (programme_id) "
            "DO UPDATE SET start_date = excluded.start_date, years = excluded.years, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [start, int(years), now, by],
        )

    def entry_stages(self) -> dict[str, str]:
        """{block code: stage code} for the blocks whose entry stage has been set."""
        return dict(self._execute("SELECT block, stage FROM roadmap_entry_stages").fetchall())

    @writes("roadmap")
    def set_entry_stage(self, block: str, stage: str, *, by: int | None, now: datetime) -> None:
        self._execute(
            "INSERT INTO roadmap_entry_stages VALUES (?, ?, ?, ?) ON CONFLICT (block) "
            "DO UPDATE SET stage = excluded.stage, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            [block, stage, now, by],
        )

    @writes("roadmap")
    def insert_action(self, fields: Mapping[str, object], *, by: int | None, now: datetime,
                      toolkit_key: str | None = None) -> int:
        """Add an action from `fields` (every name in ACTION_FIELDS) and return its id."""
        row = self._one(
            "INSERT INTO roadmap_actions (" + ", ".join(ACTION_FIELDS) + ", toolkit_key, created_at, "
            "created_by, updated_at, updated_by) VALUES (" + ", ".join("?" * (len(ACTION_FIELDS) + 5))
            + ") RETURNING action_id",
            [*_values(fields), toolkit_key, now, by, now, by],
        )
        return int(row[0])

    def action(self, action_id: int) -> dict:
        """One action's fields (ACTION_FIELDS, plus archived, updated_at and updated_by).

        Raises ValueError when there is no such action.
        """
        columns = [*ACTION_FIELDS, "archived", "finished_on", "updated_at", "updated_by"]
        row = self._one("SELECT " + ", ".join(columns) + " FROM roadmap_actions WHERE action_id = ?",
                        [action_id])
        if row is None:
            raise ValueError(f"Action: there is no action with id {action_id}.")
        return dict(zip(columns, row, strict=True))

    @writes("roadmap")
    def update_action(self, action_id: int, fields: Mapping[str, object], *, by: int | None,
                      now: datetime) -> None:
        """Write the given fields (names from ACTION_FIELDS) of one action."""
        unknown = set(fields) - set(ACTION_FIELDS)
        if unknown:
            raise ValueError(f"Unknown action fields: {sorted(unknown)}")
        names = [name for name in ACTION_FIELDS if name in fields]
        assignments = ", ".join(f"{name} = ?" for name in names)
        self._execute(
            "UPDATE roadmap_actions SET " + assignments + ", updated_at = ?, updated_by = ? "
            "WHERE action_id = ?",
            [*(_bind(name, fields[name]) for name in names), now, by, action_id],
        )

    @writes("roadmap")
    def set_archived(self, action_id: int, archived: bool, *, by: int | None, now: datetime) -> None:
        self._execute(
            "UPDATE roadmap_actions SET archived = ?, updated_at = ?, updated_by = ? WHERE action_id = ?",
            [archived, now, by, action_id],
        )

    def actions(self, *, archived: bool = False) -> pd.DataFrame:
        """The plan's actions (or, with archived=True, the archived ones), oldest first.

        Columns: action_id, title, stage, blocks (list of codes), owner_id, owner
        (name), status, start_date, due_date, notes, metric, target, toolkit_key,
        updated_at, updated_by (name), services, channels (lists; empty = all),
        finished_on (the day it was last marked done, or None).
        """
        return self._frame(
            """
            SELECT a.action_id, a.title, a.stage, a.blocks, a.owner_id, o.name AS owner, a.status,
                   a.start_date, a.due_date, a.notes, a.metric, a.target, a.toolkit_key,
                   a.updated_at, u.name AS updated_by, a.services, a.channels, a.finished_on
            FROM roadmap_actions a
            LEFT JOIN people o ON o.person_id = a.owner_id
            LEFT JOIN people u ON u.person_id = a.updated_by
            WHERE a.archived = ?
            ORDER BY a.action_id
            """,
            [archived],
        )

    @writes("roadmap")
    def set_finished_on(self, action_id: int, day: date | None) -> None:
        """Record the day an action was marked done (None when it is no longer done)."""
        self._execute("UPDATE roadmap_actions SET finished_on = ? WHERE action_id = ?", [day, action_id])

    # ------------------------------------------------------------ baselines

    def window_counts(self, services: Sequence[str], channels: Sequence[str],
                      windows: Sequence[tuple[str, date, date]]) -> pd.DataFrame:
        """Survey counts per (window, group) for an action's services and channels.

        windows: (name, first day, last day) with inclusive dates. Group 'action' is
        the responses in the action's services (every service when `services` is
        empty) and channels; 'comparison' is the responses over the same channels in
        the other services (none when `services` is empty; responses with no service
        are left out of it). Returns columns window, grp and those of
        SURVEY_AGGREGATES; combinations without responses have no row.
        """
        services, channels = list(services), list(channels)
        names = [w[0] for w in windows]
        return self._frame(
            "SELECT w.name AS window, CASE WHEN len(?) = 0 OR list_contains(?, r.service) "
            "THEN 'action' ELSE 'comparison' END AS grp, " + SURVEY_AGGREGATES
            + " FROM responses r JOIN (SELECT unnest(?) AS name, unnest(?) AS first_day, "
            "unnest(?) AS last_day) w ON r.completed_at >= w.first_day "
            "AND r.completed_at < w.last_day + INTERVAL 1 DAY "
            "WHERE (len(?) = 0 OR list_contains(?, r.channel)) "
            "AND (len(?) = 0 OR r.service IS NOT NULL) "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            [services, services, names, [w[1] for w in windows], [w[2] for w in windows],
             channels, channels, services],
        )

    def baselines(self) -> pd.DataFrame:
        """Every stored baseline, two rows per action (grp 'action' and 'comparison').

        Columns: action_id, grp, metric, services, channels, window_start,
        window_end, the counts in BASELINE_COUNTS, recorded_at, recorded_by (name).
        """
        return self._frame(
            "SELECT b.action_id, b.grp, b.metric, b.services, b.channels, b.window_start, b.window_end, "
            + ", ".join(f"b.{c}" for c in BASELINE_COUNTS)
            + ", b.recorded_at, p.name AS recorded_by FROM roadmap_baselines b "
            "LEFT JOIN people p ON p.person_id = b.recorded_by ORDER BY b.action_id, b.grp"
        )

    @writes("roadmap")
    def save_baseline(self, action_id: int, metric: str, services: Sequence[str], channels: Sequence[str],
                      first_day: date, last_day: date, counts: Mapping[str, Mapping[str, float]], *,
                      by: int | None, now: datetime) -> None:
        """Replace an action's baseline: `counts` maps 'action' (and 'comparison') to BASELINE_COUNTS."""
        self._execute("DELETE FROM roadmap_baselines WHERE action_id = ?", [action_id])
        self._executemany(
            "INSERT INTO roadmap_baselines (action_id, grp, metric, services, channels, window_start, "
            "window_end, " + ", ".join(BASELINE_COUNTS) + ", recorded_at, recorded_by) VALUES ("
            + ", ".join("?" * (len(BASELINE_COUNTS) + 9)) + ")",
            [[action_id, grp, metric, list(services), list(channels), first_day, last_day,
              *(row[c] for c in BASELINE_COUNTS), now, by] for grp, row in counts.items()],
        )

    @writes("roadmap")
    def record_changes(self, action_id: int | None, diffs: Sequence[Diff], *, by: int | None,
                       now: datetime) -> None:
        """Append (field, old, new) rows to the history; action_id None is the programme itself."""
        rows = [[action_id, now, by, field, old, new] for field, old, new in diffs if old != new]
        if rows:
            self._executemany(
                "INSERT INTO roadmap_changes (action_id, changed_at, changed_by, field, old_value, "
                "new_value) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def history(self, action_id: int | None = None, *, limit: int = 500) -> pd.DataFrame:
        """Recorded changes, newest first: one action's, or (action_id None) the programme's own.

        Columns: changed_at, changed_by (name, or None if nobody was chosen), field,
        old_value, new_value.
        """
        return self._frame(
            """
            SELECT c.changed_at, p.name AS changed_by, c.field, c.old_value, c.new_value
            FROM roadmap_changes c LEFT JOIN people p ON p.person_id = c.changed_by
            WHERE c.action_id IS NOT DISTINCT FROM ?
            ORDER BY c.change_id DESC
            LIMIT ?
            """,
            [action_id, limit],
        )

    def recent_changes(self, *, limit: int = 200) -> pd.DataFrame:
        """The latest changes across the whole roadmap, newest first.

        Columns: changed_at, changed_by, action_id (None for the programme itself),
        action (its current title), field, old_value, new_value.
        """
        return self._frame(
            """
            SELECT c.changed_at, p.name AS changed_by, c.action_id, a.title AS action, c.field,
                   c.old_value, c.new_value
            FROM roadmap_changes c
            LEFT JOIN people p ON p.person_id = c.changed_by
            LEFT JOIN roadmap_actions a ON a.action_id = c.action_id
            ORDER BY c.change_id DESC
            LIMIT ?
            """,
            [limit],
        )


def _bind(name: str, value: object) -> object:
    if name in ("blocks", "services", "channels"):
        return list(value)
    if name == "notes":
        return value or None
    return value


def _values(fields: Mapping[str, object]) -> list[object]:
    missing = set(ACTION_FIELDS) - set(fields)
    if missing:
        raise ValueError(f"An action needs the fields {sorted(missing)}.")
    return [_bind(name, fields[name]) for name in ACTION_FIELDS]
