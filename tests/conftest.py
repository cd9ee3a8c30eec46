"""Shared fixtures: a fresh database per test, one demo database per session and private copies of it.

Also the Hypothesis settings for the whole suite.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from cx.bootstrap import open_app_database
from cx.config import Settings
from cx.store import Database, Store

# The demo used by tests always ends in October 2026, whatever today's date.
DEMO_TODAY = date(2026, 11, 15)
ROOT = Path(__file__).resolve().parent.parent

# The suite runs on shared, busy machines (two cores, other jobs running), where one slow
# example says nothing about the code: no per-example deadline, no "too slow" health check.
# HYPOTHESIS_PROFILE=thorough tries ten times as many examples; Hypothesis's own "ci" and
# "default" profiles can be chosen the same way.
settings.register_profile(
    "shared-machine", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", settings.get_profile("shared-machine"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "shared-machine"))


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
    """A database file holding the demo council, built once per test session.

    Shared by every test, so read it only: a test that writes takes `demo_copy`.
    """
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    open_app_database(Settings(db_path=path, demo=True), today=DEMO_TODAY).close()
    return path


def copy_demo(demo_db_path: Path, directory: Path) -> Path:
    """Copy the session's demo database into `directory`; returns the copy's path."""
    return Path(shutil.copy(demo_db_path, directory / "placecx.duckdb"))


@pytest.fixture
def demo_copy(demo_db_path: Path, tmp_path: Path, app_env) -> Path:
    """A private, writable copy of the demo database, with the app pointed at it."""
    path = copy_demo(demo_db_path, tmp_path)
    app_env(path)
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
