"""All SQL of PlaceCX lives in this package: a small base and one store per feature.

One `Database` per process owns the single read-write DuckDB connection (DuckDB
allows one writing process per file). Every caller (a Streamlit rerun, a CLI
command, a test) takes its own `Store` from `Database.store()`: a fresh cursor and
its transaction state, shared by the feature stores hanging off it
(`store.surveys`, `store.uploads`, `store.assessment`, `store.roadmap`,
`store.leadership`, `store.journeys`, `store.journey_links`, `store.people`, `store.admin`,
`store.inbox`, `store.meetings`, `store.cases`, `store.themes`, `store.theme_reports`, `store.you_said`).

Values are always bound as `?` parameters; the only identifiers composed into
SQL come from fixed whitelists. DuckDB does the grouping: queries return small
aggregated frames, never the raw responses. Stores import no domain module
(an import-linter contract keeps it so): checking input and wording history is
the domain modules' job.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from cx.errors import DatabaseError, DatabaseLocked
from cx.migrations import apply_migrations
from cx.store.assessment import AssessmentStore
from cx.store.base import FeatureStore, Session, WriteConflict
from cx.store.cases import CaseStore
from cx.store.catalogue import SurveyCatalogueStore
from cx.store.inbox import InboxStore
from cx.store.journey_links import JourneyLinkStore
from cx.store.journeys import JourneyStore
from cx.store.leadership import LeadershipStore
from cx.store.meetings import MeetingStore
from cx.store.people import AdminStore, PeopleStore
from cx.store.roadmap import RoadmapStore
from cx.store.surveys import SurveyStore
from cx.store.theme_reports import ThemeReportStore, YouSaidStore
from cx.store.themes import ThemeStore
from cx.store.uploads import UploadStore

T = TypeVar("T")
_LOCK_PATTERN = re.compile(r"lock", re.IGNORECASE)
_PID_PATTERN = re.compile(r"PID (\d+)")
RETRY_ATTEMPTS = 4
_LOG = logging.getLogger(__name__)


class Store:
    """The feature stores over one cursor, and the one transaction they share.

    Not shared between threads: take one per rerun, command or thread.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self.surveys = SurveyStore(session)
        self.catalogue = SurveyCatalogueStore(session)
        self.uploads = UploadStore(session)
        self.assessment = AssessmentStore(session)
        self.roadmap = RoadmapStore(session)
        self.leadership = LeadershipStore(session)
        self.journeys = JourneyStore(session)
        self.journey_links = JourneyLinkStore(session)
        self.people = PeopleStore(session)
        self.admin = AdminStore(session)
        self.inbox = InboxStore(session)
        self.meetings = MeetingStore(session)
        self.cases = CaseStore(session)
        self.themes = ThemeStore(session)
        self.theme_reports = ThemeReportStore(session)
        self.you_said = YouSaidStore(session)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One unit of work: everything written inside commits together or not at all.

        Nests: only the outermost block commits (see `cx.store.base.Session`).
        """
        with self._session.transaction():
            yield self

    def run(self, unit: Callable[[Store], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
        """Run `unit(store)` as one transaction, retrying it when another writer conflicts.

        A write-write conflict rolls the whole unit back; it is run again from the
        start (so it re-reads what it depends on) up to `attempts` times with a short
        random pause. Raises WriteConflict when every attempt conflicted, and
        whatever `unit` raises otherwise. Inside an open transaction the unit simply
        joins it: only the outermost unit can be retried.
        """
        if self._session.in_transaction:
            return unit(self)
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction():
                    return unit(self)
            except WriteConflict:
                if attempt == attempts:
                    raise
                # One line per retry in the server log; bench.concurrency counts them.
                _LOG.warning("unit of work retried after a write conflict (attempt %d of %d)",
                             attempt + 1, attempts)
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    @property
    def acting_person(self) -> int | None:
        """The person this store writes for (None: PlaceCX itself)."""
        return self._session.acting_person

    def data_version(self, features: Sequence[str] = ()) -> int:
        """A number that grows with every committed write (to `features`, if given)."""
        return self._session.data_version(features)


class Database:
    """The process-wide DuckDB connection to one file, with the schema brought up to date.

    Raises DatabaseLocked when another process has the file open for writing, and
    DatabaseError when the file is not a DuckDB database or its schema cannot be
    migrated.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._con = _connect(self.path)
        try:
            apply_migrations(self._con)
        except BaseException:
            self._con.close()
            raise

    def store(self, acting_person: int | None = None,
              policy: Callable[[str, str], None] | None = None) -> Store:
        """A Store over a new cursor: take one per rerun, command or thread.

        `acting_person` is recorded in the change log with every unit of work;
        `policy(feature, action)` is asked before every write and raises to refuse
        it (see `cx.access.open_store`). Without a policy every write is allowed
        (PlaceCX itself: bootstrap, demo, command line).
        """
        cursor = self._con.cursor()
        _prepare_cursor(cursor)
        return Store(Session(cursor, acting_person, policy))

    def close(self) -> None:
        self._con.close()


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = duckdb.connect(str(path))
    except duckdb.IOException as error:
        text = str(error)
        if _LOCK_PATTERN.search(text):
            pid = _PID_PATTERN.search(text)
            holder = f" (process {pid.group(1)})" if pid else ""
            raise DatabaseLocked(
                f"The database file {path} is in use by another program{holder}; "
                "stop that program (for example a running PlaceCX server) or set PLACECX_DB "
                "to another file, then try again.",
                pid=int(pid.group(1)) if pid else None,
            ) from error
        raise DatabaseError(f"Could not open the database file {path}: {text}") from error
    except duckdb.Error as error:
        raise DatabaseError(f"Could not open the database file {path}: {error}") from error
    # DuckDB's allocator keeps the memory a big query freed (an import of a million rows
    # left about 100 MB in the server); its background thread gives it back within seconds.
    # Set once for the database, not as a connect option: a second connection to the same
    # file in this process (tests, tools) must not differ in its options.
    connection.execute("SET allocator_background_threads = true")
    return connection


def _prepare_cursor(cursor: duckdb.DuckDBPyConnection) -> None:
    """Per-cursor settings, in one place. DuckDB's progress bar would print to the server log."""
    cursor.execute("SET enable_progress_bar = false")


__all__ = ["Database", "FeatureStore", "Store", "WriteConflict"]
