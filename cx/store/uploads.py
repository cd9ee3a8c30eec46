"""Uploads: survey responses and KPI observations arrive as batches, each written in one transaction.

A batch keeps how its file was read, its counts and its rejected rows, so an
upload can be reviewed or removed as a whole later. Mapping profiles make the
next file with the same columns one click.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cx.errors import DatabaseError
from cx.store.base import FeatureStore, writes

RESPONSE_COLUMNS: tuple[str, ...] = (
    "response_id", "completed_at", "service", "channel", "area", "segment", "staff_id",
    "nps", "csat", "ces", "ces_scale", "fft", "fft_dont_know", "govmetric", "comment",
)
KPI_COLUMNS: tuple[str, ...] = (
    "period_start", "period_grain", "service", "metric", "numerator", "denominator", "value",
)
_KPI_KEY = ["period_start", "period_grain", "service", "metric"]


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
    """What one import did: new + duplicate + repeated + rejected equals the file's data rows.

    `duplicate` counts rows already held from earlier uploads of the same survey;
    `repeated` counts rows whose response id appeared earlier in the same file.
    """

    batch: int
    new: int
    duplicate: int
    rejected: int
    repeated: int = 0


class UploadStore(FeatureStore):
    """Write uploads as batches; read their history, rejected rows and mapping profiles."""

    READS = ("uploads", "surveys", "kpis")

    @writes("uploads")
    def create_batch(self, batch: UploadBatch, kind: str) -> int:
        """Record an upload batch (kind 'responses' or 'kpi') and return its id."""
        row = self._one(
            """
            INSERT INTO upload_batches (kind, source, file_name, file_size, file_sha256, tool, encoding,
                                        delimiter, uploaded_by, uploaded_at, header_rows, sheet,
                                        data_rows, mapping)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING batch_id
            """,
            [kind, batch.source, batch.file_name, batch.file_size, batch.file_sha256, batch.tool,
             batch.encoding, batch.delimiter, batch.uploaded_by, batch.uploaded_at, batch.header_rows,
             batch.sheet, batch.data_rows, batch.mapping],
        )
        return int(row[0])

    @writes("uploads")
    def set_batch_counts(self, batch_id: int, *, new: int, duplicate: int, rejected: int,
                         repeated: int = 0) -> None:
        self._execute(
            "UPDATE upload_batches SET rows_new = ?, rows_duplicate = ?, rows_rejected = ?, "
            "rows_repeated = ? WHERE batch_id = ?",
            [new, duplicate, rejected, repeated, batch_id],
        )

    @writes("surveys")
    def insert_responses(self, batch_id: int, source: str, frame: pd.DataFrame, *,
                         skip_existing: bool = False, extra_names: Sequence[str] = ()) -> int:
        """Append responses from a frame and return how many rows were written.

        The frame needs `response_id`; any other column of RESPONSE_COLUMNS may be
        absent (stored as NULL). Extra attributes come either as columns `extra_0`,
        `extra_1`, ... named by `extra_names` (blank values are left out of the map),
        or as two list columns `extra_keys` and `extra_values` of equal length per row.
        With `skip_existing`, rows whose response_id this source already holds are
        left out (the frame itself must not repeat an id). Raises ValueError naming
        unknown columns, and DatabaseError when a value breaks a rule of the schema
        (an NPS of 11, say); the enclosing transaction then writes nothing.
        """
        extra_columns = [f"extra_{i}" for i in range(len(extra_names))]
        unknown = (set(frame.columns) - set(RESPONSE_COLUMNS) - {"extra_keys", "extra_values"}
                   - set(extra_columns))
        if unknown:
            raise ValueError(f"Unknown response columns: {sorted(unknown)}")
        if "response_id" not in frame.columns:
            raise ValueError("Responses need a response_id column.")
        select = [col if col in frame.columns else "NULL" for col in RESPONSE_COLUMNS]
        # DuckDB scans an Arrow table several times faster than the same pandas frame.
        incoming = pa.Table.from_pandas(frame, preserve_index=False)
        if extra_columns:
            # The attribute map is built in Arrow (a DuckDB lambda per row took seconds for 1M rows).
            incoming = _with_extra_map(frame, extra_columns, extra_names)
            select.append("extra")
        elif {"extra_keys", "extra_values"} <= set(frame.columns):
            select.append("map(extra_keys, extra_values)")
        else:
            select.append("NULL")
        sql = (
            "INSERT INTO responses (batch_id, source, " + ", ".join(RESPONSE_COLUMNS) + ", extra) "
            "SELECT ?, ?, " + ", ".join(select) + " FROM incoming_responses AS incoming"
        )
        params = [batch_id, source]
        # Keep the search even when the source holds nothing yet. Measured on a million rows (DuckDB
        # 2.0): without it the import took about 0.9 CPU s longer, most of it spent at the checkpoint
        # when the database closed, though its peak was 50 MB lower.
        if skip_existing:
            sql += (" WHERE NOT EXISTS (SELECT 1 FROM responses AS held WHERE held.source = ? "
                    "AND held.response_id = incoming.response_id)")
            params.append(source)
        return self._insert_frame("incoming_responses", incoming, sql, params)

    @writes("kpis")
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

    @writes("uploads")
    def import_responses(self, batch: UploadBatch, frame: pd.DataFrame, rejections: pd.DataFrame,
                         extra_names: Sequence[str] = ()) -> ImportCounts:
        """Write one upload as a batch in one transaction; return its id and counts.

        `frame` holds the valid rows (see `insert_responses`). A response id the
        source already holds counts as a duplicate; one that appears earlier in the
        same file counts as repeated; neither is written. `rejections` (line, column_name, value,
        reason) is kept with the batch. Raises DatabaseError when a row breaks a rule
        of the database or the counts do not add up to the file's data rows; then
        nothing at all is written.
        """
        batch_id = self.create_batch(batch, "responses")
        unique = self._first_of_each_id(frame)
        new = self.insert_responses(batch_id, batch.source, unique, skip_existing=True,
                                    extra_names=extra_names)
        counts = ImportCounts(batch_id, new, len(unique) - new, batch.data_rows - len(frame),
                              repeated=len(frame) - len(unique))
        self._finish(counts, rejections)
        return counts

    @writes("uploads")
    def import_kpis(self, batch: UploadBatch, frame: pd.DataFrame, rejections: pd.DataFrame) -> ImportCounts:
        """Write one KPI upload as a batch in one transaction; return its id and counts.

        `frame` holds `line` (the file line of the row it came from) and the KPI
        columns; every valid file row gives at least one observation. An
        observation for a (period, grain, service, metric) already held, or given
        earlier in the file, is skipped; a row counts as duplicate when all of its
        observations were skipped. Raises as `import_responses`.
        """
        batch_id = self.create_batch(batch, "kpi")
        unique = frame.drop_duplicates(_KPI_KEY, keep="first")
        self._session.cursor.register("incoming_kpi_rows", unique)
        fresh = self._frame(
            "SELECT * FROM incoming_kpi_rows AS incoming WHERE NOT EXISTS ("
            "SELECT 1 FROM kpi_observations AS held WHERE held.period_start = incoming.period_start "
            "AND held.period_grain = incoming.period_grain AND held.metric = incoming.metric "
            "AND held.service IS NOT DISTINCT FROM incoming.service)"
        )
        self._session.cursor.unregister("incoming_kpi_rows")
        self.insert_kpi_observations(batch_id, fresh.drop(columns="line"))
        valid_rows = frame["line"].nunique()
        new_rows = fresh["line"].nunique()
        counts = ImportCounts(batch_id, new_rows, valid_rows - new_rows, batch.data_rows - valid_rows)
        self._finish(counts, rejections)
        return counts

    def _first_of_each_id(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` whose response id has not appeared earlier in it, in file order.

        DuckDB hashes the ids: when no two hashes are equal no id repeats, which a sort of
        the hashes shows in a tenth of the time and memory of grouping the ids themselves
        (100 MB for a million). Only when two hashes are equal are the ids grouped.
        """
        if frame.empty:
            return frame
        ids = pa.table({"response_id": pa.array(frame["response_id"])})
        cursor = self._session.cursor
        cursor.register("incoming_ids", ids)
        try:
            found = cursor.execute("SELECT hash(response_id) AS id_hash FROM incoming_ids").fetchnumpy()
            hashes = np.asarray(found.pop("id_hash"))
            hashes.sort()
            if not bool((hashes[1:] == hashes[:-1]).any()):
                return frame
            del hashes
            cursor.register("incoming_ids", ids.append_column("position", pa.array(np.arange(len(frame)))))
            first = cursor.execute(
                "SELECT min(position) AS position FROM incoming_ids GROUP BY response_id"
            ).fetchnumpy()["position"]
        finally:
            cursor.unregister("incoming_ids")
        if len(first) == len(frame):
            return frame
        return frame.iloc[np.sort(first)].reset_index(drop=True)

    def _finish(self, counts: ImportCounts, rejections: pd.DataFrame) -> None:
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
                              rejected=counts.rejected, repeated=counts.repeated)

    def history(self) -> pd.DataFrame:
        """Every upload batch, newest first, with its counts (one row per batch)."""
        return self._frame(
            """
            SELECT batch_id, kind, source, file_name, file_size, file_sha256, tool, encoding,
                   delimiter, header_rows, sheet, data_rows, uploaded_by, uploaded_at,
                   rows_new, rows_duplicate, rows_repeated, rows_rejected
            FROM upload_batches ORDER BY uploaded_at DESC, batch_id DESC
            """
        )

    def batch_of_file(self, sha256: str) -> int | None:
        """The oldest upload batch still held whose file had this SHA-256, or None.

        A removed upload no longer counts, so a file can be imported again after
        its upload was removed on purpose.
        """
        row = self._one("SELECT min(batch_id) FROM upload_batches WHERE file_sha256 = ?", [sha256])
        return None if row[0] is None else int(row[0])

    def rejections(self, batch_id: int) -> pd.DataFrame:
        """The rejected rows kept for a batch: line, column_name, value, reason."""
        return self._frame(
            "SELECT line, column_name, value, reason FROM upload_rejections WHERE batch_id = ? "
            "ORDER BY line, column_name",
            [batch_id],
        )

    @writes("uploads")
    def remove_batch(self, batch_id: int) -> int:
        """Delete a batch with its responses, KPI observations and rejected rows.

        Returns how many responses and observations went with it. Raises ValueError
        when there is no such batch.
        """
        if not self._exists("SELECT 1 FROM upload_batches WHERE batch_id = ?", [batch_id]):
            raise ValueError(f"Upload {batch_id}: there is no such upload (it may have been removed).")
        self._session.note_write("surveys", "uploads.remove_batch")
        self._session.note_write("kpis", "uploads.remove_batch")
        removed = 0
        for table in ("responses", "kpi_observations"):
            removed += self._one("DELETE FROM " + table + " WHERE batch_id = ?", [batch_id])[0]
        self._execute("DELETE FROM upload_rejections WHERE batch_id = ?", [batch_id])
        self._execute("DELETE FROM upload_batches WHERE batch_id = ?", [batch_id])
        return int(removed)

    @writes("uploads")
    def save_profile(self, name: str, *, kind: str, source: str, columns_signature: str,
                     mapping: str, saved_by: str | None, now: datetime) -> None:
        """Save (or replace) a named mapping profile. Raises ValueError when the name is blank."""
        clean = (name or "").strip()
        if not clean:
            raise ValueError("Profile name: enter a name for the mapping profile.")
        self._execute(
            """
            INSERT INTO mapping_profiles VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, source = excluded.source,
                columns_signature = excluded.columns_signature, mapping = excluded.mapping,
                saved_at = excluded.saved_at, saved_by = excluded.saved_by
            """,
            [clean, kind, source, columns_signature, mapping, now, saved_by],
        )

    def profiles(self) -> pd.DataFrame:
        """Saved profiles: name, kind, source, columns_signature, mapping (JSON), saved_at, saved_by."""
        return self._frame(
            "SELECT name, kind, source, columns_signature, mapping, saved_at, saved_by "
            "FROM mapping_profiles ORDER BY lower(name)"
        )


def _with_extra_map(frame: pd.DataFrame, extra_columns: list[str], extra_names: Sequence[str]) -> pa.Table:
    """`frame` as an Arrow table whose `extra` map holds each row's non-blank attributes.

    The columns `extra_0`, `extra_1`, ... give the values of the attributes named by
    `extra_names`; a blank value (empty or only spaces) is left out of its row's map.
    """
    table = pa.Table.from_pandas(frame.drop(columns=extra_columns), preserve_index=False)
    rows, width = len(frame), len(extra_columns)
    values = [_flat(pc.fill_null(pa.array(frame[column], pa.large_string()), "")) for column in extra_columns]
    kept = np.column_stack([
        pc.invert(pc.or_(pc.equal(pc.binary_length(value), 0), pc.utf8_is_space(value)))
        .to_numpy(zero_copy_only=False) for value in values
    ]).reshape(rows, width)
    offsets = np.zeros(rows + 1, dtype=np.int32)
    np.cumsum(kept.sum(axis=1), out=offsets[1:])
    positions = np.flatnonzero(kept.ravel())  # row by row, then column by column
    row_of, column_of = np.divmod(positions, width)
    keys = pc.take(pa.array(list(extra_names), pa.string()), pa.array(column_of))
    items = pc.take(pa.concat_arrays(values).cast(pa.string()), pa.array(column_of * rows + row_of))
    extra = pa.MapArray.from_arrays(pa.array(offsets), keys, items)
    return table.append_column("extra", extra)


def _flat(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
