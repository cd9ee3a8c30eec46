"""Customer journey maps: journeys and the steps of their as-is and to-be versions."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from cx.store.base import FeatureStore, bindable, writes

# The stored fields of one step, in order; `cx.journeys` names and checks them.
STEP_COLUMNS: tuple[str, ...] = (
    "position", "stage", "goal", "action", "channel", "pain_points", "emotions", "emotion_score",
    "opportunities",
)


class JourneyStore(FeatureStore):
    """Journeys and their steps."""

    READS = ("journeys", "people")

    @writes("journeys")
    def create(self, name: str, description: str | None, *, updated_by: int | None, now: datetime) -> int:
        """Add a journey with no steps yet and return its id.

        Raises ValueError when another journey already has this name (ignoring case).
        """
        self._refuse_taken_name(name, None)
        row = self._one(
            "INSERT INTO journeys (name, description, created_at, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?) RETURNING journey_id",
            [name, description, now, now, updated_by],
        )
        return int(row[0])

    @writes("journeys")
    def update(self, journey_id: int, name: str, description: str | None, *, updated_by: int | None,
               now: datetime) -> None:
        """Rename a journey and replace its description.

        Raises ValueError for an unknown journey or a name another journey uses.
        """
        self.require(journey_id)
        self._refuse_taken_name(name, journey_id)
        self._execute(
            "UPDATE journeys SET name = ?, description = ?, updated_at = ?, updated_by = ? "
            "WHERE journey_id = ?",
            [name, description, now, updated_by, journey_id],
        )

    @writes("journeys")
    def delete(self, journey_id: int) -> int:
        """Delete a journey and every step of both its versions; return how many steps went.

        Raises ValueError for an unknown journey.
        """
        self.require(journey_id)
        steps = self._one("SELECT count(*) FROM journey_steps WHERE journey_id = ?", [journey_id])[0]
        self._execute("DELETE FROM journey_steps WHERE journey_id = ?", [journey_id])
        self._execute("DELETE FROM journeys WHERE journey_id = ?", [journey_id])
        return int(steps)

    @writes("journeys")
    def set_service(self, journey_id: int, service: str | None, *, updated_by: int | None,
                    now: datetime) -> None:
        """Name the service a journey belongs to (None: none). Raises ValueError for an unknown journey."""
        self.require(journey_id)
        self._execute("UPDATE journeys SET service = ?, updated_at = ?, updated_by = ? WHERE journey_id = ?",
                      [service, now, updated_by, journey_id])

    def require(self, journey_id: int) -> None:
        """Raises ValueError when there is no journey with this id."""
        if not self._exists("SELECT 1 FROM journeys WHERE journey_id = ?", [journey_id]):
            raise ValueError("Journey: choose a journey from the list.")

    def _refuse_taken_name(self, name: str, journey_id: int | None) -> None:
        if self._exists("SELECT 1 FROM journeys WHERE lower(name) = lower(?) "
                        "AND journey_id IS DISTINCT FROM ?", [name, journey_id]):
            # The name is not repeated: pages show this message as Markdown.
            raise ValueError("Journey name: there is already a journey with this name; choose another.")

    def all(self) -> pd.DataFrame:
        """Every journey with its step counts: journey_id, name, description, service, updated_at,
        updated_by_name, as_is_steps, to_be_steps; ordered by name."""
        return self._frame(
            """
            SELECT j.journey_id, j.name, j.description, j.service, j.updated_at, p.name AS updated_by_name,
                   count(s.position) FILTER (s.version = 'as_is') AS as_is_steps,
                   count(s.position) FILTER (s.version = 'to_be') AS to_be_steps
            FROM journeys j
            LEFT JOIN journey_steps s USING (journey_id)
            LEFT JOIN people p ON p.person_id = j.updated_by
            GROUP BY j.journey_id, j.name, j.description, j.service, j.updated_at, p.name
            ORDER BY lower(j.name), j.journey_id
            """
        )

    def steps(self, journey_id: int) -> pd.DataFrame:
        """Both versions' steps of one journey: version, then STEP_COLUMNS, then step_key, in order.

        step_key stays with a step through renames, moves and edits (see `replace_steps`).
        """
        return self._frame(
            "SELECT version, " + ", ".join(STEP_COLUMNS) + ", step_key FROM journey_steps "
            "WHERE journey_id = ? ORDER BY version, position",
            [journey_id],
        )

    @writes("journeys")
    def replace_steps(self, journey_id: int, version: str, steps: pd.DataFrame, *,
                      updated_by: int | None, now: datetime) -> int:
        """Replace one version of a journey with `steps` (columns STEP_COLUMNS); return the count.

        A step that carries a `step_key` (the grid keeps it from the stored step)
        keeps it; a new step, or a second step with a key already used in this
        version, gets a new one. Raises ValueError for an unknown journey, and
        DatabaseError when a step breaks a rule of the table; the old steps are
        then kept.
        """
        self.require(journey_id)
        self._execute("DELETE FROM journey_steps WHERE journey_id = ? AND version = ?",
                      [journey_id, version])
        keys = steps["step_key"].tolist() if "step_key" in steps.columns else [None] * len(steps)
        seen: set[str] = set()
        rows = []
        for record, key in zip(steps[list(STEP_COLUMNS)].itertuples(index=False), keys, strict=True):
            key = bindable(key)
            key = key if isinstance(key, str) and key and key not in seen else None
            seen.add(key)
            rows.append([journey_id, version, *(bindable(v) for v in record), key])
        if rows:
            placeholders = ", ".join("?" * (2 + len(STEP_COLUMNS)))
            self._executemany(
                "INSERT INTO journey_steps (journey_id, version, " + ", ".join(STEP_COLUMNS)
                + ", step_key) VALUES (" + placeholders + ", coalesce(?, CAST(uuid() AS VARCHAR)))",
                rows,
            )
        self._execute("UPDATE journeys SET updated_at = ?, updated_by = ? WHERE journey_id = ?",
                      [now, updated_by, journey_id])
        return len(rows)
