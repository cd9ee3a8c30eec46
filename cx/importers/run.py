"""Import an inspected export: validate it with the chosen mapping and hand it to the store.

The store writes the batch, its new responses and its rejected rows in one
transaction, so an import either happens completely or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from cx.importers import Inspection, validate_export
from cx.importers.mapping import Mapping, Problem
from cx.store import Store
from cx.store.uploads import UploadBatch

PROBLEM_COLUMNS = {"line": "Line", "column_name": "Column", "value": "Value", "reason": "Reason"}
Progress = Callable[[str], None]


class ImportRefused(ValueError):
    """Rows were rejected and the analyst asked for all rows or nothing."""


@dataclass(frozen=True)
class ImportResult:
    batch: int
    new: int
    duplicate: int
    rejected: int
    data_rows: int
    source: str
    problems: list[Problem]
    notes: list[str]

    def as_dict(self) -> dict:
        return {"batch": self.batch, "new": self.new, "duplicate": self.duplicate,
                "rejected": self.rejected, "rows": self.data_rows, "source": self.source,
                "problems": [p.__dict__ for p in self.problems], "notes": self.notes}


def columns_signature(columns) -> str:
    """A short hash of the column names: the same survey exported again has the same signature."""
    return hashlib.sha256("\x1f".join(columns).encode("utf-8")).hexdigest()[:12]


def default_source(inspection: Inspection) -> str:
    """A source name that stays the same for every export of one survey (duplicates are judged per source)."""
    return f"{inspection.layout.tool} survey {columns_signature(inspection.layout.columns)[:8]}"


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Rejected rows as a table (line, column_name, value, reason), one row per problem."""
    return pd.DataFrame(
        {"line": pd.Series([p.line for p in problems], dtype="int64"),
         "column_name": pd.Series([p.column for p in problems], dtype="str"),
         "value": pd.Series([p.value for p in problems], dtype="str"),
         "reason": pd.Series([p.reason for p in problems], dtype="str")}
    )


def import_export(store: Store, inspection: Inspection, mapping: Mapping | None = None, *, source: str | None,
                  uploaded_by: str | None, now: datetime, valid_only: bool = False,
                  progress: Progress | None = None) -> ImportResult:
    """Validate and import an inspected export.

    With `valid_only` False (the default) any rejected row stops the import and
    nothing is written. Raises ImportRefused in that case, ValueError for a mapping
    that names missing columns, and DatabaseError when the database refuses the
    rows (then, too, nothing is written).
    """
    report = progress or (lambda stage: None)
    mapping = mapping or inspection.mapping
    source = (source or "").strip() or default_source(inspection)
    report(f"Checking {inspection.data_rows:,} rows")
    result = validate_export(inspection, mapping)
    if result.rejected_rows and not valid_only:
        first = result.problems[0].sentence()
        raise ImportRefused(
            f"{result.rejected_rows:,} of {result.data_rows:,} rows have problems (first: {first}); "
            "nothing was imported. Fix the file, or choose to import the valid rows only."
        )
    report(f"Writing {len(result.frame):,} rows to the database")
    batch = UploadBatch(
        source=source, uploaded_at=now, data_rows=result.data_rows, file_name=inspection.file_name,
        file_size=inspection.file_size, file_sha256=inspection.sha256, tool=inspection.layout.tool,
        encoding=inspection.table.encoding, delimiter=inspection.delimiter_name,
        header_rows=inspection.layout.header_rows, sheet=inspection.table.sheet,
        mapping=json.dumps(mapping.as_dict()), uploaded_by=uploaded_by,
    )
    rejections = problems_frame(result.problems)
    if mapping.kind == "kpi":
        counts = store.uploads.import_kpis(batch, result.frame, rejections)
    else:
        counts = store.uploads.import_responses(batch, result.frame, rejections, result.extra_names)
    return ImportResult(counts.batch, counts.new, counts.duplicate, counts.rejected, result.data_rows,
                        source, result.problems, result.notes)
