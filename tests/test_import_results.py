"""What an import reports (issue 15): rows repeated within a file apart from rows already held,
sample values for the mapping step, and blanks shown as blank, never "None"."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from cx.__main__ import main
from cx.formatting import blank_missing
from cx.importers import inspect_export, sample_values
from cx.importers.run import history_table, sample_table
from cx.store.uploads import UploadBatch

from .test_importers import FIXTURES
from .test_upload_import import HEADER, csv_bytes, run

FFT = FIXTURES / "friends-and-family-test_data.csv"


def repeating_survey(ids: list[str]) -> bytes:
    rows = [HEADER] + [[rid, "2026-10-01 10:00:00", "9", "Waste", f"row {n}"] for n, rid in enumerate(ids)]
    return csv_bytes(rows)


def test_repeats_within_a_file_are_counted_apart_from_rows_held_before(store):
    first = run(store, repeating_survey(["A", "B", "A", "C", "A"]), source="Post-contact")
    assert (first.new, first.duplicate, first.repeated, first.rejected) == (3, 0, 2, 0)
    second = run(store, repeating_survey(["C", "D", "D"]), source="Post-contact")
    assert (second.new, second.duplicate, second.repeated, second.rejected) == (1, 1, 1, 0)
    history = store.uploads.history().set_index("batch_id")
    assert history.loc[first.batch, ["rows_new", "rows_duplicate", "rows_repeated"]].tolist() == [3, 0, 2]
    assert history.loc[second.batch, ["rows_new", "rows_duplicate", "rows_repeated"]].tolist() == [1, 1, 1]
    # The first of the repeated rows is the one kept.
    kept = store._session.cursor.execute(
        "SELECT comment FROM responses WHERE response_id = 'A'").fetchall()
    assert kept == [("row 0",)]
    assert "2 repeated within the file" in first.sentence()


def test_fft_file_repeats_are_reported_as_repeats_by_the_command_line(tmp_path, capsys):
    raw = pd.read_csv(FFT, dtype=str, keep_default_na=False)
    repeats = int(raw.duplicated().sum())
    assert repeats == 153  # the figure the issue reports
    db = tmp_path / "cli.duckdb"
    assert main(["import", str(FFT), "--db", str(db), "--no-demo", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["repeated"], result["duplicate"]) == (repeats, 0)
    assert result["new"] + result["repeated"] + result["rejected"] == len(raw)
    assert main(["import", str(FFT), "--db", str(db), "--no-demo"]) == 0
    printed = capsys.readouterr().out
    assert f"{len(raw) - repeats:,} duplicate (already held), {repeats:,} repeated within the file" in printed


def test_sample_values_are_the_first_distinct_non_blank_texts_cut_to_length():
    long = "x" * 100
    frame = pd.DataFrame({"a": ["", "5", "5", " 7 ", "9", "10"],
                          "b": ["**bold**", "<b>x</b>", long, "", "", ""],
                          "c": ["", " ", "", "", "", ""]}, dtype="str")
    samples = sample_values(frame)
    assert samples["a"] == ["5", "7", "9"]
    assert samples["b"] == ["**bold**", "<b>x</b>", "x" * 59 + "\u2026"]
    assert samples["c"] == []


def test_the_mapping_step_sample_table_lists_every_column_with_its_values():
    facts = inspect_export((FIXTURES / "qualtRics_sample_3row.csv").read_bytes(), "q.csv").facts()
    shown = sample_table(facts)
    assert shown["Column"].tolist() == list(facts.columns)
    row = shown.set_index("Column").loc["Q2", "Sample values"]
    assert row == "Hello World!"
    # The facts keep the samples across the trip through JSON that staging makes.
    assert type(facts).from_dict(json.loads(json.dumps(facts.as_dict()))).samples == facts.samples


def test_blanks_are_blank_and_numbers_stay_whole():
    frame = pd.DataFrame({"file": ["a.csv", None], "batch": [1.0, float("nan")], "n": [3, 4],
                          "reason": [None, "gone"]})
    shown = blank_missing(frame)
    assert shown["file"].tolist() == ["a.csv", ""]
    assert shown["batch"].tolist() == ["1", ""]
    assert shown["reason"].tolist() == ["", "gone"]
    assert shown["n"].tolist() == [3, 4]
    assert "None" not in shown.astype(str).to_numpy().ravel().tolist()


def test_the_upload_history_shows_no_none_for_an_upload_without_file_facts(store):
    with store.transaction():
        store.uploads.create_batch(UploadBatch("Handmade", datetime(2026, 11, 1), 0), "responses")
    shown = history_table(store.uploads.history())
    values = shown.astype(str).to_numpy().ravel().tolist()
    assert "None" not in values and "nan" not in values and "<NA>" not in values
    assert shown.loc[0, "File"] == "" and shown.loc[0, "Repeated in file"] == 0
