"""The fast CSV path (Arrow reading, Arrow checks, hashed repeats) against simple references.

Random small exports with blank records, white space round values, bad and missing
scores, blank and repeated ids: the fast path must keep the same records with the same
lines as the csv module, accept and reject the same rows as a row-by-row reference,
and count the same repeats as pandas' drop_duplicates.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cx.importers import inspect_export, validate_export
from cx.importers.reading import _blank_rows, _read_csv_exact, read_table
from cx.importers.run import import_export
from cx.importers.scores import SCALES, ScoreError, to_score

NOW = datetime(2026, 11, 20, 9, 30)
HEADER = ["Response ID", "How likely are you to recommend us?", "Service"]
IDS = st.sampled_from(["R1", "R2", "R3", " R4 ", "R5", "", "  "])
SCORES = st.sampled_from(["0", "7", "10", " 9 ", "11", "ten", "", "N/A", "  "])
SERVICES = st.sampled_from(["Waste", " Parks ", "", "  ", "Roads\u00a0"])
BLANK = st.sampled_from([["", "", ""], [" ", "", "  "]])
RECORDS = st.lists(st.one_of(st.tuples(IDS, SCORES, SERVICES).map(list), BLANK), min_size=1, max_size=25)


def export(records: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *records])
    return buffer.getvalue().encode("utf-8")


def reference(records: list[list[str]]) -> tuple[list[tuple[int, str, int | None, str | None]], list[int]]:
    """Row by row: (line, id, score, service) of each accepted row, and the lines rejected."""
    accepted, rejected = [], []
    for line, (raw_id, raw_score, raw_service) in enumerate(records, start=2):
        if not any(cell.strip() for cell in (raw_id, raw_score, raw_service)):
            continue
        try:
            score = to_score(raw_score, SCALES["nps"])
        except ScoreError:
            rejected.append(line)
            continue
        if not raw_id.strip():
            rejected.append(line)
            continue
        accepted.append((line, raw_id.strip(), score, raw_service.strip() or None))
    return accepted, rejected


@given(RECORDS)
@settings(max_examples=60)
def test_fast_reader_keeps_the_records_and_lines_the_csv_module_keeps(records):
    content = export(records)
    fast = read_table(content)
    exact = _read_csv_exact(content.decode("utf-8"), "UTF-8", ",")
    assert list(fast.lines) == exact.lines
    assert fast.head(len(fast)) == exact.rows


@given(RECORDS)
@settings(max_examples=60)
def test_checks_accept_and_reject_the_rows_a_row_by_row_reference_does(records):
    assume(any(cell.strip() for record in records for cell in record))  # else refused: no data rows
    inspection = inspect_export(export(records), "survey.csv")
    mapping = inspection.mapping
    mapping.roles.update({"response_id": "Response ID", "nps": HEADER[1], "service": "Service"})
    result = validate_export(inspection, mapping)
    accepted, rejected = reference(records)
    frame = result.frame
    assert list(frame["response_id"]) == [row[1] for row in accepted]
    assert [None if pd.isna(v) else int(v) for v in frame["nps"]] == [row[2] for row in accepted]
    assert [None if pd.isna(v) else v for v in frame["service"]] == [row[3] for row in accepted]
    assert sorted({problem.line for problem in result.problems}) == rejected
    assert result.rejected_rows == len(rejected)


def test_repeats_within_a_file_match_drop_duplicates(store):
    """Ids hashed and sorted (grouped only when hashes meet): each id's first row is written,
    the repeats are counted."""
    counter = iter(range(10_000))

    @given(st.lists(st.sampled_from(["A", "B", "C", "D", "E", "F", "G", "H"]), min_size=1, max_size=30))
    @settings(max_examples=40)
    def check(ids):
        source = f"survey {next(counter)}"
        content = export([[identifier, str(number % 11), "Waste"] for number, identifier in enumerate(ids)])
        inspection = inspect_export(content, "survey.csv")
        result = import_export(store, inspection, source=source, uploaded_by="Analyst", now=NOW)
        first = pd.Series(ids).drop_duplicates(keep="first").tolist()
        assert (result.new, result.repeated, result.duplicate) == (len(first), len(ids) - len(first), 0)
        held = store.surveys._session.cursor.execute(
            "SELECT response_id, nps FROM responses WHERE source = ?", [source]).fetchall()
        # The first row of each id is the one kept: its score is the one held.
        assert dict(held) == {identifier: ids.index(identifier) % 11 for identifier in first}

    check()


def test_blank_rows_are_the_records_blank_in_every_column():
    import pyarrow as pa

    columns = [pa.array(["a", "", " ", "", "x"]), pa.array(["", "", "\t", "b", " "])]
    assert _blank_rows(columns, 5).tolist() == [1, 2]
    assert _blank_rows([], 3).tolist() == [0, 1, 2]
