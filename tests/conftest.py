"""Shared fixtures: a fresh database per test, and one demo database per session."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cx.bootstrap import open_app_database
from cx.config import Settings
from cx.store import Database, Store

# The demo used by tests always ends in October 2026, whatever today's date.
DEMO_TODAY = date(2026, 11, 15)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def database(tmp_path: Path) -> Database:
    """An empty, migrated database in its own file."""
    db = Database(tmp_path / "test.duckdb")
    yield db
    db.close()


@pytest.fixture
def store(database: Database) -> Store:
    return database.store()


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding the demo council (built once per test session)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    open_app_database(Settings(db_path=path, demo=True), today=DEMO_TODAY).close()
    return path


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch):
    """Point the app at a database file for an AppTest run; returns a setter."""

    def use(path: Path, *, demo: bool = False, min_n: int | None = None) -> None:
        monkeypatch.setenv("PLACECX_DB", str(path))
        monkeypatch.setenv("PLACECX_DEMO", "1" if demo else "0")
        if min_n is not None:
            monkeypatch.setenv("PLACECX_MIN_N", str(min_n))
        else:
            monkeypatch.delenv("PLACECX_MIN_N", raising=False)

    return use
