"""All SQL of PlaceCX lives here.

One `Database` per process owns the single read-write DuckDB connection (DuckDB
allows one writing process per file). Every caller (a Streamlit rerun, a CLI
command, a test) takes its own `Store` from `Database.store()`, which wraps a
fresh cursor prepared by `_prepare_cursor`. Values are always bound as `?`
parameters; the only identifiers composed into SQL come from fixed whitelists in
this module.

DuckDB does the grouping: query methods return small aggregated frames, never the
raw responses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from cx import checklist, culture, journeys, trends
from cx.assessment import RatingEntry, check_complete, validate_entries, validate_round
from cx.errors import DatabaseError, DatabaseLocked
from cx.filters import DIMENSIONS, Slice
from cx.formatting import format_date
from cx.framework import BLOCK_BY_CODE, STAGE_BY_CODE
from cx.migrations import apply_migrations
from cx.roadmap import ActionInput, changes, describe, validate_action, validate_programme

RESPONSE_COLUMNS: tuple[str, ...] = (
    "response_id",
    "completed_at",
    "service",
    "channel",
    "area",
    "segment",
    "staff_id",
    "nps",
    "csat",
    "ces",
    "ces_scale",
    "fft",
    "comment",
)
KPI_COLUMNS: tuple[str, ...] = (
    "period_start",
    "period_grain",
    "service",
    "metric",
    "numerator",
    "denominator",
    "value",
)
GRAINS: tuple[str, ...] = ("week", "month", "quarter", "year")

# CES answers on a five-point scale are stretched linearly onto 1-7 so that one
# mean can be reported across surveys; "easy" is the top three of seven or the top
# two of five. Higher always means easier.
_CES7 = "CASE WHEN ces_scale = 5 THEN 1 + (ces - 1) * 1.5 ELSE ces END"
_CES_EASY = "ces >= CASE WHEN ces_scale = 5 THEN 4 ELSE 5 END"

_SURVEY_AGGREGATES = f"""
    count(*)                        AS responses,
    count(nps)                      AS nps_n,
    count(*) FILTER (nps >= 9)      AS promoters,
    count(*) FILTER (nps <= 6)      AS detractors,
    count(csat)                     AS csat_n,
    count(*) FILTER (csat >= 4)     AS csat_satisfied,
    count(ces)                      AS ces_n,
    coalesce(sum({_CES7}), 0)       AS ces_sum,
    coalesce(sum(({_CES7}) * ({_CES7})), 0) AS ces_sumsq,
    count(*) FILTER ({_CES_EASY})   AS ces_easy,
    count(fft)                      AS fft_n,
    count(*) FILTER (fft >= 4)      AS fft_positive
"""

_LOCK_PATTERN = re.compile(r"lock", re.IGNORECASE)
_PID_PATTERN = re.compile(r"PID (\d+)")


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

    def store(self) -> Store:
        """A Store over a new cursor: take one per rerun, command or thread."""
        cursor = self._con.cursor()
        _prepare_cursor(cursor)
        return Store(cursor)

    def close(self) -> None:
        self._con.close()


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as error:
        text = str(error)
        if _LOCK_PATTERN.search(text):
            pid = _PID_PATTERN.search(text)
            holder = f" (process {pid.group(1)})" if pid else ""
            raise DatabaseLocked(
                f"The database file {path} is in use by another program{holder}; "
                "stop that program (for example a running PlaceCX server) or set PLACECX_DB "
                "to another file, then try again."
            ) from error
        raise DatabaseError(f"Could not open the database file {path}: {text}") from error
    except duckdb.Error as error:
        raise DatabaseError(f"Could not open the database file {path}: {error}") from error


def _prepare_cursor(cursor: duckdb.DuckDBPyConnection) -> None:
    """Per-cursor settings, in one place. DuckDB's progress bar would print to the server log."""
    cursor.execute("SET enable_progress_bar = false")


@dataclass(frozen=True)
class DataFreshness:
    newest_response: datetime | None
    newest_kpi_period: date | None
    responses: int
    kpi_observations: int


class Store:
    """Queries and writes over one cursor. Not shared between threads."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cur = cursor

    # ----------------------------------------------------------------- plumbing

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Run the block in one transaction that also bumps the data version.

        Everything written inside is committed together or, if the block raises,
        rolled back together; the exception is re-raised.
        """
        self._cur.execute("BEGIN TRANSACTION")
        try:
            yield self
            self._cur.execute(
                "UPDATE app_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                "WHERE key = 'data_version'"
            )
            self._cur.execute("COMMIT")
        except BaseException:
            self._cur.execute("ROLLBACK")
            raise

    def data_version(self) -> int:
        """A number that grows with every committed write; cache keys include it."""
        row = self._cur.execute("SELECT value FROM app_meta WHERE key = 'data_version'").fetchone()
        return int(row[0])

    def meta(self, key: str) -> str | None:
        row = self._cur.execute("SELECT value FROM app_meta WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self._cur.execute(
            "INSERT INTO app_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def table_counts(self) -> dict[str, int]:
        """Rows per user table, for status output and tests."""
        names = [
            row[0]
            for row in self._cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        counts = {}
        for name in names:
            counts[name] = self._cur.execute(
                "SELECT count(*) FROM " + _quote_identifier(name)
            ).fetchone()[0]
        return counts

    # ------------------------------------------------------------------ writing

    def create_batch(
        self,
        *,
        kind: str,
        source: str,
        uploaded_at: datetime,
        file_name: str | None = None,
        file_size: int | None = None,
        file_sha256: str | None = None,
        tool: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        uploaded_by: str | None = None,
        note: str | None = None,
    ) -> int:
        """Record an upload batch and return its id. Call inside `transaction()`."""
        row = self._cur.execute(
            """
            INSERT INTO upload_batches (kind, source, file_name, file_size, file_sha256, tool,
                                        encoding, delimiter, uploaded_by, uploaded_at, note)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING batch_id
            """,
            [kind, source, file_name, file_size, file_sha256, tool, encoding, delimiter,
             uploaded_by, uploaded_at, note],
        ).fetchone()
        return int(row[0])

    def set_batch_counts(self, batch_id: int, *, new: int, duplicate: int, rejected: int) -> None:
        self._cur.execute(
            "UPDATE upload_batches SET rows_new = ?, rows_duplicate = ?, rows_rejected = ? "
            "WHERE batch_id = ?",
            [new, duplicate, rejected, batch_id],
        )

    def insert_responses(self, batch_id: int, source: str, frame: pd.DataFrame, *,
                         skip_existing: bool = False, extra_names: Sequence[str] = ()) -> int:
        """Append responses from a frame and return how many rows were written.

        Extra attributes come either as columns `extra_0`, `extra_1`, ... named by
        `extra_names` (blank values are left out of the map), or as below.

        With `skip_existing`, rows whose response_id this source already holds are
        left out (the frame itself must not repeat an id); the return value then
        counts only the new rows.

        The frame needs `response_id`; any other column of RESPONSE_COLUMNS may be
        absent (stored as NULL). Extra attributes come as two list columns,
        `extra_keys` and `extra_values`, of equal length per row. Raises ValueError
        naming unknown columns, and DatabaseError when a value breaks a constraint
        (for example an NPS of 11); call inside `transaction()` so that a failure
        leaves nothing behind.
        """
        extra_columns = [f"extra_{i}" for i in range(len(extra_names))]
        unknown = (set(frame.columns) - set(RESPONSE_COLUMNS) - {"extra_keys", "extra_values"}
                   - set(extra_columns))
        if unknown:
            raise ValueError(f"Unknown response columns: {sorted(unknown)}")
        if "response_id" not in frame.columns:
            raise ValueError("Responses need a response_id column.")
        select = [col if col in frame.columns else "NULL" for col in RESPONSE_COLUMNS]
        if extra_columns:
            # Attribute names are bound as parameters; only our own extra_i names enter the SQL.
            entries = ", ".join(f"struct_pack(k := ?, v := {column})" for column in extra_columns)
            select.append(f"map_from_entries(list_filter([{entries}], lambda e: trim(e.v) <> ''))")
        elif {"extra_keys", "extra_values"} <= set(frame.columns):
            select.append("map(extra_keys, extra_values)")
        else:
            select.append("NULL")
        sql = (
            "INSERT INTO responses (batch_id, source, " + ", ".join(RESPONSE_COLUMNS) + ", extra) "
            "SELECT ?, ?, " + ", ".join(select) + " FROM incoming_responses AS incoming"
        )
        params = [batch_id, source, *extra_names]
        if skip_existing:
            sql += (" WHERE NOT EXISTS (SELECT 1 FROM responses AS held WHERE held.source = ? "
                    "AND held.response_id = incoming.response_id)")
            params.append(source)
        return self._insert_frame("incoming_responses", frame, sql, params)

    def insert_kpi_observations(self, batch_id: int, frame: pd.DataFrame) -> int:
        """Append KPI observations (columns of KPI_COLUMNS) and return the row count.

        `period_grain` defaults to 'month' and `service`, `numerator`,
        `denominator`, `value` to NULL when absent. Raises as `insert_responses`.
        """
        unknown = set(frame.columns) - set(KPI_COLUMNS)
        if unknown:
            raise ValueError(f"Unknown KPI columns: {sorted(unknown)}")
        missing = {"period_start", "metric"} - set(frame.columns)
        if missing:
            raise ValueError(f"KPI observations need the columns {sorted(missing)}.")
        defaults = {"period_grain": "'month'"}
        select = [col if col in frame.columns else defaults.get(col, "NULL") for col in KPI_COLUMNS]
        sql = (
            "INSERT INTO kpi_observations (batch_id, " + ", ".join(KPI_COLUMNS) + ") "
            "SELECT ?, " + ", ".join(select) + " FROM incoming_kpis"
        )
        return self._insert_frame("incoming_kpis", frame, sql, [batch_id])

    def _insert_frame(self, view: str, frame: pd.DataFrame, sql: str, params: list) -> int:
        """Run an INSERT ... SELECT over the frame registered as `view`; return rows written."""
        self._cur.register(view, frame)
        try:
            written = self._cur.execute(sql, params).fetchone()[0]
        except duckdb.ConstraintException as error:
            # The transaction is now aborted, so the view cannot be dropped until the
            # caller rolls back; registering the same name again replaces it.
            raise DatabaseError(f"A row breaks a rule of the database: {error}") from error
        self._cur.unregister(view)
        return int(written)

    def add_person(self, name: str, role: str | None, *, now: datetime) -> int:
        """Add a leader, rater or author and return their id.

        Raises ValueError when the name is empty or already used (names must tell
        people apart on screen).
        """
        clean = (name or "").strip()
        if not clean:
            raise ValueError("Name: enter the person's name.")
        if self._cur.execute("SELECT 1 FROM people WHERE lower(name) = lower(?)", [clean]).fetchone():
            raise ValueError(f"Name: there is already someone called {clean}.")
        row = self._cur.execute(
            "INSERT INTO people (name, role, created_at) VALUES (?, ?, ?) RETURNING person_id",
            [clean, (role or "").strip() or None, now],
        ).fetchone()
        return int(row[0])

    def people(self) -> pd.DataFrame:
        """Everyone known to the app: person_id, name, role, ordered by name."""
        return self._cur.execute(
            "SELECT person_id, name, role FROM people ORDER BY lower(name)"
        ).df()

    # ----------------------------------------------------------------- reading

    def freshness(self) -> DataFreshness:
        """Newest response time, newest KPI period, and how many of each are stored."""
        responses, newest = self._cur.execute(
            "SELECT count(*), max(completed_at) FROM responses"
        ).fetchone()
        kpis, newest_kpi = self._cur.execute(
            "SELECT count(*), max(period_start) FROM kpi_observations"
        ).fetchone()
        return DataFreshness(newest, newest_kpi, responses, kpis)

    def survey_metrics(
        self,
        where: Slice = Slice(),
        *,
        grain: str | None = None,
        by: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Counts behind NPS, CSAT, CES and FFT, grouped by period and/or dimensions.

        grain: 'week', 'month', 'quarter' or 'year' adds a `period` column (the
        start of each period); None gives no period split. by: dimension columns from
        `cx.filters.DIMENSIONS`. Returns one row per group with the columns named in
        `_SURVEY_AGGREGATES`; an ungrouped call always returns exactly one row.
        Raises ValueError for an unknown grain or dimension.
        """
        keys, params = [], []
        if grain is not None:
            keys.append(_period_expression(grain, "completed_at"))
            params.append(grain)
        for dimension in by:
            if dimension not in DIMENSIONS:
                raise ValueError(f"Cannot group by {dimension!r}; choose from {DIMENSIONS}.")
            keys.append(dimension)
        condition, where_params = _slice_condition(where)
        if grain is not None:
            condition += " AND completed_at IS NOT NULL"
        columns = (["period"] if grain is not None else []) + list(by)
        select = ", ".join(f"{k} AS {c}" for k, c in zip(keys, columns, strict=True))
        sql = "SELECT " + (select + ", " if select else "") + _SURVEY_AGGREGATES
        sql += " FROM responses WHERE " + condition
        if keys:
            positions = ", ".join(str(i + 1) for i in range(len(keys)))
            sql += " GROUP BY " + positions + " ORDER BY " + positions
        return self._cur.execute(sql, params + where_params).df()

    def kpi_totals(
        self,
        metrics: Sequence[str],
        *,
        grain: str = "month",
        services: Sequence[str] = (),
        start: date | None = None,
        end: date | None = None,
    ) -> pd.DataFrame:
        """KPI numerators and denominators summed per period and metric.

        Ratios must be recomputed from these sums (sum of numerators over sum of
        denominators); averaging percentages across services or months is wrong.
        Observations recorded at the requested grain or a finer one roll up into it;
        coarser ones (a quarterly survey when months are asked for) are left out
        rather than pinned to one month.
        Returns columns period, metric, numerator, denominator, value, services
        (how many distinct services contributed).
        """
        if not metrics:
            return pd.DataFrame(
                columns=["period", "metric", "numerator", "denominator", "value", "services"]
            )
        period = _period_expression(grain, "period_start")
        finer_grains = list(GRAINS[: GRAINS.index(grain) + 1])
        sql = (
            "SELECT " + period + " AS period, metric, sum(numerator) AS numerator, "
            "sum(denominator) AS denominator, sum(value) AS value, "
            "count(DISTINCT service) AS services "
            "FROM kpi_observations WHERE metric IN (SELECT unnest(?)) "
            "AND period_grain IN (SELECT unnest(?)) "
            "AND (len(?) = 0 OR service IN (SELECT unnest(?))) "
            "AND (? IS NULL OR period_start >= ?) AND (? IS NULL OR period_start <= ?) "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        )
        services = list(services)
        return self._cur.execute(
            sql,
            [grain, list(metrics), finer_grains, services, services, start, start, end, end],
        ).df()

    def distinct_values(self, dimension: str) -> list[str]:
        """The values of one dimension present in the responses, sorted, NULL left out."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"Unknown dimension {dimension!r}; choose from {DIMENSIONS}.")
        rows = self._cur.execute(
            "SELECT DISTINCT " + dimension + " FROM responses WHERE " + dimension
            + " IS NOT NULL ORDER BY 1"
        ).fetchall()
        return [row[0] for row in rows]

    # --- Heat map (self-assessment rounds) ------------------------------------
    # Write methods run inside the caller's `transaction()`, like the others above.

    def create_assessment_round(
        self, name: str, held_on: date | None, rater_ids: Sequence[int], *,
        created_by: int | None, now: datetime,
    ) -> int:
        """Add a heat-map round with its raters and return its id.

        Raises ValueError naming the field: empty name, no date, no raters, a name
        already used by another round, or a rater who is not in the people table.
        """
        clean = validate_round(name, held_on, rater_ids)
        if self._cur.execute(
            "SELECT 1 FROM assessment_rounds WHERE lower(name) = lower(?)", [clean]
        ).fetchone():
            raise ValueError(f"Round name: there is already a round called {clean}.")
        row = self._cur.execute(
            "INSERT INTO assessment_rounds (name, held_on, created_at, created_by) "
            "VALUES (?, ?, ?, ?) RETURNING round_id",
            [clean, held_on, now, created_by],
        ).fetchone()
        round_id = int(row[0])
        self.add_assessment_raters(round_id, rater_ids)
        return round_id

    def add_assessment_raters(self, round_id: int, person_ids: Sequence[int]) -> int:
        """Add people as raters of a round (people already rating are skipped); return how many.

        Raises ValueError for an unknown round or person.
        """
        self._require_round(round_id)
        ids = sorted({int(p) for p in person_ids})
        known = {r[0] for r in self._cur.execute(
            "SELECT person_id FROM people WHERE person_id IN (SELECT unnest(?))", [ids]
        ).fetchall()}
        if set(ids) - known:
            raise ValueError(f"Raters: no person with id {sorted(set(ids) - known)}.")
        before = self._cur.execute(
            "SELECT count(*) FROM assessment_raters WHERE round_id = ?", [round_id]
        ).fetchone()[0]
        self._cur.execute(
            "INSERT INTO assessment_raters SELECT ?, unnest(?) ON CONFLICT DO NOTHING",
            [round_id, ids],
        )
        after = self._cur.execute(
            "SELECT count(*) FROM assessment_raters WHERE round_id = ?", [round_id]
        ).fetchone()[0]
        return after - before

    def assessment_rounds(self) -> pd.DataFrame:
        """Every round, newest meeting first: round_id, name, held_on, raters, submitted."""
        return self._cur.execute(
            """
            SELECT r.round_id, r.name, r.held_on,
                   (SELECT count(*) FROM assessment_raters a WHERE a.round_id = r.round_id) AS raters,
                   (SELECT count(DISTINCT s.person_id) FROM assessment_submissions s
                     WHERE s.round_id = r.round_id) AS submitted
            FROM assessment_rounds r
            ORDER BY r.held_on DESC, r.round_id DESC
            """
        ).df()

    def round_raters(self, round_id: int) -> pd.DataFrame:
        """The raters of a round and how far each has got.

        Columns: person_id, name, role, status ('submitted', 'draft' or 'not started';
        'submitted' wins when a rater has both, as the submission is what counts),
        draft_saved_at, submitted_at (latest), submissions (how many times submitted).
        """
        return self._cur.execute(
            """
            SELECT p.person_id, p.name, p.role,
                   CASE WHEN s.latest IS NOT NULL THEN 'submitted'
                        WHEN d.saved IS NOT NULL THEN 'draft' ELSE 'not started' END AS status,
                   d.saved AS draft_saved_at, s.latest AS submitted_at,
                   coalesce(s.times, 0) AS submissions
            FROM assessment_raters a
            JOIN people p USING (person_id)
            LEFT JOIN (SELECT person_id, max(submitted_at) AS latest, count(*) AS times
                       FROM assessment_submissions WHERE round_id = ? GROUP BY 1) s USING (person_id)
            LEFT JOIN (SELECT person_id, max(saved_at) AS saved
                       FROM assessment_drafts WHERE round_id = ? GROUP BY 1) d USING (person_id)
            WHERE a.round_id = ?
            ORDER BY lower(p.name)
            """,
            [round_id, round_id, round_id],
        ).df()

    def save_rating_draft(
        self, round_id: int, person_id: int, entries: Sequence[RatingEntry], *, now: datetime
    ) -> None:
        """Keep a rater's unfinished answers (levels may be missing), replacing their earlier draft.

        Raises ValueError for an unknown round, a person who is not a rater of the
        round, or an invalid entry (see `cx.assessment.validate_entries`).
        """
        clean = validate_entries(entries)
        self._require_rater(round_id, person_id)
        self._cur.execute(
            "DELETE FROM assessment_drafts WHERE round_id = ? AND person_id = ?", [round_id, person_id]
        )
        if clean:
            self._cur.executemany(
                "INSERT INTO assessment_drafts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [[round_id, person_id, e.block, e.stage, e.level, e.comment or None,
                  e.evidence or None, now] for e in clean],
            )

    def submit_ratings(
        self, round_id: int, person_id: int, entries: Sequence[RatingEntry], *, now: datetime
    ) -> int:
        """Record a rater's complete answers as their current rating; return the submission id.

        An earlier submission by the same rater stays as history; the draft is removed.
        Raises IncompleteSubmission (a ValueError) naming every unrated cell, and
        ValueError as `save_rating_draft`.
        """
        clean = check_complete(entries)
        self._require_rater(round_id, person_id)
        row = self._cur.execute(
            "INSERT INTO assessment_submissions (round_id, person_id, submitted_at) "
            "VALUES (?, ?, ?) RETURNING submission_id",
            [round_id, person_id, now],
        ).fetchone()
        submission_id = int(row[0])
        self._cur.executemany(
            "INSERT INTO assessment_ratings VALUES (?, ?, ?, ?, ?, ?)",
            [[submission_id, e.block, e.stage, e.level, e.comment or None, e.evidence or None]
             for e in clean],
        )
        self._cur.execute(
            "DELETE FROM assessment_drafts WHERE round_id = ? AND person_id = ?", [round_id, person_id]
        )
        return submission_id

    def rating_sheet(self, round_id: int, person_id: int) -> pd.DataFrame:
        """The answers a rater should see when they open the form.

        Their draft if they have one, else their latest submission, else no rows.
        Columns: block, stage, level, comment, evidence, source ('draft' or 'submitted').
        """
        return self._cur.execute(
            """
            SELECT block, stage, level, comment, evidence, 'draft' AS source
            FROM assessment_drafts WHERE round_id = ? AND person_id = ?
            UNION ALL
            SELECT r.block, r.stage, r.level, r.comment, r.evidence, 'submitted'
            FROM assessment_ratings r
            WHERE r.submission_id = (SELECT max(submission_id) FROM assessment_submissions
                                     WHERE round_id = ? AND person_id = ?)
              AND NOT EXISTS (SELECT 1 FROM assessment_drafts WHERE round_id = ? AND person_id = ?)
            """,
            [round_id, person_id] * 3,
        ).df()

    def round_ratings(self, round_id: int) -> pd.DataFrame:
        """Each rater's current (latest submitted) rating of every cell in a round.

        Columns: person_id, rater, role, block, stage, level, comment, evidence,
        submitted_at. Drafts are left out: only submitted answers count.
        """
        return self._cur.execute(
            """
            SELECT s.person_id, p.name AS rater, p.role, r.block, r.stage, r.level,
                   r.comment, r.evidence, s.submitted_at
            FROM assessment_submissions s
            JOIN assessment_ratings r USING (submission_id)
            JOIN people p USING (person_id)
            WHERE s.round_id = ?
              AND s.submission_id = (SELECT max(submission_id) FROM assessment_submissions x
                                     WHERE x.round_id = s.round_id AND x.person_id = s.person_id)
            ORDER BY lower(p.name), r.block, r.stage
            """,
            [round_id],
        ).df()

    def rating_history(self, round_id: int) -> pd.DataFrame:
        """Every submitted rating in a round, earlier submissions included, for export and review.

        Columns: rater, role, submission (1 = the rater's first), current (the one
        that counts), submitted_at, block, stage, level, comment, evidence.
        """
        return self._cur.execute(
            """
            SELECT p.name AS rater, p.role,
                   dense_rank() OVER (PARTITION BY s.person_id ORDER BY s.submission_id) AS submission,
                   s.submission_id = max(s.submission_id) OVER (PARTITION BY s.person_id) AS current,
                   s.submitted_at, r.block, r.stage, r.level, r.comment, r.evidence
            FROM assessment_submissions s
            JOIN assessment_ratings r USING (submission_id)
            JOIN people p USING (person_id)
            WHERE s.round_id = ?
            ORDER BY lower(p.name), submission, r.block, r.stage
            """,
            [round_id],
        ).df()

    def _require_round(self, round_id: int) -> None:
        if not self._cur.execute(
            "SELECT 1 FROM assessment_rounds WHERE round_id = ?", [round_id]
        ).fetchone():
            raise ValueError(f"Round: there is no round with id {round_id}.")

    def _require_rater(self, round_id: int, person_id: int) -> None:
        self._require_round(round_id)
        if not self._cur.execute(
            "SELECT 1 FROM assessment_raters WHERE round_id = ? AND person_id = ?", [round_id, person_id]
        ).fetchone():
            raise ValueError("Rater: you are not one of this round's raters; ask for your name to be added.")

    # --- Roadmap planner --------------------------------------------------------
    # Every write records who changed what in roadmap_changes, in the same
    # transaction (the caller's `transaction()`), so the history cannot drift.

    def roadmap_programme(self) -> dict | None:
        """The programme's start_date, years, updated_at and updated_by, or None before it is set."""
        row = self._cur.execute(
            "SELECT start_date, years, updated_at, updated_by FROM roadmap_programme"
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("start_date", "years", "updated_at", "updated_by"), row, strict=True))

    def set_roadmap_programme(self, start: date | None, years: int | None, *, by: int | None,
                              now: datetime) -> None:
        """Set the programme's start and length, recording what changed.

        Raises ValueError naming the field (see `cx.roadmap.validate_programme`).
        """
        validate_programme(start, years)
        before = self.roadmap_programme()
        self._cur.execute(
            "INSERT INTO roadmap_programme VALUES (1, ?, ?, ?, ?) ON CONFLICT (programme_id) "
            "DO UPDATE SET start_date = excluded.start_date, years = excluded.years, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [start, int(years), now, by],
        )
        old_start = format_date(before["start_date"]) if before else ""
        old_years = f"{before['years']} years" if before else ""
        self._record_changes(None, [("Programme start", old_start, format_date(start)),
                                    ("Programme length", old_years, f"{int(years)} years")], by, now)

    def roadmap_entry_stages(self) -> dict[str, str]:
        """{block code: stage code} for the blocks whose entry stage has been set."""
        return dict(self._cur.execute("SELECT block, stage FROM roadmap_entry_stages").fetchall())

    def set_roadmap_entry_stages(self, stages: Mapping[str, str], *, by: int | None,
                                 now: datetime) -> int:
        """Set the stage each building block steps in at; return how many changed.

        Raises ValueError for an unknown block or stage.
        """
        for block, stage in stages.items():
            if block not in BLOCK_BY_CODE or stage not in STAGE_BY_CODE:
                raise ValueError(f"Entry stage: {block!r} / {stage!r} is not a building block and stage.")
        current = self.roadmap_entry_stages()
        changed = [(b, s) for b, s in stages.items() if current.get(b) != s]
        for block, stage in changed:
            self._cur.execute(
                "INSERT INTO roadmap_entry_stages VALUES (?, ?, ?, ?) ON CONFLICT (block) "
                "DO UPDATE SET stage = excluded.stage, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                [block, stage, now, by],
            )
        self._record_changes(None, [
            (f"Entry stage: {BLOCK_BY_CODE[b].label}",
             STAGE_BY_CODE[current[b]].label if b in current else "", STAGE_BY_CODE[s].label)
            for b, s in changed
        ], by, now)
        return len(changed)

    def create_roadmap_action(self, action: ActionInput, *, by: int | None, now: datetime,
                              toolkit_key: str | None = None) -> int:
        """Add an action to the plan and return its id; the history records its creation.

        Raises ValueError naming the field (see `cx.roadmap.validate_action`), or
        "Owner: ..." for an owner who is not in the people table.
        """
        clean = validate_action(action)
        owners = self._owner_names(clean.owner_id)
        row = self._cur.execute(
            "INSERT INTO roadmap_actions (title, stage, blocks, owner_id, status, start_date, due_date, "
            "notes, metric, target, toolkit_key, created_at, created_by, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING action_id",
            [clean.title, clean.stage, list(clean.blocks), clean.owner_id, clean.status,
             clean.start_date, clean.due_date, clean.notes or None, clean.metric, clean.target,
             toolkit_key, now, by, now, by],
        ).fetchone()
        action_id = int(row[0])
        words = describe(clean, owners)
        self._record_changes(action_id, [("Created", "", words["title"])], by, now)
        return action_id

    def roadmap_action(self, action_id: int) -> ActionInput:
        """One action's current fields. Raises ValueError when there is no such action."""
        row = self._cur.execute(
            "SELECT title, stage, blocks, owner_id, status, start_date, due_date, notes, metric, target "
            "FROM roadmap_actions WHERE action_id = ?", [action_id],
        ).fetchone()
        if row is None:
            raise ValueError(f"Action: there is no action with id {action_id}.")
        title, stage, blocks, owner, status, start, due, notes, metric, target = row
        return ActionInput(title, stage, tuple(blocks), owner, status, start, due, notes or "", metric,
                           target)

    def update_roadmap_action(self, action_id: int, action: ActionInput, *, by: int | None,
                              now: datetime) -> list[tuple[str, str, str]]:
        """Save an edited action and return the (field, old, new) changes recorded (none: no write).

        Raises ValueError as `create_roadmap_action`, or when the action does not exist.
        """
        clean = validate_action(action)
        before = self.roadmap_action(action_id)
        owners = self._owner_names(clean.owner_id, before.owner_id)
        diffs = changes(before, clean, owners)
        if not diffs:
            return []
        self._cur.execute(
            "UPDATE roadmap_actions SET title = ?, stage = ?, blocks = ?, owner_id = ?, status = ?, "
            "start_date = ?, due_date = ?, notes = ?, metric = ?, target = ?, updated_at = ?, "
            "updated_by = ? WHERE action_id = ?",
            [clean.title, clean.stage, list(clean.blocks), clean.owner_id, clean.status,
             clean.start_date, clean.due_date, clean.notes or None, clean.metric, clean.target,
             now, by, action_id],
        )
        self._record_changes(action_id, diffs, by, now)
        return diffs

    def set_roadmap_action_archived(self, action_id: int, archived: bool, *, by: int | None,
                                    now: datetime) -> bool:
        """Archive (hide from the plan) or restore an action; return False when nothing changed.

        Raises ValueError when the action does not exist.
        """
        row = self._cur.execute(
            "SELECT archived FROM roadmap_actions WHERE action_id = ?", [action_id]
        ).fetchone()
        if row is None:
            raise ValueError(f"Action: there is no action with id {action_id}.")
        if row[0] == archived:
            return False
        self._cur.execute(
            "UPDATE roadmap_actions SET archived = ?, updated_at = ?, updated_by = ? WHERE action_id = ?",
            [archived, now, by, action_id],
        )
        words = {True: "Archived", False: "In the plan"}
        self._record_changes(action_id, [("Archived", words[row[0]], words[archived])], by, now)
        return True

    def roadmap_actions(self, *, archived: bool = False) -> pd.DataFrame:
        """The plan's actions (or, with archived=True, the archived ones), oldest first.

        Columns: action_id, title, stage, blocks (list of codes), owner_id, owner
        (name), status, start_date, due_date, notes, metric, target, toolkit_key,
        updated_at, updated_by (name).
        """
        return self._cur.execute(
            """
            SELECT a.action_id, a.title, a.stage, a.blocks, a.owner_id, o.name AS owner, a.status,
                   a.start_date, a.due_date, a.notes, a.metric, a.target, a.toolkit_key,
                   a.updated_at, u.name AS updated_by
            FROM roadmap_actions a
            LEFT JOIN people o ON o.person_id = a.owner_id
            LEFT JOIN people u ON u.person_id = a.updated_by
            WHERE a.archived = ?
            ORDER BY a.action_id
            """,
            [archived],
        ).df()

    def roadmap_history(self, action_id: int | None = None, *, limit: int = 500) -> pd.DataFrame:
        """Recorded changes, newest first: one action's, or (action_id None) the programme's own.

        Columns: changed_at, changed_by (name, or None if nobody was chosen), field,
        old_value, new_value.
        """
        return self._cur.execute(
            """
            SELECT c.changed_at, p.name AS changed_by, c.field, c.old_value, c.new_value
            FROM roadmap_changes c LEFT JOIN people p ON p.person_id = c.changed_by
            WHERE c.action_id IS NOT DISTINCT FROM ?
            ORDER BY c.change_id DESC
            LIMIT ?
            """,
            [action_id, limit],
        ).df()

    def roadmap_recent_changes(self, *, limit: int = 200) -> pd.DataFrame:
        """The latest changes across the whole roadmap, newest first.

        Columns: changed_at, changed_by, action_id (None for the programme itself),
        action (its current title), field, old_value, new_value.
        """
        return self._cur.execute(
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
        ).df()

    def _owner_names(self, *owner_ids: int | None) -> dict[int, str]:
        """Names of the given owners; raises ValueError for an id not in the people table."""
        wanted = [int(o) for o in owner_ids if o is not None]
        names = dict(self._cur.execute(
            "SELECT person_id, name FROM people WHERE person_id IN (SELECT unnest(?))", [wanted]
        ).fetchall())
        missing = set(wanted) - set(names)
        if missing:
            raise ValueError(f"Owner: there is no person with id {sorted(missing)}.")
        return names

    def _record_changes(self, action_id: int | None, diffs: Sequence[tuple[str, str, str]],
                        by: int | None, now: datetime) -> None:
        rows = [[action_id, now, by, field, old, new] for field, old, new in diffs if old != new]
        if rows:
            self._cur.executemany(
                "INSERT INTO roadmap_changes (action_id, changed_at, changed_by, field, old_value, "
                "new_value) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
    # --- Leadership: personal checklist, cultural-change roadmap, journey maps ---

    def _require_person(self, person_id: int, field: str) -> None:
        """Raise ValueError naming the field when nobody has this id."""
        if self._cur.execute("SELECT 1 FROM people WHERE person_id = ?", [person_id]).fetchone() is None:
            raise ValueError(f"{field}: choose someone from the team list.")

    def save_checklist_answer(
        self, person_id: int, question: str, answer: str, *, shared: bool, now: datetime
    ) -> int:
        """Add a dated answer to one checklist question and return its id; earlier answers stay.

        The answer is cleaned by `cx.checklist.clean_answer`. Raises ValueError
        naming the field for an unknown person or question, or an empty or
        over-long answer. Call inside `transaction()`.
        """
        self._require_person(person_id, "You are")
        checklist.question(question)
        row = self._cur.execute(
            "INSERT INTO checklist_answers (person_id, question, answer, shared, saved_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING answer_id",
            [person_id, question, checklist.clean_answer(answer), bool(shared), now],
        ).fetchone()
        return int(row[0])

    def set_checklist_sharing(self, person_id: int, question: str, shared: bool) -> bool:
        """Share (or stop sharing) a person's newest answer to a question with the team.

        Earlier answers keep their own setting but are never shown to others.
        Returns False when the person has not answered the question yet. Raises
        ValueError for an unknown question.
        """
        checklist.question(question)
        changed = self._cur.execute(
            """
            UPDATE checklist_answers SET shared = ?
            WHERE answer_id = (
                SELECT answer_id FROM checklist_answers WHERE person_id = ? AND question = ?
                ORDER BY saved_at DESC, answer_id DESC LIMIT 1
            )
            RETURNING answer_id
            """,
            [bool(shared), person_id, question],
        ).fetchall()
        return bool(changed)

    def checklist_history(self, person_id: int) -> pd.DataFrame:
        """Every answer one person has saved (answer_id, question, answer, shared, saved_at), newest first.

        Only the person's own answers: this is what their checklist page shows them.
        """
        return self._cur.execute(
            "SELECT answer_id, question, answer, shared, saved_at FROM checklist_answers "
            "WHERE person_id = ? ORDER BY saved_at DESC, answer_id DESC",
            [person_id],
        ).df()

    def shared_checklist_answers(self, viewer_id: int | None) -> pd.DataFrame:
        """Other people's newest answers that they have shared: name, question, answer, saved_at.

        For each person and question only the newest answer counts, and only when it
        is marked shared; the viewer's own answers are left out.
        """
        return self._cur.execute(
            """
            WITH newest AS (
                SELECT * FROM checklist_answers
                QUALIFY row_number() OVER (
                    PARTITION BY person_id, question ORDER BY saved_at DESC, answer_id DESC) = 1
            )
            SELECT p.name, n.question, n.answer, n.saved_at
            FROM newest n JOIN people p USING (person_id)
            WHERE n.shared AND n.person_id IS DISTINCT FROM ?
            ORDER BY n.question, lower(p.name)
            """,
            [viewer_id],
        ).df()

    def culture_steps(self) -> pd.DataFrame:
        """What has been recorded against the cultural-change steps, one row per step touched.

        Columns step, status, owner_id, owner (name), step_date, evidence,
        updated_at, updated_by_name. Steps with no row have not been started
        (`cx.culture.roadmap` fills them in).
        """
        return self._cur.execute(
            """
            SELECT c.step, c.status, c.owner_id, o.name AS owner, c.step_date, c.evidence,
                   c.updated_at, u.name AS updated_by_name
            FROM culture_steps c
            LEFT JOIN people o ON o.person_id = c.owner_id
            LEFT JOIN people u ON u.person_id = c.updated_by
            ORDER BY c.step
            """
        ).df()

    def save_culture_step(self, update: culture.StepUpdate, *, updated_by: int | None, now: datetime) -> None:
        """Record a step's status, owner, date and evidence, replacing what was there.

        Raises ValueError naming the field for an owner or editor who is not in the
        team list. Call inside `transaction()`.
        """
        if update.owner_id is not None:
            self._require_person(update.owner_id, "Owner")
        if updated_by is not None:
            self._require_person(updated_by, "You are")
        self._cur.execute(
            """
            INSERT INTO culture_steps (step, status, owner_id, step_date, evidence, updated_at, updated_by)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (step) DO UPDATE SET
                status = excluded.status, owner_id = excluded.owner_id,
                step_date = excluded.step_date, evidence = excluded.evidence,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """,
            [update.step, update.status, update.owner_id, update.step_date, update.evidence,
             now, updated_by],
        )

    def create_journey(
        self, name: str, description: str | None, *, updated_by: int | None, now: datetime
    ) -> int:
        """Add a journey with no steps yet and return its id.

        Raises ValueError naming the field when the name is empty, too long, or
        already used by another journey (names tell journeys apart on screen).
        """
        clean = journeys.clean_name(name)
        if self._cur.execute("SELECT 1 FROM journeys WHERE lower(name) = lower(?)", [clean]).fetchone():
            # The name is not repeated: pages show this message as Markdown.
            raise ValueError("Journey name: there is already a journey with this name; choose another.")
        if updated_by is not None:
            self._require_person(updated_by, "You are")
        row = self._cur.execute(
            "INSERT INTO journeys (name, description, created_at, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?) RETURNING journey_id",
            [clean, (description or "").strip() or None, now, now, updated_by],
        ).fetchone()
        return int(row[0])

    def update_journey(
        self, journey_id: int, name: str, description: str | None, *, updated_by: int | None, now: datetime
    ) -> None:
        """Rename a journey and replace its description.

        Raises ValueError naming the field for an unknown journey, or a name that is
        empty, too long, or used by another journey.
        """
        self._require_journey(journey_id)
        clean = journeys.clean_name(name)
        taken = self._cur.execute("SELECT 1 FROM journeys WHERE lower(name) = lower(?) AND journey_id <> ?",
                                  [clean, journey_id]).fetchone()
        if taken:
            raise ValueError("Journey name: there is already a journey with this name; choose another.")
        if updated_by is not None:
            self._require_person(updated_by, "You are")
        self._cur.execute(
            "UPDATE journeys SET name = ?, description = ?, updated_at = ?, updated_by = ? "
            "WHERE journey_id = ?",
            [clean, (description or "").strip() or None, now, updated_by, journey_id],
        )

    def delete_journey(self, journey_id: int) -> int:
        """Delete a journey and every step of both its versions; return how many steps went.

        Raises ValueError for an unknown journey. Call inside `transaction()`.
        """
        self._require_journey(journey_id)
        steps = self._cur.execute("SELECT count(*) FROM journey_steps WHERE journey_id = ?",
                                  [journey_id]).fetchone()[0]
        self._cur.execute("DELETE FROM journey_steps WHERE journey_id = ?", [journey_id])
        self._cur.execute("DELETE FROM journeys WHERE journey_id = ?", [journey_id])
        return int(steps)

    def _require_journey(self, journey_id: int) -> None:
        if self._cur.execute("SELECT 1 FROM journeys WHERE journey_id = ?", [journey_id]).fetchone() is None:
            raise ValueError("Journey: choose a journey from the list.")

    def journeys(self) -> pd.DataFrame:
        """Every journey with its step counts: journey_id, name, description, updated_at,
        updated_by_name, as_is_steps, to_be_steps; ordered by name."""
        return self._cur.execute(
            """
            SELECT j.journey_id, j.name, j.description, j.updated_at, p.name AS updated_by_name,
                   count(s.position) FILTER (s.version = 'as_is') AS as_is_steps,
                   count(s.position) FILTER (s.version = 'to_be') AS to_be_steps
            FROM journeys j
            LEFT JOIN journey_steps s USING (journey_id)
            LEFT JOIN people p ON p.person_id = j.updated_by
            GROUP BY j.journey_id, j.name, j.description, j.updated_at, p.name
            ORDER BY lower(j.name), j.journey_id
            """
        ).df()

    def journey_steps(self, journey_id: int) -> pd.DataFrame:
        """Both versions' steps of one journey: version, then `cx.journeys.STEP_COLUMNS`, in order."""
        return self._cur.execute(
            "SELECT version, " + ", ".join(journeys.STEP_COLUMNS) + " FROM journey_steps "
            "WHERE journey_id = ? ORDER BY version, position",
            [journey_id],
        ).df()

    def replace_journey_steps(
        self, journey_id: int, version: str, steps: pd.DataFrame, *, updated_by: int | None, now: datetime
    ) -> int:
        """Replace one version of a journey with `steps` (from `cx.journeys.arrange_steps`); return the count.

        Raises ValueError for an unknown journey or version, and DatabaseError when a
        step breaks a rule of the table (steps not yet checked by arrange_steps).
        Call inside `transaction()` so that a failure keeps the old steps.
        """
        journeys.version_label(version)
        self._require_journey(journey_id)
        if updated_by is not None:
            self._require_person(updated_by, "You are")
        self._cur.execute("DELETE FROM journey_steps WHERE journey_id = ? AND version = ?",
                          [journey_id, version])
        rows = [
            [journey_id, version, *(_bindable(v) for v in record)]
            for record in steps[list(journeys.STEP_COLUMNS)].itertuples(index=False)
        ]
        if rows:
            placeholders = ", ".join("?" * (2 + len(journeys.STEP_COLUMNS)))
            try:
                self._cur.executemany(
                    "INSERT INTO journey_steps (journey_id, version, " + ", ".join(journeys.STEP_COLUMNS)
                    + ") VALUES (" + placeholders + ")",
                    rows,
                )
            except duckdb.ConstraintException as error:
                raise DatabaseError(f"A journey step breaks a rule of the database: {error}") from error
        self._cur.execute("UPDATE journeys SET updated_at = ?, updated_by = ? WHERE journey_id = ?",
                          [now, updated_by, journey_id])
        return len(rows)


    # --- Trends --------------------------------------------------------------

    def survey_by_weekday_hour(self, where: Slice = Slice()) -> pd.DataFrame:
        """Survey counts per ISO weekday (1 = Monday) and hour of completion (0-23).

        Columns weekday, hour and those of `_SURVEY_AGGREGATES`; only combinations with
        responses appear.
        """
        condition, params = _slice_condition(where)
        return self._cur.execute(
            "SELECT isodow(completed_at) AS weekday, hour(completed_at) AS hour, " + _SURVEY_AGGREGATES
            + " FROM responses WHERE completed_at IS NOT NULL AND " + condition
            + " GROUP BY 1, 2 ORDER BY 1, 2",
            params,
        ).df()

    def extra_attributes(self, *, max_values: int = 50) -> pd.DataFrame:
        """Imported attribute names with their values, for filters: columns name, value, responses.

        Attributes with more than `max_values` distinct values (free text, ids) are
        left out: they cannot be offered as a list to choose from.
        """
        return self._cur.execute(
            """
            WITH pairs AS (
                SELECT entry.key AS name, entry.value AS value, count(*) AS responses
                FROM (SELECT unnest(map_entries(extra)) AS entry FROM responses WHERE extra IS NOT NULL)
                WHERE entry.value IS NOT NULL AND trim(entry.value) <> ''
                GROUP BY 1, 2
            )
            SELECT name, value, responses FROM pairs
            WHERE name IN (SELECT name FROM pairs GROUP BY name HAVING count(*) <= ?)
            ORDER BY name, value
            """,
            [max_values],
        ).df()

    def comments(self, where: Slice = Slice(), *, search: str = "", limit: int = 25,
                 offset: int = 0) -> pd.DataFrame:
        """One page of comments in the slice: unhappy customers first, then newest first.

        Unhappy = NPS detractor (0-6) or CSAT 1-2. `search` matches anywhere in the
        comment, ignoring case, taken literally (no wildcards). Columns completed_at,
        service, channel, nps, csat, unhappy, comment.
        """
        condition, params = _slice_condition(where)
        return self._cur.execute(
            "SELECT completed_at, service, channel, nps, csat, "
            "coalesce(nps <= 6 OR csat <= 2, FALSE) AS unhappy, comment FROM responses "
            "WHERE comment IS NOT NULL AND trim(comment) <> '' AND " + condition
            + " AND (? = '' OR contains(lower(comment), lower(?))) "
            "ORDER BY unhappy DESC, completed_at DESC NULLS LAST, response_id LIMIT ? OFFSET ?",
            [*params, search, search, limit, offset],
        ).df()

    def comment_count(self, where: Slice = Slice(), *, search: str = "") -> int:
        """How many comments `comments` would page through."""
        condition, params = _slice_condition(where)
        return int(self._cur.execute(
            "SELECT count(*) FROM responses WHERE comment IS NOT NULL AND trim(comment) <> '' AND "
            + condition + " AND (? = '' OR contains(lower(comment), lower(?)))",
            [*params, search, search],
        ).fetchone()[0])

    def survey_targets(self) -> pd.DataFrame:
        """Targets for NPS, CSAT and CES: columns metric, service ('' = every service), target."""
        return self._cur.execute(
            "SELECT metric, service, target FROM survey_targets ORDER BY metric, service"
        ).df()

    def set_survey_target(self, metric: str, service: str, target: float | None, *,
                          updated_by: int | None, now: datetime) -> None:
        """Set, or with target None remove, one target. service '' means every service.

        Raises ValueError naming the field for an unknown measure or a target outside
        the measure's range (cx.trends.check_target).
        """
        if target is None:
            self._cur.execute("DELETE FROM survey_targets WHERE metric = ? AND service = ?",
                              [metric, service])
            return
        trends.check_target(metric, target)
        self._cur.execute(
            "INSERT INTO survey_targets VALUES (?, ?, ?, ?, ?) ON CONFLICT (metric, service) "
            "DO UPDATE SET target = excluded.target, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            [metric, service, float(target), now, updated_by],
        )

    # --- Upload -------------------------------------------------------------------
    # Survey exports arrive through cx.importers; these methods write a validated
    # upload in one transaction and keep its history, rejected rows and profiles.

    def import_responses(self, batch: UploadBatch, frame: pd.DataFrame,
                         rejections: pd.DataFrame, extra_names: Sequence[str] = ()) -> ImportCounts:
        """Write one upload as a batch in one transaction; return its id and counts.

        `frame` holds the valid rows (see `insert_responses`, also for
        `extra_names`); a response id that the
        source already holds, or that appears earlier in the same file, counts as a
        duplicate and is not written. `rejections` (line, column_name, value,
        reason) is kept with the batch. Raises DatabaseError when a row breaks a rule
        of the database or the counts do not add up to the file's data rows; then
        nothing at all is written.
        """
        with self.transaction():
            batch_id = self._start_upload(batch, "responses")
            unique = frame.drop_duplicates("response_id", keep="first")
            new = self.insert_responses(batch_id, batch.source, unique, skip_existing=True,
                                        extra_names=extra_names)
            counts = ImportCounts(batch_id, new, len(frame) - new, batch.data_rows - len(frame))
            self._finish_upload(counts, rejections)
        return counts

    def import_kpis(self, batch: UploadBatch, frame: pd.DataFrame,
                    rejections: pd.DataFrame) -> ImportCounts:
        """Write one KPI upload as a batch in one transaction; return its id and counts.

        `frame` holds `line` (the file line of the row it came from) and the KPI
        columns; every valid file row gives at least one observation. An
        observation for a (period, grain, service, metric) already held, or given
        earlier in the file, is skipped; a row counts as duplicate when all of its
        observations were skipped. Raises as `import_responses`.
        """
        key = ["period_start", "period_grain", "service", "metric"]
        with self.transaction():
            batch_id = self._start_upload(batch, "kpi")
            unique = frame.drop_duplicates(key, keep="first")
            self._cur.register("incoming_kpi_rows", unique)
            fresh = self._cur.execute(
                "SELECT * FROM incoming_kpi_rows AS incoming WHERE NOT EXISTS ("
                "SELECT 1 FROM kpi_observations AS held WHERE held.period_start = incoming.period_start "
                "AND held.period_grain = incoming.period_grain AND held.metric = incoming.metric "
                "AND held.service IS NOT DISTINCT FROM incoming.service)"
            ).df()
            self._cur.unregister("incoming_kpi_rows")
            self.insert_kpi_observations(batch_id, fresh.drop(columns="line"))
            valid_rows = frame["line"].nunique()
            new_rows = fresh["line"].nunique()
            counts = ImportCounts(batch_id, new_rows, valid_rows - new_rows, batch.data_rows - valid_rows)
            self._finish_upload(counts, rejections)
        return counts

    def _start_upload(self, batch: UploadBatch, kind: str) -> int:
        batch_id = self.create_batch(
            kind=kind, source=batch.source, uploaded_at=batch.uploaded_at,
            file_name=batch.file_name, file_size=batch.file_size, file_sha256=batch.file_sha256,
            tool=batch.tool, encoding=batch.encoding, delimiter=batch.delimiter,
            uploaded_by=batch.uploaded_by,
        )
        self._cur.execute(
            "UPDATE upload_batches SET header_rows = ?, sheet = ?, data_rows = ?, mapping = ? "
            "WHERE batch_id = ?",
            [batch.header_rows, batch.sheet, batch.data_rows, batch.mapping, batch_id],
        )
        return batch_id

    def _finish_upload(self, counts: ImportCounts, rejections: pd.DataFrame) -> None:
        """Keep the rejected rows and the counts; refuse counts that do not add up."""
        listed = rejections["line"].nunique()
        if counts.rejected != listed:
            raise DatabaseError(
                f"{counts.rejected} rows were left out but {listed} rows were listed as rejected; "
                "nothing was imported."
            )
        self._insert_frame(
            "incoming_rejections", rejections,
            "INSERT INTO upload_rejections SELECT ?, line, column_name, value, reason "
            "FROM incoming_rejections", [counts.batch],
        )
        self.set_batch_counts(counts.batch, new=counts.new, duplicate=counts.duplicate,
                              rejected=counts.rejected)

    def upload_history(self) -> pd.DataFrame:
        """Every upload batch, newest first, with its counts (one row per batch)."""
        return self._cur.execute(
            """
            SELECT batch_id, kind, source, file_name, file_size, file_sha256, tool, encoding,
                   delimiter, header_rows, sheet, data_rows, uploaded_by, uploaded_at,
                   rows_new, rows_duplicate, rows_rejected
            FROM upload_batches ORDER BY uploaded_at DESC, batch_id DESC
            """
        ).df()

    def batch_rejections(self, batch_id: int) -> pd.DataFrame:
        """The rejected rows kept for a batch: line, column_name, value, reason."""
        return self._cur.execute(
            "SELECT line, column_name, value, reason FROM upload_rejections WHERE batch_id = ? "
            "ORDER BY line, column_name",
            [batch_id],
        ).df()

    def remove_batch(self, batch_id: int) -> int:
        """Delete a batch with its responses, KPI observations and rejected rows, in one transaction.

        Returns how many responses and observations went with it. Raises ValueError
        when there is no such batch.
        """
        if not self._cur.execute("SELECT 1 FROM upload_batches WHERE batch_id = ?", [batch_id]).fetchone():
            raise ValueError(f"Upload {batch_id}: there is no such upload (it may have been removed).")
        with self.transaction():
            removed = 0
            for table in ("responses", "kpi_observations"):
                removed += self._cur.execute(
                    "DELETE FROM " + table + " WHERE batch_id = ?", [batch_id]
                ).fetchone()[0]
            self._cur.execute("DELETE FROM upload_rejections WHERE batch_id = ?", [batch_id])
            self._cur.execute("DELETE FROM upload_batches WHERE batch_id = ?", [batch_id])
        return int(removed)

    def save_mapping_profile(self, name: str, *, kind: str, source: str, columns_signature: str,
                             mapping: str, saved_by: str | None, now: datetime) -> None:
        """Save (or replace) a named mapping profile. Raises ValueError when the name is blank."""
        clean = (name or "").strip()
        if not clean:
            raise ValueError("Profile name: enter a name for the mapping profile.")
        with self.transaction():
            self._cur.execute(
                """
                INSERT INTO mapping_profiles VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, source = excluded.source,
                    columns_signature = excluded.columns_signature, mapping = excluded.mapping,
                    saved_at = excluded.saved_at, saved_by = excluded.saved_by
                """,
                [clean, kind, source, columns_signature, mapping, now, saved_by],
            )

    def mapping_profiles(self) -> pd.DataFrame:
        """Saved profiles: name, kind, source, columns_signature, mapping (JSON), saved_at, saved_by."""
        return self._cur.execute(
            "SELECT name, kind, source, columns_signature, mapping, saved_at, saved_by "
            "FROM mapping_profiles ORDER BY lower(name)"
        ).df()


@dataclass(frozen=True)
class UploadBatch:
    """How an uploaded file was read, recorded with its batch."""

    source: str
    uploaded_at: datetime
    data_rows: int
    file_name: str | None = None
    file_size: int | None = None
    file_sha256: str | None = None
    tool: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_rows: int | None = None
    sheet: str | None = None
    mapping: str | None = None
    uploaded_by: str | None = None


@dataclass(frozen=True)
class ImportCounts:
    """What one import did: new + duplicate + rejected equals the file's data rows."""

    batch: int
    new: int
    duplicate: int
    rejected: int


def _period_expression(grain: str, column: str) -> str:
    """SQL for the start of the period holding `column`; the grain is bound as the first `?`."""
    if grain not in GRAINS:
        raise ValueError(f"Unknown period {grain!r}; choose from {GRAINS}.")
    return "CAST(date_trunc(?, " + column + ") AS DATE)"


def _slice_condition(where: Slice) -> tuple[str, list]:
    """A WHERE condition (never empty) and its parameters for a Slice."""
    parts, params = ["TRUE"], []
    if where.start is not None:
        parts.append("completed_at >= ?")
        params.append(where.start)
    if where.end is not None:
        # Inclusive end date: everything before the following midnight.
        parts.append("completed_at < CAST(? AS DATE) + INTERVAL 1 DAY")
        params.append(where.end)
    for dimension in DIMENSIONS:
        values = where.values_for(dimension)
        if values:
            parts.append(dimension + " IN (SELECT unnest(?))")
            params.append(list(values))
    for name, values in where.extra:
        parts.append("extra[?] IN (SELECT unnest(?))")
        params.extend([name, list(values)])
    return " AND ".join(parts), params


def _bindable(value: object) -> object:
    """A value DuckDB can bind: None for missing cells, plain Python numbers for NumPy ones."""
    if journeys.is_missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
