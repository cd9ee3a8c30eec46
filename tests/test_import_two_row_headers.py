"""Two-row headers: a question written once above its columns, an option row below (issue 15).

The exports come from shared/corpus: a SurveyMonkey workbook and a LimeSurvey workbook
tidied in Excel, whose first row holds each question once over blank (merged) cells
and whose second row names the options. The SurveyMonkey CSV (fivethirtyeight) is
covered in test_importers.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cx.importers import validate_export
from cx.importers.layout import OPTION_SEPARATOR, detect_layout, is_question_and_option_rows
from cx.importers.reading import read_table

from .test_importers import FIXTURES, inspect_fixture
from .test_upload_import import run

LIMESURVEY = "informal-models_results-survey.xlsx"
SURVEYMONKEY_XLSX = "VIMFF_Cohort1_Survey2_post-intervention.xlsx"


def raw_records(name: str, count: int) -> list[list[str]]:
    return read_table((FIXTURES / name).read_bytes()).head(count)


def test_limesurvey_question_row_over_option_row_names_every_column():
    records = raw_records(LIMESURVEY, 3)
    inspection = inspect_fixture(LIMESURVEY)
    assert inspection.layout.header_rows == 2
    columns = inspection.layout.columns
    assert not [name for name in columns if name.startswith("Column ")]
    # Each column is the question written above its span, then the option written below it.
    question, option = records[0][0].strip(), records[1][0].strip()
    assert columns[0] == f"{question}{OPTION_SEPARATOR}{option}"
    assert columns[6] == f"{question}{OPTION_SEPARATOR}{records[1][6].strip()}"
    assert columns[7].startswith(records[0][7].strip() + OPTION_SEPARATOR)
    # The option row is not data: the first data row is the file's third record.
    assert inspection.data_rows == 45
    assert inspection.frame.iloc[0].tolist() == records[2]


def test_surveymonkey_response_row_keeps_the_question_alone_and_names_options():
    records = raw_records(SURVEYMONKEY_XLSX, 3)
    columns = inspect_fixture(SURVEYMONKEY_XLSX).layout.columns
    for position, (top, below) in enumerate(zip(records[0], records[1], strict=True)):
        if below in ("Response", "Open-Ended Response"):
            assert columns[position] == top.strip()
    styles = [name for name in columns if name.startswith("After participating in the VIMFF WWCP, what "
                                                            "styles of indoor climbing")]
    assert [name.rsplit(OPTION_SEPARATOR, 1)[1] for name in styles] == ["Bouldering", "Top-rope", "Lead"]


@pytest.mark.parametrize("name, rows", [(LIMESURVEY, 45), (SURVEYMONKEY_XLSX, 12)])
def test_two_row_exports_import_every_data_row_with_option_attributes(store, name, rows):
    content = (FIXTURES / name).read_bytes()
    inspection = inspect_fixture(name)
    result = run(store, content, name=name, valid_only=True)
    assert result.new + result.duplicate + result.repeated + result.rejected == rows
    checked = validate_export(inspection)
    option_columns = [c for c in checked.extra_names if OPTION_SEPARATOR in c]
    assert option_columns, "the option columns are kept as attributes under their two-row names"
    held = store.uploads.history()
    assert int(held.loc[0, "rows_new"]) == result.new
    assert int(held.loc[0, "header_rows"]) == 2


def test_a_one_row_header_with_blank_names_over_filled_data_stays_one_row():
    records = [["id", "score", "", ""], ["1", "5", "x", "y"], ["2", "4", "z", "w"]]
    layout = detect_layout(records)
    assert layout.header_rows == 1
    assert layout.columns == ("id", "score", "Column 3", "Column 4")


def test_numbers_under_a_spanning_question_are_data_not_options():
    assert not is_question_and_option_rows(["Rate us", "", ""], ["5", "4", "3"])
    assert not is_question_and_option_rows(["Rate us", "", ""], ["Good", "Good", "Poor"])
    assert is_question_and_option_rows(["id", "Rate us", "", ""],
                                       ["", "Speed", "Manner", "Other (please specify)"])


words = st.text(alphabet="abcxyz ", min_size=1, max_size=6).map(str.strip).filter(bool)


@given(st.lists(st.one_of(st.just(""), words), min_size=1, max_size=8), st.data())
def test_data_under_a_header_with_its_own_id_column_is_never_taken_for_options(rest, data):
    """Blank header cells may look like spans, but the id column's value shows the row is data."""
    header = ["Response id", "Date", *rest]
    row = data.draw(st.lists(words, min_size=len(header), max_size=len(header)))
    layout = detect_layout([header, row])
    assert layout.header_rows == 1
    assert len(layout.columns) == len(header)
