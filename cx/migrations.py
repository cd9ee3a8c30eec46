"""Ordered, named schema steps for the PlaceCX database.

Each migration runs in one transaction together with the row that records it in
`schema_migrations`, so a crash part-way leaves the database as it was before that
step. Applying the list twice changes nothing: recorded steps are skipped.

The steps themselves are in `cx.schema`, by feature.
"""

from __future__ import annotations

import duckdb

from cx.errors import DatabaseError
from cx.schema import MIGRATIONS, Migration

__all__ = ["MIGRATIONS", "Migration", "applied_migrations", "apply_migrations"]


def applied_migrations(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Return {number: name} of the migrations recorded in this database."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            number     INTEGER PRIMARY KEY,
            name       VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL DEFAULT localtimestamp
        )
        """
    )
    return dict(con.execute("SELECT number, name FROM schema_migrations").fetchall())


def apply_migrations(
    con: duckdb.DuckDBPyConnection,
    migrations: tuple[Migration, ...] = MIGRATIONS,
) -> list[int]:
    """Apply every migration not yet recorded, in number order; return the numbers applied.

    Raises DatabaseError when the database records a migration under a different
    name than this code (the file belongs to another application or a diverged
    branch) or records a number this code does not know (the file was written by a
    newer PlaceCX). A migration whose SQL fails is rolled back with its record and
    re-raised as DatabaseError naming it.
    """
    _check_sequence(migrations)
    recorded = applied_migrations(con)
    known = {m.number: m.name for m in migrations}
    for number, name in recorded.items():
        if number not in known:
            raise DatabaseError(
                f"This database was written by a newer version of PlaceCX (schema step {number}, "
                f"'{name}'); upgrade PlaceCX or open another file."
            )
        if known[number] != name:
            raise DatabaseError(
                f"Schema step {number} is recorded as '{name}' but this version calls it "
                f"'{known[number]}'; this file was not made by this PlaceCX."
            )
    applied = []
    for migration in migrations:
        if migration.number in recorded:
            continue
        _apply_one(con, migration)
        applied.append(migration.number)
    return applied


def _apply_one(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in migration.statements:
            con.execute(statement)
        con.execute(
            "INSERT INTO schema_migrations (number, name) VALUES (?, ?)",
            [migration.number, migration.name],
        )
        con.execute("COMMIT")
    except duckdb.Error as error:
        con.execute("ROLLBACK")
        raise DatabaseError(
            f"Schema step {migration.number} ('{migration.name}') failed: {error}"
        ) from error


def _check_sequence(migrations: tuple[Migration, ...]) -> None:
    numbers = [m.number for m in migrations]
    if numbers != sorted(set(numbers)):
        raise DatabaseError(f"Migration numbers must be unique and ascending, got {numbers}.")
