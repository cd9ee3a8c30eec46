"""Importing uploads: one transaction, no duplicates, every row accounted for."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx.errors import DatabaseError
from cx.importers import inspect_export, validate_export
from cx.importers.run import ImportRefused, import_export
from cx.store.filters import Slice

from .test_importers import FIXTURES

NOW = datetime(2026, 11, 20, 9, 30)


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


HEADER = ["Response ID", "Date submitted", "Likely to recommend", "Service", "Comment"]


def survey(ids: range, bad: dict[int, str] | None = None) -> bytes:
    rows = [HEADER]
    for i in ids:
        score = (bad or {}).get(i, str(i % 11))
        rows.append([f"R{i}", f"2026-10-{1 + i % 28:02d} 10:00:00", score, "Waste", f"comment {i}"])
    return csv_bytes(rows)


def run(store, content: bytes, name: str = "survey.csv", **options):
    options.setdefault("source", None)
    return import_export(store, inspect_export(content, name), uploaded_by="Analyst", now=NOW, **options)


def test_rows_arrive_with_their_scores(store):
    result = run(store, survey(range(1, 11)))
    assert (result.new, result.duplicate, result.rejected) == (10, 0, 0)
    history = store.uploads.history()
    assert history.loc[0, "rows_new"] == 10 and history.loc[0, "tool"] == "generic"
    assert history.loc[0, "file_name"] == "survey.csv" and history.loc[0, "uploaded_by"] == "Analyst"
    totals = store.surveys.metrics()
    assert totals.loc[0, "nps_n"] == 10
    assert totals.loc[0, "promoters"] == 2  # R9 and R10
    assert totals.loc[0, "detractors"] == 6  # R1..R6


def test_reupload_and_overlapping_export_add_no_duplicates(store):
    run(store, survey(range(1, 11)))
    again = run(store, survey(range(1, 11)))
    assert (again.new, again.duplicate, again.rejected) == (0, 10, 0)
    overlap = run(store, survey(range(6, 16)), name="survey-next-week.csv")
    assert (overlap.new, overlap.duplicate) == (5, 5)
    assert store.surveys.freshness().responses == 15


def test_rows_without_ids_are_deduplicated_by_fingerprint(store):
    rows = [["Timestamp", "Satisfaction"], ["2026/10/01 10:00:00 am GMT", "5"],
            ["2026/10/01 10:05:00 am GMT", "4"], ["2026/10/01 10:05:00 am GMT", "4"]]
    first = run(store, csv_bytes(rows), name="form.csv")
    # The third row repeats the second within the file: repeated, not "already held".
    assert (first.new, first.duplicate, first.repeated) == (2, 0, 1)
    second = run(store, csv_bytes(rows), name="form.csv")
    assert (second.new, second.duplicate, second.repeated) == (0, 2, 1)


def test_a_bad_score_stops_the_whole_import_by_default(store):
    before = store.admin.table_counts()
    with pytest.raises(ImportRefused, match="line 4, column 'Likely to recommend': 'ten' is not a score "
                                            "from 0 to 10"):
        run(store, survey(range(5, 10), bad={7: "ten"}))
    assert store.admin.table_counts() == before


def test_valid_rows_only_lists_every_rejected_row(store):
    result = run(store, survey(range(1, 1006), bad={1001: "ten", 1003: "11"}), valid_only=True)
    assert (result.new, result.duplicate, result.rejected) == (1003, 0, 2)
    assert [p.sentence() for p in result.problems] == [
        "line 1002, column 'Likely to recommend': 'ten' is not a score from 0 to 10",
        "line 1004, column 'Likely to recommend': '11' is not a score from 0 to 10",
    ]
    kept = store.uploads.rejections(result.batch)
    assert kept["line"].tolist() == [1002, 1004] and kept["value"].tolist() == ["ten", "11"]


def test_a_failure_part_way_leaves_every_table_as_it_was(store, monkeypatch):
    run(store, survey(range(1, 4)))
    before = store.admin.table_counts()

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(store.uploads, "set_batch_counts", fail)
    with pytest.raises(DatabaseError):
        run(store, survey(range(10, 20)))
    assert store.admin.table_counts() == before


def test_a_row_the_database_refuses_rolls_back_everything(store):
    """A CES scale the schema does not allow (6) is refused by the database itself."""
    inspection = inspect_export(csv_bytes([["id", "Effort"], ["a", "3"], ["b", "4"]]), "x.csv")
    inspection.mapping.ces_scale = 6
    before = store.admin.table_counts()
    with pytest.raises((DatabaseError, ValueError)):
        import_export(store, inspection, source="x", uploaded_by=None, now=NOW)
    assert store.admin.table_counts() == before


def test_removing_a_batch_takes_its_rows_with_it(store):
    keep = run(store, survey(range(1, 4)))
    drop = run(store, survey(range(1, 6), bad={5: "ten"}), name="second.csv", source="other", valid_only=True)
    assert store.uploads.remove_batch(drop.batch) == 4
    assert store.surveys.freshness().responses == 3
    assert store.uploads.history()["batch_id"].tolist() == [keep.batch]
    assert store.uploads.rejections(drop.batch).empty
    with pytest.raises(ValueError, match=f"Upload {drop.batch}: there is no such upload"):
        store.uploads.remove_batch(drop.batch)


def test_extra_attributes_are_stored_for_filtering(store, database):
    rows = [["id", "Satisfaction", "Tenure", "Ward"], ["1", "5", "Owner", "North"], ["2", "2", "Renting", ""]]
    run(store, csv_bytes(rows))
    older = store.surveys.metrics(Slice(extra=(("Tenure", ("Renting",)),)))
    assert older.loc[0, "csat_n"] == 1 and older.loc[0, "csat_satisfied"] == 0


def test_friends_and_family_fixture_imports_every_distinct_row(store):
    content = (FIXTURES / "friends-and-family-test_data.csv").read_bytes()
    raw = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    result = run(store, content, name="data.csv")
    assert result.new == len(raw.drop_duplicates())
    assert result.duplicate == 0
    assert result.repeated == raw.duplicated().sum()
    assert result.new + result.duplicate + result.repeated + result.rejected == len(raw) == 3882
    totals = store.surveys.metrics()
    # Every answer counts for the FFT, "Don't know" included; a repeated row counts once.
    answered = raw["rating"] != ""
    assert totals.loc[0, "fft_n"] == answered.sum() - (raw.duplicated() & answered).sum()


answers = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(0, 10)),
              st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)),
    min_size=1, max_size=30,
)


@settings(max_examples=40)
@given(rows=answers, delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_csv_round_trip(rows, delimiter, encoding):
    table = [["Response ID", "How likely are you to recommend us (0-10)?", "Comment"]]
    table += [[f"id-{i}", "" if score is None else str(score), text] for i, (score, text) in enumerate(rows)]
    inspection = inspect_export(csv_bytes(table, delimiter=delimiter, encoding=encoding), "r.csv")
    result = validate_export(inspection)
    kept = [(s, t.strip() or None) for s, t in rows]
    # A row whose every cell is blank is no data row; ours always carry an id, so all come back.
    assert result.rejected_rows == 0
    assert result.frame["response_id"].tolist() == [f"id-{i}" for i in range(len(rows))]
    assert [None if pd.isna(v) else int(v) for v in result.frame["nps"]] == [s for s, _ in kept]
    assert [None if pd.isna(v) else v for v in result.frame["comment"]] == [t for _, t in kept]


@settings(max_examples=5)
@given(rows=answers)
def test_xlsx_round_trip(rows, tmp_path_factory):
    import xlsxwriter

    path = tmp_path_factory.mktemp("xlsx") / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Responses")
    sheet.write_row(0, 0, ["Response ID", "Likely to recommend", "Comment"])
    for i, (score, text) in enumerate(rows, start=1):
        sheet.write_string(i, 0, f"id-{i}")
        if score is not None:
            sheet.write_number(i, 1, score)
        if text:
            sheet.write_string(i, 2, text)
    book.close()
    result = validate_export(inspect_export(path.read_bytes(), "r.xlsx"))
    assert result.rejected_rows == 0
    assert [None if pd.isna(v) else int(v) for v in result.frame["nps"]] == [s for s, _ in rows]
    comments = [None if pd.isna(v) else v for v in result.frame["comment"]]
    assert comments == [t.strip() or None for _, t in rows]


def test_database_holds_what_the_file_said(store, database):
    run(store, survey(range(1, 4)))
    con = database._con.cursor()
    rows = con.execute("SELECT response_id, nps, service, comment, completed_at FROM responses "
                       "ORDER BY response_id").fetchall()
    assert rows[0] == ("R1", 1, "Waste", "comment 1", datetime(2026, 10, 2, 10, 0))
    assert isinstance(con, duckdb.DuckDBPyConnection)


def test_blank_attributes_are_left_out_of_the_map(store, database):
    run(store, csv_bytes([["id", "Satisfaction", "Tenure", "Heating"], ["1", "5", "Owner", "Gas"],
                          ["2", "2", "Renting", "  "]]))
    con = database._con.cursor()
    extras = con.execute("SELECT extra FROM responses ORDER BY response_id").fetchall()
    assert extras == [({"Tenure": "Owner", "Heating": "Gas"},), ({"Tenure": "Renting"},)]
