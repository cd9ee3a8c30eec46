"""Import an inspected export: validate it with the chosen mapping and hand it to the store.

The store writes the batch, its new responses and its rejected rows in one
transaction, so an import either happens completely or not at all.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import pyarrow as pa

from cx import surveys
from cx.cases import find_new_cases
from cx.formatting import blank_missing
from cx.importers import Inspection, UploadFacts, validate_export
from cx.importers.mapping import Mapping, Problem, Validated
from cx.store import Store
from cx.store.uploads import ImportCounts, UploadBatch

PROBLEM_COLUMNS = {"line": "Line", "column_name": "Column", "value": "Value", "reason": "Reason"}
Progress = Callable[[str], None]


class ImportRefused(ValueError):
    """Rows were rejected and the analyst asked for all rows or nothing."""


@dataclass(frozen=True)
class ImportResult:
    """What an import did. `problems` lists every rejected row's problem (an import of a staged
    upload, `cx.importers.staging`, lists the first SHOWN_PROBLEMS; the batch keeps them all)."""

    batch: int
    new: int
    duplicate: int  # already held from earlier uploads of the same survey
    rejected: int
    data_rows: int
    source: str
    problems: list[Problem]
    notes: list[str]
    repeated: int = 0  # the response id appeared earlier in the same file

    def as_dict(self) -> dict:
        return {"batch": self.batch, "new": self.new, "duplicate": self.duplicate,
                "repeated": self.repeated, "rejected": self.rejected, "rows": self.data_rows,
                "source": self.source, "problems": [p.__dict__ for p in self.problems], "notes": self.notes}

    def sentence(self) -> str:
        """What the import did, in one sentence whose counts add up to the file's data rows."""
        repeated = f", {self.repeated:,} repeated within the file" if self.repeated else ""
        return (f"Upload {self.batch} imported: {self.new:,} new rows, {self.duplicate:,} already held"
                f"{repeated}, {self.rejected:,} rejected.")


def columns_signature(columns) -> str:
    """A short hash of the column names: the same survey exported again has the same signature."""
    return hashlib.sha256("\x1f".join(columns).encode("utf-8")).hexdigest()[:12]


def default_source(upload: Inspection | UploadFacts) -> str:
    """A source name that stays the same for every export of one survey (duplicates are judged per source)."""
    facts = upload.facts() if isinstance(upload, Inspection) else upload
    return f"{facts.tool} survey {columns_signature(facts.columns)[:8]}"


def sample_table(facts: UploadFacts) -> pd.DataFrame:
    """Each column of an upload beside a few of its values ("Column", "Sample values"), as text."""
    return pd.DataFrame({
        "Column": pd.Series(list(facts.columns), dtype="str"),
        "Sample values": pd.Series([" | ".join(facts.samples.get(column, [])) for column in facts.columns],
                                   dtype="str"),
    })


def history_table(history: pd.DataFrame, survey_names: dict[str, str] | None = None) -> pd.DataFrame:
    """The upload history (`UploadStore.history`) as the Upload page shows it; blanks stay blank.

    Each survey is named by `survey_names` (source key → the name the council gave it).
    "Already held" counts rows an earlier upload of the same survey holds;
    "Repeated in file" rows whose response id came earlier in the same file.
    """
    names = survey_names or {}
    return blank_missing(pd.DataFrame({
        "Upload": history["batch_id"], "File": history["file_name"],
        "Survey": [names.get(source, source) for source in history["source"]],
        "Tool": history["tool"], "Size (bytes)": history["file_size"], "Uploaded by": history["uploaded_by"],
        "Uploaded at": history["uploaded_at"], "New": history["rows_new"],
        "Already held": history["rows_duplicate"], "Repeated in file": history["rows_repeated"],
        "Rejected": history["rows_rejected"], "SHA-256": history["file_sha256"],
    }))


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Rejected rows as a table (line, column_name, value, reason), one row per problem."""
    return pd.DataFrame(
        {"line": pd.Series([p.line for p in problems], dtype="int64"),
         "column_name": pd.Series([p.column for p in problems], dtype="str"),
         "value": pd.Series([p.value for p in problems], dtype="str"),
         "reason": pd.Series([p.reason for p in problems], dtype="str")}
    )


@dataclass
class Checked:
    """Validated rows ready for the store, with the rejected ones as a table rather than objects.

    `rejections` (line, column_name, value, reason) is sorted by line and column, so its
    first row is the first problem in the file.
    """

    rows: pd.DataFrame
    rejections: pd.DataFrame
    data_rows: int
    rejected_rows: int
    extra_names: list[str]

    @classmethod
    def from_validated(cls, result: Validated) -> Checked:
        return cls(result.frame, problems_frame(result.problems), result.data_rows, result.rejected_rows,
                   result.extra_names)


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
    report(f"Checking {inspection.data_rows:,} rows")
    result = validate_export(inspection, mapping)
    facts = inspection.facts()
    release_memory()
    counts = write_checked(store, facts, mapping, Checked.from_validated(result), source=source,
                           uploaded_by=uploaded_by, now=now, valid_only=valid_only, progress=progress)
    return ImportResult(counts.batch, counts.new, counts.duplicate, counts.rejected, result.data_rows,
                        source_name(source, facts), result.problems, result.notes, counts.repeated)


def release_memory() -> None:
    """Give memory freed by a big read back to the system: Arrow's pool and glibc's heap keep it otherwise.

    DuckDB allocates from its own heap, so what glibc keeps of a check's temporary arrays
    (some 90 MB for a million rows) would otherwise add to the peak of the write that follows.
    """
    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def write_checked(store: Store, facts: UploadFacts, mapping: Mapping, checked: Checked, *, source: str | None,
                  uploaded_by: str | None, now: datetime, valid_only: bool = False,
                  progress: Progress | None = None) -> ImportCounts:
    """Write checked rows as one upload batch (see `import_export` for what is refused and raised).

    Responses that meet their survey's follow-up rule become cases in the same
    transaction (cx.cases.find_new_cases).
    """
    report = progress or (lambda stage: None)
    if checked.rejected_rows and not valid_only:
        first = Problem(*checked.rejections.iloc[0][["line", "column_name", "value", "reason"]]).sentence()
        raise ImportRefused(
            f"{checked.rejected_rows:,} of {checked.data_rows:,} rows have problems (first: {first}); "
            "nothing was imported. Fix the file, or choose to import the valid rows only."
        )
    report(f"Writing {len(checked.rows):,} rows to the database")
    batch = UploadBatch(
        source=source_name(source, facts), uploaded_at=now, data_rows=checked.data_rows,
        file_name=facts.file_name, file_size=facts.file_size, file_sha256=facts.sha256, tool=facts.tool,
        encoding=facts.encoding, delimiter=facts.delimiter_name, header_rows=facts.header_rows,
        sheet=facts.sheet, mapping=json.dumps(mapping.as_dict()), uploaded_by=uploaded_by,
    )
    if mapping.kind == "kpi":
        return store.uploads.import_kpis(batch, checked.rows, checked.rejections)
    with store.transaction():
        # The survey this upload belongs to (the Upload page records it first, as the analyst named it).
        name = (source or "").strip() or surveys.propose_name(facts.file_name, facts.tool)
        surveys.record_upload(store, batch.source, name=surveys.unique_name(store, name),
                              kind=surveys.propose_kind(mapping.roles), updated_by=store.acting_person,
                              now=now)
        counts = store.uploads.import_responses(batch, checked.rows, checked.rejections, checked.extra_names)
        # Unhappy customers who agreed to be contacted become follow-up cases with the import.
        find_new_cases(store, by=store.acting_person, now=now, source=batch.source, batch_id=counts.batch,
                       keep_guessed=True)
    return counts


def source_name(source: str | None, facts: UploadFacts) -> str:
    """The survey name an import is recorded under: the one given, else `default_source`."""
    return (source or "").strip() or default_source(facts)
