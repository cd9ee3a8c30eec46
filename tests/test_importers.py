"""Reading, recognising and mapping real survey exports (tests/fixtures/exports, from the corpus)."""

from __future__ import annotations

import pandas as pd
import pytest

from cx.importers import FileRefused, inspect_export, validate_export
from cx.importers.layout import detect_layout, unique_names
from cx.importers.mapping import Mapping, parse_times, propose_mapping
from cx.importers.reading import decode, sniff_delimiter
from cx.importers.scores import SCALES, ScoreError, to_score

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "exports"


def inspect_fixture(name: str):
    return inspect_export((FIXTURES / name).read_bytes(), name)


# file, tool, header rows, data rows, encoding, delimiter, roles expected (others None)
CORPUS = [
    ("qualtRics_sample_3row.csv", "Qualtrics", 3, 1, "UTF-8", "comma",
     {"response_id": "ResponseId", "completed_at": "EndDate"}),
    ("qualtRics_sample_legacy_2row.csv", "Qualtrics (legacy export)", 2, 1, "UTF-8 with byte-order mark",
     "comma", {"response_id": "ResponseID", "completed_at": "EndDate"}),
    ("QualtricsTools_No_Basis_for_Evaluation_Insights_2016.csv", "Qualtrics", 3, 15, "UTF-8", "comma",
     {"response_id": "ResponseID", "completed_at": "EndDate"}),
    ("VIMFF_Cohort1_Survey2_post-intervention.xlsx", "SurveyMonkey", 2, 12, None, None,
     {"response_id": "Respondent ID", "completed_at": "End Date",
      "comment": "Is there anything else you would like to share from your experience in the VIMFF WWCP?"}),
    ("fivethirtyeight_StarWars.csv", "SurveyMonkey", 2, 1186, "Windows-1252 (cp1252)", "comma",
     {"response_id": "RespondentID"}),
    ("UVADS_fa25_Is_hotdog_a_sandwich_(Responses).xlsx", "Google Forms", 1, 207, None, None,
     {"completed_at": "Timestamp"}),
    ("UVADS_hot_dog_survey_spring25.xlsx - Form Responses 1.csv", "Google Forms", 1, 64, "UTF-8", "comma",
     {"completed_at": "Timestamp"}),
    ("UVADS_Hot-Dog-Form-Fa24.csv", "Microsoft Forms", 1, 187, "Windows-1252 (cp1252)", "comma",
     {"response_id": "Id", "completed_at": "Completion time"}),
    ("wellbeing_results-survey.csv", "LimeSurvey", 1, 53, "UTF-8", "comma",
     {"response_id": "id. Response ID", "completed_at": "submitdate. Date submitted"}),
    ("artifact-survey_results-survey54231.xlsx", "LimeSurvey", 1, 257, None, None,
     {"response_id": "id", "completed_at": "submitdate"}),
    ("friends-and-family-test_data.csv", "generic", 1, 3882, "UTF-8", "comma",
     {"completed_at": "time", "fft": "rating", "service": "surgery", "comment": "free_text"}),
]


@pytest.mark.parametrize("name, tool, headers, rows, encoding, delimiter, roles", CORPUS,
                         ids=[c[0][:30] for c in CORPUS])
def test_corpus_file_is_recognised_and_mapped(name, tool, headers, rows, encoding, delimiter, roles):
    inspection = inspect_fixture(name)
    assert inspection.layout.tool == tool
    assert inspection.layout.header_rows == headers
    assert inspection.data_rows == rows
    assert inspection.table.encoding == encoding
    assert inspection.delimiter_name == delimiter
    assert {role: col for role, col in inspection.mapping.roles.items() if col} == roles
    result = validate_export(inspection)
    assert len(result.frame) + result.rejected_rows == rows


def test_surveymonkey_option_columns_carry_the_option_label():
    columns = inspect_fixture("fivethirtyeight_StarWars.csv").layout.columns
    assert "Which of the following Star Wars films have you seen? Please select all that apply. \u2013 " \
           "Star Wars: Episode I The Phantom Menace" in columns


def test_legacy_qualtrics_takes_names_from_the_second_row_for_v_columns():
    columns = inspect_fixture("qualtRics_sample_legacy_2row.csv").layout.columns
    assert columns[:3] == ("ResponseID", "ResponseSet", "Name")
    assert columns[10:12] == ("Q1", "Q2")


def test_friends_and_family_ratings_become_one_to_five_and_dont_know_is_no_answer():
    inspection = inspect_fixture("friends-and-family-test_data.csv")
    result = validate_export(inspection)
    raw = inspection.frame["rating"]
    counts = result.frame["fft"].value_counts(dropna=False)
    assert counts[5] == (raw == "Extremely likely").sum()
    assert counts[1] == (raw == "Extremely unlikely").sum()
    no_answer = raw.isin(["Don't know", ""]).sum()
    assert result.frame["fft"].isna().sum() == no_answer
    assert "nps" not in result.frame.columns


def test_extra_attributes_keep_unmapped_columns():
    result = validate_export(inspect_fixture("qualtRics_sample_3row.csv"))
    row = result.frame.iloc[0]
    extras = {name: row[f"extra_{i}"] for i, name in enumerate(result.extra_names)}
    assert extras["Q2"] == "Hello World!"
    assert "ResponseId" not in extras
    assert result.frame.loc[0, "response_id"].startswith("R_")


def test_a_file_without_scores_says_so():
    result = validate_export(inspect_fixture("UVADS_Hot-Dog-Form-Fa24.csv"))
    assert any("No column was recognised as a score" in note for note in result.notes)
    assert len(result.frame) == 187


def test_limesurvey_agreement_column_named_satisfied_is_not_taken_for_csat():
    """Its answers run to 'Strongly agree (7)', which is no 1-5 satisfaction score."""
    mapping = inspect_fixture("wellbeing_results-survey.csv").mapping
    assert mapping.roles["csat"] is None


@pytest.mark.parametrize("text, scale, expected", [
    ("10 - Extremely likely", "nps", 10), ("Not likely at all - 0", "nps", 0), ("7", "nps", 7),
    ("9.0", "nps", 9), ("Very satisfied", "csat", 5), ("Dissatisfied", "csat", 2),
    ("Strongly agree", "ces5", 5), ("Disagree (2)", "ces5", 2), ("(4)", "ces5", 4), ("4)", "ces5", 4),
    ("Somewhat agree", "ces7", 5), ("Extremely likely", "fft", 5), ("Neither likely nor unlikely", "fft", 3),
    ("N/A", "nps", None), ("Don\u2019t know", "fft", None), ("", "csat", None),
    ("Not Applicable (8)", "ces5", None), ("Keine Angabe", "csat", None),
])
def test_score_labels_become_numbers(text, scale, expected):
    assert to_score(text, SCALES[scale]) == expected


@pytest.mark.parametrize("text, scale, message", [
    ("ten", "nps", "'ten' is not a score from 0 to 10"),
    ("11", "nps", "'11' is not a score from 0 to 10"),
    ("0", "csat", "'0' is not a score from 1 to 5"),
    ("Very satisfied", "nps", "'Very satisfied' is not a score from 0 to 10"),
    ("6", "ces5", "'6' is not a score from 1 to 5"),
])
def test_unknown_labels_are_refused_by_name(text, scale, message):
    with pytest.raises(ScoreError, match=f"^{message}$"):
        to_score(text, SCALES[scale])


def test_five_point_recommend_question_is_friends_and_family_not_nps():
    frame = pd.DataFrame({"How likely are you to recommend us?": ["5", "4", "1", "3"] * 10}, dtype="str")
    mapping = propose_mapping(frame)
    assert mapping.roles["nps"] is None
    assert mapping.roles["fft"] == "How likely are you to recommend us?"


def test_ces_scale_is_recorded_from_the_answers():
    frame = pd.DataFrame({"It was easy to sort out my issue": ["7", "6", "2"]}, dtype="str")
    assert propose_mapping(frame).ces_scale == 7
    frame = pd.DataFrame({"Effort": ["Agree", "Strongly agree", "Disagree"]}, dtype="str")
    assert propose_mapping(frame).ces_scale == 5


@pytest.mark.parametrize("content, encoding", [
    ("a,b\n\u00e9,1\n".encode("utf-8"), "UTF-8"),
    ("a,b\n\u00e9,1\n".encode("utf-8-sig"), "UTF-8 with byte-order mark"),
    ("a,b\n\u00e9\u2019,1\n".encode("cp1252"), "Windows-1252 (cp1252)"),
    ("a,b\n\u00e9,1\n".encode("utf-16"), "UTF-16"),
    ("a,b\n\u00e9,1\n".encode("utf-16-le"), "UTF-16"),
])
def test_encodings_are_recognised(content, encoding):
    decoded = decode(content)
    assert decoded.encoding == encoding
    assert decoded.text.lstrip("\ufeff").startswith("a,b\n\u00e9")


@pytest.mark.parametrize("text, delimiter", [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1,5;2;3\n", ";"), ("a\tb\tc\n1\t2,5\t3\n", "\t"),
    ('"x, y";"z"\n"1, 2";"3"\n', ";"),
])
def test_delimiter_is_sniffed(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_google_forms_old_timestamps_and_offsets_parse():
    times, reasons, _ = parse_times(pd.Series(["2021/03/04 10:11:12 pm GMT", "2021/03/05 9:00:00 am GMT"]))
    assert times.tolist() == [pd.Timestamp("2021-03-04 22:11:12"), pd.Timestamp("2021-03-05 09:00:00")]
    assert reasons.isna().all()
    times, _, described = parse_times(pd.Series(["2021-12-06T10:00:09+06:00"]))
    assert times.iloc[0] == pd.Timestamp("2021-12-06 04:00:09")
    assert described == "year-month-day (ISO)"


def test_uk_dates_are_read_day_first_unless_a_day_over_twelve_says_otherwise():
    times, _, described = parse_times(pd.Series(["03/04/2025 10:00", "13/04/2025 10:00"]))
    assert times.iloc[0] == pd.Timestamp("2025-04-03 10:00") and described == "day/month/year"
    times, _, described = parse_times(pd.Series(["04/13/2025 10:00", "04/03/2025 10:00"]))
    assert times.iloc[1] == pd.Timestamp("2025-04-03 10:00") and described == "month/day/year (US)"


def test_the_analyst_can_say_dates_are_month_first():
    """Microsoft Forms in a US account writes 9/1/2024 for 1 September; both orders fit it."""
    inspection = inspect_fixture("UVADS_Hot-Dog-Form-Fa24.csv")
    assert validate_export(inspection).frame.loc[0, "completed_at"] == pd.Timestamp("2024-01-09 11:27")
    inspection.mapping.date_order = "month"
    result = validate_export(inspection)
    assert result.frame.loc[0, "completed_at"] == pd.Timestamp("2024-09-01 11:27")
    assert "Dates in 'Completion time' were read as month/day/year (US)." in result.notes


def test_unique_names_fill_blanks_and_number_repeats():
    assert unique_names(["Q1", "", "Q1", "q1"]) == ("Q1", "Column 2", "Q1 (2)", "q1 (3)")


def test_layouts_from_documented_headers():
    assert detect_layout([["UserID", "UserNo", "Started", "Ended", "Q1"]]).tool == "SmartSurvey"
    assert detect_layout([["#", "How likely?", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]]).tool \
        == "Typeform"


def test_mapping_mistakes_name_the_field():
    inspection = inspect_fixture("qualtRics_sample_3row.csv")
    mapping = Mapping({**inspection.mapping.roles, "nps": "No such column", "csat": "EndDate"})
    with pytest.raises(ValueError, match="NPS \\(0 to 10\\): the file has no column called 'No such column'"):
        validate_export(inspection, mapping)
    mapping = Mapping({**inspection.mapping.roles, "csat": "EndDate"})
    with pytest.raises(ValueError, match="column 'EndDate' is already used for Completed at"):
        validate_export(inspection, mapping)


def test_empty_file_is_refused():
    with pytest.raises(FileRefused, match="The file is empty"):
        inspect_export(b"", "x.csv")
