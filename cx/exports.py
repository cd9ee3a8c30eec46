"""CSV and XLSX downloads that cannot run as formulas in a spreadsheet.

Text that starts with = + - @ (or a tab or carriage return) is read by Excel,
LibreOffice and Google Sheets as a formula, which lets a survey respondent's comment
run commands on an officer's machine (CSV injection). On export such text gets a
leading apostrophe; the database keeps the raw text.
"""

from __future__ import annotations

import io
import numbers
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime

import pandas as pd
import xlsxwriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WRAPPED_WIDTH = 40

# fill(sheet_row, column_name, value) -> "#RRGGBB" or None; sheet_row counts data rows from 0.
CellFill = Callable[[int, str, object], str | None]


def neutralise(value: object) -> object:
    """Return text that a spreadsheet will show as text; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with every text cell (and column name) neutralised."""
    safe = frame.copy()
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise, na_action="ignore")
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel on Windows reads accents correctly).

    Lines end in CRLF as RFC 4180 asks; that also makes the writer quote any field
    holding a bare carriage return, which it would otherwise leave bare and break
    the row.
    """
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame],
    *,
    fills: Mapping[str, CellFill] | None = None,
    titles: Mapping[str, str] | None = None,
    wrap: Collection[str] = (),
    row_headers: Collection[str] = (),
) -> bytes:
    """An XLSX workbook with one sheet per frame: bold header row, sensible column widths.

    fills: per sheet, a function choosing a background colour per cell (heat maps);
    the cell keeps its text, so the colour never carries the meaning alone.
    titles: per sheet, a line written above the table (the chart's title).
    wrap: sheets of prose (journey maps) whose cells wrap their text, top-aligned,
    in columns at most WRAPPED_WIDTH characters wide.
    row_headers: sheets whose first column names the rows (a template laid out
    sideways); it is styled like the header row and stays in view when scrolling.
    Text cells are written as strings, never as formulas, after neutralising.
    Raises ValueError for a sheet name Excel would refuse.
    """
    fills = fills or {}
    titles = titles or {}
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    header = workbook.add_format({"bold": True, "bg_color": "#E8E8E8", "border": 1, "text_wrap": True})
    title_format = workbook.add_format({"bold": True, "font_size": 13})
    wrapped = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    row_header = workbook.add_format({"bold": True, "bg_color": "#E8E8E8", "border": 1,
                                      "text_wrap": True, "valign": "top"})
    fill_formats: dict[str, object] = {}
    for name, frame in sheets.items():
        _check_sheet_name(name)
        sheet = workbook.add_worksheet(name)
        top = 0
        if name in titles:
            sheet.write_string(0, 0, str(neutralise(titles[name])), title_format)
            top = 2
        safe = neutralise_frame(frame)
        widest = WRAPPED_WIDTH if name in wrap else 60
        for col, column in enumerate(safe.columns):
            sheet.write_string(top, col, str(column), header)
            width = max([len(str(column))] + [len(str(v)) for v in safe[column].head(200)])
            sheet.set_column(col, col, min(widest, max(8, width + 2)))
        fill = fills.get(name)
        plain = wrapped if name in wrap else None
        for row, record in enumerate(safe.itertuples(index=False)):
            for col, value in enumerate(record):
                colour = fill(row, frame.columns[col], frame.iat[row, col]) if fill else None
                cell_format = row_header if col == 0 and name in row_headers else plain
                if colour:
                    cell_format = fill_formats.setdefault(
                        colour, workbook.add_format({"bg_color": colour, "border": 1, "text_wrap": True})
                    )
                _write(sheet, top + 1 + row, col, value, cell_format)
        sheet.freeze_panes(top + 1, 1 if name in row_headers else 0)
    workbook.close()
    return buffer.getvalue()


def file_stem(text: str, fallback: str = "export") -> str:
    """A safe file name stem from any text: 'Report a missed bin!' -> 'report-a-missed-bin'.

    Keeps ASCII letters and digits, joins the rest with single hyphens, and caps the
    length at 60; returns `fallback` when nothing is left.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    stem = "-".join(words)[:60].strip("-")
    return stem or fallback


def _write(sheet, row: int, col: int, value: object, cell_format) -> None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, numbers.Real):
        sheet.write_number(row, col, float(value), cell_format)
    elif isinstance(value, datetime):
        sheet.write_string(row, col, value.isoformat(sep=" ", timespec="seconds"), cell_format)
    elif isinstance(value, date):
        sheet.write_string(row, col, value.isoformat(), cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
        raise ValueError(f"{name!r} cannot be a sheet name (1 to 31 characters, none of []:*?/\\).")
