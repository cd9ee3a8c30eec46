"""The errors PlaceCX raises on purpose. Each carries a sentence a user can act on."""

from __future__ import annotations


class PlaceCXError(Exception):
    """Base class: the message is written for the person using the app or the CLI."""


class DatabaseLocked(PlaceCXError):
    """Another process holds the DuckDB file open for writing (DuckDB allows one writer).

    `pid` is that process's id when DuckDB names it, else None.
    """

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


class DatabaseError(PlaceCXError):
    """The database file cannot be opened or its schema is not one this version knows."""
