"""Friends and Family Test answers of "Don't know" count among all answers (DESIGN: FFT).

They are no score (the `fft` column holds 1-5 only) but are flagged, so that FFT % positive is
over every answer given; other no-answer words and blanks stay out, and no other measure moves.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from cx import trends
from cx.importers import inspect_export, staging, validate_export
from cx.importers.run import import_export
from cx.importers.scores import SCALES, is_dont_know, to_score
from cx.importers.staging import import_staged, stage_upload
from cx.measures import MEASURES
from cx.store.filters import Slice

from .test_upload_import import NOW

ANSWERS = ["Extremely likely", "Likely", "Don't know", "Unlikely", "", "N/A", "Don\u2019t Know",
           "Extremely likely", "Neither likely nor unlikely", "dont know (6)"]


def fft_file(answers: list[str]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Response ID", "How likely are you to recommend our GP practice?", "Surgery"])
    writer.writerows([f"R{i}", answer, "Elm Surgery"] for i, answer in enumerate(answers))
    return buffer.getvalue().encode("utf-8")


def fft_mapping(inspection):
    mapping = inspection.mapping
    mapping.roles.update({"response_id": "Response ID", "nps": None,
                          "fft": "How likely are you to recommend our GP practice?"})
    return mapping


@pytest.mark.parametrize("text, expected", [
    ("Don't know", True), ("Don\u2019t Know", True), ("  do not know ", True), ("Dont know (6)", True),
    ("6 - Don't know", True), ("N/A", False), ("", False), ("Know", False), ("Likely", False),
])
def test_dont_know_is_told_apart_from_other_no_answers(text, expected):
    assert is_dont_know(text) is expected
    if expected:
        assert to_score(text, SCALES["fft"]) is None  # still no score


def test_the_check_flags_dont_know_on_fft_rows_only():
    inspection = inspect_export(fft_file(ANSWERS), "fft.csv")
    result = validate_export(inspection, fft_mapping(inspection))
    assert result.problems == []
    frame = result.frame
    flagged = frame.loc[frame["fft_dont_know"], "response_id"].tolist()
    expected = [f"R{i}" for i, answer in enumerate(ANSWERS) if is_dont_know(answer)]
    assert flagged == expected == ["R2", "R6", "R9"]
    assert frame.loc[frame["fft_dont_know"], "fft"].isna().all()


def test_a_survey_without_an_fft_question_has_no_flag():
    content = b"Response ID,How likely are you to recommend us?\nA,9\nB,Don't know\n"
    result = validate_export(inspect_export(content, "nps.csv"))
    assert "fft_dont_know" not in result.frame.columns
    assert result.frame["nps"].isna().tolist() == [False, True]


@pytest.mark.parametrize("staged", ["in memory", "staged in process", "staged in a child"])
def test_fft_percentage_is_over_every_answer_including_dont_know(store, tmp_path, staged, monkeypatch):
    content = fft_file(ANSWERS)
    inspection = inspect_export(content, "fft.csv")
    if staged == "staged in a child":
        monkeypatch.setattr(staging, "CHILD_FROM_BYTES", 0)
    if staged != "in memory":
        upload = stage_upload(content, "fft.csv", tmp_path / "upload")
        result = import_staged(store, upload, fft_mapping(inspection), source="GP", uploaded_by=None, now=NOW)
    else:
        result = import_export(store, inspection, fft_mapping(inspection), source="GP", uploaded_by=None,
                               now=NOW)
    assert result.new == len(ANSWERS)
    row = trends.row_or_empty(store.surveys.metrics(Slice(survey=(result.source,))))
    # Independently: answers that are neither blank nor another no-answer word, and the top two.
    given = [a for a in ANSWERS if a.strip() and a != "N/A"]
    positive = sum(a in ("Extremely likely", "Likely") for a in given)
    assert (int(row["fft_n"]), int(row["fft_positive"])) == (len(given), positive) == (8, 3)
    estimate = MEASURES["fft"].estimate(row)
    assert estimate.n == 8 and estimate.value == pytest.approx(100 * 3 / 8)
    # No other measure counts the answers.
    assert int(row["nps_n"]) == int(row["csat_n"]) == int(row["ces_n"]) == int(row["govmetric_n"]) == 0
    held = store.uploads._session.cursor.execute(
        "SELECT response_id, fft, fft_dont_know FROM responses WHERE source = ? ORDER BY response_id",
        [result.source]).df()
    assert held.loc[held["fft_dont_know"].fillna(False), "response_id"].tolist() == ["R2", "R6", "R9"]
    assert pd.isna(held.set_index("response_id").loc["R4", "fft"])  # a blank answer: no score, no flag


def test_responses_held_before_the_flag_keep_their_fft_figures(tmp_path):
    """The step adds an empty flag: answers imported earlier count as they did (their "Don't know"
    was not kept, so only importing the file again counts it)."""
    import duckdb

    from cx.migrations import MIGRATIONS, apply_migrations
    from cx.store.surveys import SURVEY_AGGREGATES

    step = next(m for m in MIGRATIONS if "Don't know" in m.name)
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    apply_migrations(con, tuple(m for m in MIGRATIONS if m.number < step.number))
    con.execute("INSERT INTO responses (batch_id, source, response_id, fft) VALUES "
                "(1, 'GP', 'a', 5), (1, 'GP', 'b', 2), (1, 'GP', 'c', NULL)")
    apply_migrations(con)
    n, positive = con.execute(f"SELECT fft_n, fft_positive FROM (SELECT {SURVEY_AGGREGATES} FROM responses)"
                              ).fetchone()
    assert (n, positive) == (2, 1)
    assert con.execute("SELECT count(fft_dont_know) FROM responses").fetchone()[0] == 0
    con.close()


# Answers with what a person reading them would count: (score, is it a "Don't know", is it refused).
READINGS = {
    "Extremely likely": (5, False, False), "Likely": (4, False, False),
    "Neither likely nor unlikely": (3, False, False), "Unlikely": (2, False, False),
    "Extremely unlikely": (1, False, False), "Very good": (5, False, False), "4": (4, False, False),
    "Don't know": (None, True, False), "don\u2019t KNOW": (None, True, False),
    "Do not know (6)": (None, True, False), "N/A": (None, False, False), "": (None, False, False),
    "  ": (None, False, False), "banana": (None, False, True), "9": (None, False, True),
}


def test_fft_counts_match_a_reading_of_each_answer(store):
    """Random FFT files, imported with their valid rows: n counts every score and every "Don't know",
    never a blank, "N/A" or a refused row; positive counts the 4s and 5s."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    counter = iter(range(10_000))

    @given(st.lists(st.sampled_from(sorted(READINGS)), min_size=1, max_size=30))
    @settings(max_examples=40)
    def check(answers):
        source = f"GP {next(counter)}"
        inspection = inspect_export(fft_file(answers), "fft.csv")
        result = import_export(store, inspection, fft_mapping(inspection), source=source, uploaded_by=None,
                               now=NOW, valid_only=True)
        kept = [READINGS[a] for a in answers if not READINGS[a][2]]
        assert (result.new, result.rejected) == (len(kept), len(answers) - len(kept))
        row = trends.row_or_empty(store.surveys.metrics(Slice(survey=(result.source,))))
        scores = [score for score, _, _ in kept if score is not None]
        dont_know = sum(flag for _, flag, _ in kept)
        assert int(row["fft_n"]) == len(scores) + dont_know
        assert int(row["fft_positive"]) == sum(score >= 4 for score in scores)

    check()
