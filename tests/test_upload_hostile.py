"""Hostile and broken files: each gets its own message, and the database is left as it was."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import datetime

import pytest
import xlsxwriter

from cx.importers import FileRefused, inspect_export
from cx.importers.reading import MAX_DATA_ROWS, MAX_FILE_BYTES
from cx.importers.run import ImportRefused, import_export

from .test_upload_import import csv_bytes, run, survey

NOW = datetime(2026, 11, 20, 9, 30)


def xlsx_bytes(write) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    write(book.add_worksheet("Sheet1"))
    book.close()
    return buffer.getvalue()


def rezip(content: bytes, replace: dict[str, bytes]) -> bytes:
    """The workbook with some parts replaced or added (hostile variants of a valid file)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    parts = {item.filename: source.read(item.filename) for item in source.infolist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in {**parts, **replace}.items():
            target.writestr(name, data)
    return out.getvalue()


def simple_workbook(sheet) -> None:
    sheet.write_row(0, 0, ["Response ID", "Likely to recommend"])
    sheet.write_row(1, 0, ["a", 9])


def refused(store, content: bytes, name: str, message: str) -> None:
    before = store.admin.table_counts()
    with pytest.raises(FileRefused, match=message):
        import_export(store, inspect_export(content, name), source=None, uploaded_by=None, now=NOW)
    assert store.admin.table_counts() == before


def test_ragged_row_is_rejected_with_its_line(store):
    content = b"id,score,comment\n1,5,ok\n2,6,too,many,values\n3,7,fine\n"
    before = store.admin.table_counts()
    with pytest.raises(ImportRefused, match="line 3, column '\\(whole row\\)': the row has 5 values "
                                            "but the header has 3 columns"):
        run(store, content)
    assert store.admin.table_counts() == before


def test_unterminated_quote_is_refused(store):
    refused(store, b'id,comment\n1,"fine"\n2,"never closed\n3,x\n', "q.csv",
            "Line 3: a quoted field is never closed")


def test_a_quote_at_the_end_that_never_closes_is_refused_but_a_lone_inch_mark_is_text(store):
    refused(store, b'id,comment\n1,"never closed\n', "q.csv", "Line 2: a quoted field is never closed")
    inspection = inspect_export(b'id,comment\n1,my 5" screen\n2,ok\n', "inch.csv")
    assert inspection.frame["comment"].tolist() == ['my 5" screen', "ok"]


def test_file_over_the_size_limit_is_refused_before_reading(store):
    refused(store, b"a" * (MAX_FILE_BYTES + 1), "big.csv", "the limit is 50 MB")


def test_file_with_too_many_rows_is_refused_before_reading(store):
    refused(store, b"id\n" + b"1\n" * (MAX_DATA_ROWS + 20), "long.csv", "more than 1,048,576 lines")


def test_a_file_that_is_not_csv_or_xlsx_is_judged_by_its_content(store):
    refused(store, b"%PDF-1.7 pretending to be csv", "survey.csv", "This is not a CSV or XLSX file")
    refused(store, b"PK\x03\x04 not really a zip", "survey.xlsx", "not a readable zip archive")


@pytest.mark.parametrize("content, encoding, delimiter", [
    ("Response ID;Satisfaction;Comment\nA1;5;Très bien\nA2;2;Pas terrible\n".encode("utf-8-sig"),
     "UTF-8 with byte-order mark", "semicolon"),
    ("Response ID,Satisfaction,Comment\nA1,5,It\u2019s fine \u2013 thanks\nA2,2,\u00a3 too dear\n"
     .encode("cp1252"),
     "Windows-1252 (cp1252)", "comma"),
    ("Response ID\tSatisfaction\tComment\nA1\t5\tGood\nA2\t2\tSlow\n".encode("utf-16"), "UTF-16", "tab"),
])
def test_uk_excel_encodings_and_delimiters_import(store, content, encoding, delimiter):
    inspection = inspect_export(content, "x.csv")
    assert (inspection.table.encoding, inspection.delimiter_name) == (encoding, delimiter)
    result = import_export(store, inspection, source=None, uploaded_by=None, now=NOW)
    assert (result.new, result.rejected) == (2, 0)
    comments = inspection.frame["Comment"].tolist()
    assert comments[0] in {"Très bien", "It\u2019s fine \u2013 thanks", "Good"}
    assert store.surveys.metrics().loc[0, "csat_satisfied"] == 1


def test_far_cell_workbook_is_refused_and_the_server_keeps_working(store):
    def far(sheet):
        simple_workbook(sheet)
        sheet.write(1048575, 16383, "x")

    started = time.monotonic()
    refused(store, xlsx_bytes(far), "far.xlsx", "claims cells up to XFD1048576, 17,179,869,184 cells")
    assert time.monotonic() - started < 60
    assert run(store, survey(range(1, 4))).new == 3


def test_a_workbook_that_needs_too_much_memory_stops_only_its_own_reader(store, monkeypatch):
    """The child's memory limit: here so low that even a small workbook cannot be read."""
    from cx.importers import reading

    monkeypatch.setattr(reading, "XLSX_MEMORY_BYTES", 64 * 1024 * 1024)
    refused(store, xlsx_bytes(simple_workbook), "big.xlsx", "more memory to read than an upload may use")
    assert run(store, survey(range(1, 4))).new == 3


def test_a_sheet_declaring_too_many_rows_is_refused_before_reading(store):
    def tall(sheet):
        simple_workbook(sheet)
        sheet.write(1_048_575, 0, "x")

    content = xlsx_bytes(tall)
    assert b"A1:B1048576" in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    refused(store, rezip(content, {"xl/worksheets/sheet1.xml": zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml").replace(b"A1:B1048576", b"A1:B2000000")}), "tall.xlsx",
        "has 2,000,000 rows; one upload can hold 1,048,576")


def test_zip_bomb_is_refused_before_it_is_unpacked(store):
    padding = b"<worksheet>" + b" " * (300 * 1024 * 1024) + b"</worksheet>"
    bomb = rezip(xlsx_bytes(simple_workbook), {"xl/worksheets/sheet1.xml": padding})
    assert len(bomb) < 1024 * 1024
    refused(store, bomb, "bomb.xlsx", "zip bombs")


def test_xml_entity_bomb_is_refused(store):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                         for i in range(1, 10))
              + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                b'uniqueCount="1"><si><t>&lol9;</t></si></sst>')
    base = xlsx_bytes(simple_workbook)
    bomb = rezip(base, {"xl/sharedStrings.xml": laughs})
    refused(store, bomb, "laughs.xlsx", "declares XML entities")


def test_a_workbook_that_takes_too_long_is_stopped(store, monkeypatch):
    from cx.importers import reading

    monkeypatch.setattr(reading, "XLSX_SECONDS", 0.05)
    refused(store, xlsx_bytes(simple_workbook), "slow.xlsx", "took longer than 0.05 seconds")


def test_a_clean_workbook_still_imports(store):
    result = import_export(store, inspect_export(xlsx_bytes(simple_workbook), "ok.xlsx"), source=None,
                           uploaded_by=None, now=NOW)
    assert (result.new, result.rejected) == (1, 0)
    assert store.surveys.metrics().loc[0, "promoters"] == 1


def test_blank_cells_and_no_answer_words_are_never_zero(store):
    content = csv_bytes([["id", "Likely to recommend"], ["a", ""], ["b", "N/A"], ["c", "Don't know"],
                         ["d", "0"]])
    run(store, content)
    totals = store.surveys.metrics()
    assert (totals.loc[0, "responses"], totals.loc[0, "nps_n"], totals.loc[0, "detractors"]) == (4, 1, 1)
