"""Survey-export importers: read, recognise, map and validate uploads without touching the database.

`inspect_export(content, file_name)` reads an upload and proposes a mapping;
`validate_export(inspection, mapping)` converts the rows and lists every rejected
one. Writing is `cx.importers.run.import_export`, which hands the validated rows to
the store in one transaction. An Inspection holds every parsed row; `UploadFacts` is
the few kilobytes a page shows about it (see `cx.importers.staging`, which keeps the
rows on disk between the reruns of a web page).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from cx.importers.kpi import looks_like_kpis, propose_kpi_mapping, validate_kpis
from cx.importers.layout import Layout, detect_layout
from cx.importers.mapping import ROLES, Mapping, Problem, Validated, propose_mapping, validate
from cx.importers.reading import DELIMITERS, FileRefused, RawTable, read_table

SAMPLE_VALUES = 3
SAMPLE_CHARS = 60

__all__ = ["FileRefused", "Inspection", "Mapping", "Problem", "ROLES", "UploadFacts", "inspect_export",
           "validate_export"]


@dataclass(frozen=True)
class UploadFacts:
    """What an upload is, without its rows: how it was read, its columns and the proposed mappings.

    `proposals` holds the proposed mapping for each kind ("responses" and "kpi");
    `kind` is the one the file looks like. Small enough to keep in a web session.
    """

    file_name: str
    file_size: int
    sha256: str
    file_format: str  # "csv" or "xlsx"
    tool: str
    header_rows: int
    columns: tuple[str, ...]
    data_rows: int
    kind: str
    proposals: dict[str, Mapping]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: tuple[str, ...] = ()
    # A few distinct non-blank values of each column, for the person checking the mapping.
    samples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def mapping(self) -> Mapping:
        """The proposed mapping for the kind the file looks like."""
        return self.proposals[self.kind]

    def proposed(self, kind: str) -> Mapping:
        """The proposed mapping for reading the file as `kind` ("responses" or "kpi")."""
        return self.proposals[kind]

    @property
    def delimiter_name(self) -> str | None:
        return DELIMITERS.get(self.delimiter) if self.delimiter else None

    def summary(self) -> dict:
        """The facts `python -m cx inspect --json` prints."""
        return {
            "file": self.file_name, "size": self.file_size, "sha256": self.sha256,
            "format": self.file_format, "tool": self.tool, "kind": self.kind,
            "encoding": self.encoding, "delimiter": self.delimiter_name,
            "sheet": self.sheet, "header_rows": self.header_rows,
            "rows": self.data_rows, "columns": list(self.columns),
            "mapping": dict(self.mapping.roles), "ces_scale": self.mapping.ces_scale,
            "notes": list(self.notes),
        }

    def as_dict(self) -> dict:
        """Plain JSON-ready values; `from_dict` reads them back."""
        return {**{name: getattr(self, name) for name in self.__dataclass_fields__ if name != "proposals"},
                "columns": list(self.columns), "notes": list(self.notes),
                "proposals": {kind: mapping.as_dict() for kind, mapping in self.proposals.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> UploadFacts:
        proposals = {kind: Mapping.from_dict(mapping) for kind, mapping in data["proposals"].items()}
        return cls(**{**data, "columns": tuple(data["columns"]), "notes": tuple(data["notes"]),
                      "proposals": proposals})


@dataclass
class Inspection:
    """What an upload is, before anything is written."""

    file_name: str
    file_size: int
    sha256: str
    table: RawTable
    layout: Layout
    frame: pd.DataFrame  # well-formed data rows as text, one column per source column
    lines: list[int]
    ragged: list[Problem]
    mapping: Mapping
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """"kpi" for operational figures (period plus KPI counts), otherwise "responses"."""
        return self.mapping.kind

    def proposed(self, kind: str) -> Mapping:
        """The proposed mapping for reading the file as `kind` ("responses" or "kpi")."""
        if kind == self.mapping.kind:
            return self.mapping
        return propose_kpi_mapping(self.frame) if kind == "kpi" else propose_mapping(self.frame)

    def facts(self) -> UploadFacts:
        """What this upload is, without its rows."""
        return UploadFacts(
            self.file_name, self.file_size, self.sha256, self.table.file_format, self.layout.tool,
            self.layout.header_rows, tuple(self.layout.columns), self.data_rows, self.kind,
            {kind: self.proposed(kind) for kind in ("responses", "kpi")}, self.table.encoding,
            self.table.delimiter, self.table.sheet, tuple(self.notes), sample_values(self.frame),
        )

    @property
    def data_rows(self) -> int:
        return len(self.frame) + len(self.ragged)

    @property
    def delimiter_name(self) -> str | None:
        return DELIMITERS.get(self.table.delimiter) if self.table.delimiter else None

    def summary(self) -> dict:
        """The facts `python -m cx inspect --json` prints."""
        return self.facts().summary()


def sample_values(frame: pd.DataFrame, count: int = SAMPLE_VALUES, rows: int = 1000) -> dict[str, list[str]]:
    """The first `count` distinct non-blank values of each column, from its first `rows` rows.

    Values longer than SAMPLE_CHARS are cut there, ending in "…". They are the file's
    own text: show them literally.
    """
    samples = {}
    for column in frame.columns:
        found: list[str] = []
        for value in frame[column].head(rows).tolist():
            if not isinstance(value, str) or not value.strip():
                continue
            text = value.strip()
            text = text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS - 1] + "\u2026"
            if text not in found:
                found.append(text)
                if len(found) == count:
                    break
        samples[column] = found
    return samples


def inspect_export(content: bytes, file_name: str) -> Inspection:
    """Read an upload, recognise its tool and header rows, and propose a mapping.

    Raises FileRefused (a ValueError) when the file cannot be read at all: too big,
    too many rows, not CSV/XLSX, an unterminated quote, a hostile workbook, or no
    data rows under the header.
    """
    table = read_table(content)
    # Arrow's pool keeps what the parser freed unless asked to give it back.
    pa.default_memory_pool().release_unused()
    if not len(table):
        raise FileRefused("The file has no rows.")
    layout = detect_layout(table.head(3))
    if table.arrow is not None:
        body = table.arrow.slice(layout.header_rows).rename_columns(list(layout.columns))
        frame, lines, ragged = body.to_pandas(), table.lines[layout.header_rows:], []
    else:
        frame, lines, ragged = _split_ragged(table, layout)
    if frame.empty and not ragged:
        raise FileRefused("The file has a header but no data rows.")
    notes = list(table.notes)
    if table.file_format == "csv" and table.encoding and not table.encoding.startswith("UTF"):
        notes.append(f"The file is not UTF-8; it was read as {table.encoding}.")
    is_kpi = layout.tool == "generic" and looks_like_kpis(frame)
    mapping = propose_kpi_mapping(frame) if is_kpi else propose_mapping(frame)
    return Inspection(file_name, len(content), hashlib.sha256(content).hexdigest(), table, layout,
                      frame, lines, ragged, mapping, notes)


def _split_ragged(table: RawTable, layout: Layout) -> tuple[pd.DataFrame, list[int], list[Problem]]:
    """Rows as wide as the header make the frame; wider or narrower ones become problems.

    Cells past the header's width that are all empty (a trailing delimiter) are dropped.
    """
    width = len(layout.columns)
    good_rows, good_lines, ragged = [], [], []
    for row, line in zip(table.rows[layout.header_rows:], table.lines[layout.header_rows:], strict=True):
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            row = row[:width]
        if len(row) == width:
            good_rows.append(row)
            good_lines.append(line)
        else:
            ragged.append(Problem(line, "(whole row)", f"{len(row)} values",
                                  f"the row has {len(row)} values but the header has {width} columns"))
    frame = pd.DataFrame(good_rows, columns=list(layout.columns), dtype="str")
    return frame, good_lines, ragged


def validate_export(inspection: Inspection, mapping: Mapping | None = None) -> Validated:
    """Convert the inspected rows with `mapping` (default: the proposed one).

    Ragged rows are rejected too, so imported + rejected rows always equal the data
    rows. Raises ValueError when the mapping names columns the file lacks.
    """
    mapping = mapping or inspection.mapping
    check = validate_kpis if mapping.kind == "kpi" else validate
    result = check(inspection.frame, inspection.lines, mapping)
    result.problems = sorted(inspection.ragged + result.problems, key=lambda p: (p.line, p.column))
    result.rejected_rows += len(inspection.ragged)
    result.data_rows += len(inspection.ragged)
    result.notes = inspection.notes + result.notes
    return result
