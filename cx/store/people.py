"""People, and application metadata with the table counts the command line reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd

from cx.store.base import FeatureStore, quote_identifier, writes


class PeopleStore(FeatureStore):
    """The people the app knows: leaders, raters, authors."""

    READS = ("people",)

    @writes("people")
    def add(self, name: str, role: str | None, *, now: datetime) -> int:
        """Add a person and return their id.

        Raises ValueError when the name is empty or already used (names must tell
        people apart on screen).
        """
        clean = (name or "").strip()
        if not clean:
            raise ValueError("Name: enter the person's name.")
        if self._exists("SELECT 1 FROM people WHERE lower(name) = lower(?)", [clean]):
            raise ValueError(f"Name: there is already someone called {clean}.")
        row = self._one(
            "INSERT INTO people (name, role, created_at) VALUES (?, ?, ?) RETURNING person_id",
            [clean, (role or "").strip() or None, now],
        )
        return int(row[0])

    def all(self) -> pd.DataFrame:
        """Everyone known to the app, ordered by name.

        Columns person_id, name, role (job title), email (None until linked), access
        (admin, analyst, leader or viewer), active.
        """
        return self._frame("SELECT person_id, name, role, email, access, active FROM people "
                           "ORDER BY lower(name)")

    def by_email(self, email: str) -> dict | None:
        """The person who signs in with this (lower-case) email, or None."""
        row = self._one("SELECT person_id, name, role, email, access, active FROM people WHERE email = ?",
                        [email])
        if row is None:
            return None
        return dict(zip(("person_id", "name", "role", "email", "access", "active"), row, strict=True))

    @writes("people")
    def set_access(self, person_id: int, *, email: str | None, role: str, active: bool = True) -> None:
        """Set a person's sign-in email, access role and whether they may sign in."""
        self._execute("UPDATE people SET email = ?, access = ?, active = ? WHERE person_id = ?",
                      [email, role, active, person_id])

    def names(self, person_ids: Sequence[int | None], *, field: str = "Person") -> dict[int, str]:
        """{id: name} for the given ids (None is skipped).

        Raises ValueError naming `field` for an id that is not in the people table.
        """
        wanted = sorted({int(p) for p in person_ids if p is not None})
        names = dict(self._execute(
            "SELECT person_id, name FROM people WHERE person_id IN (SELECT unnest(?))", [wanted]
        ).fetchall())
        missing = set(wanted) - set(names)
        if missing:
            raise ValueError(f"{field}: choose someone from the team list (no person with id "
                             f"{', '.join(map(str, sorted(missing)))}).")
        return names


class AdminStore(FeatureStore):
    """Metadata and table counts."""

    def meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM app_meta WHERE key = ?", [key])
        return None if row is None else row[0]

    @writes("meta")
    def set_meta(self, key: str, value: str) -> None:
        self._execute(
            "INSERT INTO app_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def changes(self, *, start: date | None = None, end: date | None = None, person_id: int | None = None,
                feature: str | None = None, limit: int = 5000) -> pd.DataFrame:
        """The change log, newest first, for the audit trail.

        Columns change_id, changed_at, person (name; None for PlaceCX itself),
        email, features, actions. Filters are inclusive dates, one person, one feature.
        """
        return self._frame(
            """
            SELECT c.change_id, c.changed_at, p.name AS person, p.email, c.features, c.actions
            FROM change_log c LEFT JOIN people p ON p.person_id = c.changed_by
            WHERE (? IS NULL OR c.changed_at >= ?)
              AND (? IS NULL OR c.changed_at < CAST(? AS DATE) + INTERVAL 1 DAY)
              AND (? IS NULL OR c.changed_by = ?)
              AND (? IS NULL OR list_contains(c.features, ?))
            ORDER BY c.change_id DESC
            LIMIT ?
            """,
            [start, start, end, end, person_id, person_id, feature, feature, limit],
        )

    def table_counts(self) -> dict[str, int]:
        """Rows per user table, for status output and tests."""
        names = [row[0] for row in self._execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
        ).fetchall()]
        return {name: self._one("SELECT count(*) FROM " + quote_identifier(name))[0] for name in names}
