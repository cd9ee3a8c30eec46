import csv
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cx.exports import file_stem, neutralise, to_csv_bytes, to_xlsx_bytes

HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_triggers_are_prefixed(text):
    assert neutralise(text) == "'" + text


def test_ordinary_values_are_unchanged():
    for value in ("Bins missed", "", 42, 3.5, None, "a=b"):
        assert neutralise(value) == value


def read_csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_keeps_text_and_neutralises_formulas():
    frame = pd.DataFrame({"comment": HOSTILE + ["fine"], "n": range(7)})
    rows = read_csv_rows(to_csv_bytes(frame))
    assert rows[0] == ["comment", "n"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE] + ["fine"]
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(7)]


def test_xlsx_cells_are_text_never_formulas_and_numbers_stay_numbers():
    frame = pd.DataFrame({"comment": HOSTILE, "score": [1, 2, 3, 4, 5, 6],
                          "when": [date(2026, 1, d) for d in range(1, 7)]})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"Comments": frame}, titles={"Comments": "T"})))
    sheet = book["Comments"]
    assert sheet["A1"].value == "T"
    assert [c.value for c in sheet[3]] == ["comment", "score", "when"]
    for row in sheet.iter_rows(min_row=4):
        assert row[0].data_type == "s" and row[0].value.startswith("'")
        assert row[1].data_type == "n"
    assert sheet["C4"].value == "2026-01-01"


def test_fills_colour_cells_and_keep_their_words():
    frame = pd.DataFrame({"level": ["Strength", "Critical focus"]})
    fills = {"Map": lambda row, column, value: "#D55E00" if value == "Critical focus" else None}
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"Map": frame}, fills=fills)))["Map"]
    assert sheet["A3"].value == "Critical focus"
    assert sheet["A3"].fill.fgColor.rgb.endswith("D55E00")
    assert sheet["A2"].fill.fgColor.rgb in (None, "00000000")


def test_bad_sheet_names_are_refused():
    with pytest.raises(ValueError, match="cannot be a sheet name"):
        to_xlsx_bytes({"a/b": pd.DataFrame()})


@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
def test_csv_round_trip_only_adds_the_apostrophe(texts):
    texts = [t.replace("\x00", "") for t in texts]
    frame = pd.DataFrame({"text": texts})
    back = [row[0] for row in read_csv_rows(to_csv_bytes(frame))[1:]]
    assert back == [str(neutralise(t)) for t in texts]


def test_wrapped_sheets_with_row_headers_and_plain_sheets_side_by_side():
    prose = pd.DataFrame({"Stages": ["Pain points"], "Step 1": ["x" * 90]})
    plain = pd.DataFrame({"comment": ["y" * 90]})
    book = openpyxl.load_workbook(io.BytesIO(
        to_xlsx_bytes({"Map": prose, "Data": plain}, wrap=("Map",), row_headers=("Map",))))
    mapped, data = book["Map"], book["Data"]
    assert mapped["A2"].font.bold and mapped["B2"].alignment.wrap_text
    assert mapped.column_dimensions["B"].width <= 40 + 1
    assert mapped.freeze_panes == "B2"
    assert not data["A2"].font.bold and not data["A2"].alignment.wrap_text
    assert data.column_dimensions["A"].width > 59
    assert data.freeze_panes == "A2"


@pytest.mark.parametrize("text, stem", [
    ("Apply for a council tax discount", "apply-for-a-council-tax-discount"),
    ("Café / Parks & Green Spaces!", "cafe-parks-green-spaces"),
    ("../../etc/passwd", "etc-passwd"),
    ("!!!", "export"),
    ("x" * 80, "x" * 60),
])
def test_file_stem_keeps_file_names_safe(text, stem):
    assert file_stem(text) == stem
