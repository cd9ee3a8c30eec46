"""Decoding exports: stray bytes, genuine cp1252, NUL characters and long multi-line cells."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx.importers import FileRefused, inspect_export
from cx.importers.reading import MAX_CELL_CHARS, decode
from cx.importers.run import import_export

from .test_upload_hostile import NOW, refused
from .test_upload_import import csv_bytes

UTF8_ROWS = "Response ID,Comment\r\nA1,Très bien\r\nA2,Café fermé\r\n"


def test_a_utf8_file_with_one_cp1252_byte_stays_utf8_and_the_byte_is_located():
    content = UTF8_ROWS.encode("utf-8") + b"A3,It\x92s slow\r\n"
    decoded = decode(content)
    assert decoded.encoding == "UTF-8"
    assert decoded.text == UTF8_ROWS + "A3,It\ufffds slow\r\n"
    assert decoded.replaced == ((4, 6),)
    assert decoded.notes == (
        "1 byte in this otherwise UTF-8 file was not valid UTF-8 and was replaced with \ufffd (U+FFFD): "
        "line 4, column 6. Check those cells against the survey tool.",)
    inspection = inspect_export(content, "stray.csv")
    assert inspection.frame["Comment"].tolist() == ["Très bien", "Café fermé", "It\ufffds slow"]
    assert inspection.notes == list(decoded.notes)


def test_a_genuine_cp1252_file_is_still_read_as_cp1252_and_the_note_says_so():
    text = "Response ID,Comment\r\nA1,Très bien\r\nA2,It’s £5 – too dear\r\n"
    decoded = decode(text.encode("cp1252"))
    assert (decoded.encoding, decoded.text, decoded.replaced, decoded.notes) == (
        "Windows-1252 (cp1252)", text, (), ())
    inspection = inspect_export(text.encode("cp1252"), "excel.csv")
    assert inspection.frame["Comment"].tolist() == ["Très bien", "It’s £5 – too dear"]
    assert inspection.notes == ["The file is not UTF-8; it was read as Windows-1252 (cp1252)."]


def test_cp1252_bytes_that_happen_to_be_valid_utf8_are_named_in_a_note():
    """'Ã©' in cp1252 is the UTF-8 for 'é'; the two other accents are not UTF-8, so cp1252 wins."""
    text = "id,comment\nA1,Ã© and caf\u00e9 and na\u00efve\n"
    decoded = decode(text.encode("cp1252"))
    assert (decoded.encoding, decoded.text) == ("Windows-1252 (cp1252)", text)
    assert decoded.notes[0].startswith("1 character (the first at line 2, column 4) would be valid UTF-8")


@pytest.mark.parametrize("valid, stray, encoding", [
    (0, [b"\x92"], "Windows-1252 (cp1252)"), (1, [b"\x92"], "UTF-8"),
    (1, [b"\x92", b"\x92"], "Windows-1252 (cp1252)"), (3, [b"\x92", b"\x92"], "UTF-8"),
    (2, [b"\x8c\xe6\x92"], "Windows-1252 (cp1252)"), (3, [b"\x8c\xe6\x92"], "UTF-8"),
])
def test_valid_utf8_characters_are_weighed_against_bytes_that_are_not(valid, stray, encoding):
    content = b"id,comment\n" + b"".join(b"A,\xc3\xa9\n" for _ in range(valid)) \
        + b"".join(b"B," + bad + b"\n" for bad in stray)
    assert decode(content).encoding == encoding


def test_with_a_byte_order_mark_the_file_is_utf8_however_many_bytes_are_bad():
    content = "\ufeffid,c\nA1,é\n".encode() + b"A2,\xe9t\xe9\n"
    decoded = decode(content)
    assert decoded.encoding == "UTF-8 with byte-order mark"
    assert decoded.text == "id,c\nA1,é\nA2,\ufffdt\ufffd\n"
    assert decoded.replaced == ((3, 4), (3, 6))


def test_pure_ascii_is_utf8_without_notes():
    decoded = decode(b"id,comment\r\nA1,fine\r\n")
    assert (decoded.encoding, decoded.replaced, decoded.notes) == ("UTF-8", (), ())


def test_lines_end_at_a_lone_carriage_return_too_as_for_the_csv_reader():
    assert decode("a,b\rA1,é\rA2,x".encode() + b"\x92y\r").replaced == ((3, 5),)


def test_a_run_of_bad_bytes_is_one_place_and_only_the_first_ten_are_named():
    rows = "".join(f"R{i},caf\u00e9 d\u00e9j\u00e0 \udc92\udc93\n" for i in range(12))
    content = ("id,c\n" + rows).encode("utf-8", "surrogateescape")
    decoded = decode(content)
    assert decoded.replaced == tuple((line, 14 if line < 12 else 15) for line in range(2, 14))
    assert decoded.text.count("\ufffd\ufffd") == 12
    assert decoded.notes[0].startswith("24 bytes in this otherwise UTF-8 file were not valid UTF-8")
    assert "line 11, column 14; and 2 more places." in decoded.notes[0]


# No NUL (refused), lone \r (a line end of its own) or byte-order mark (a leading one is dropped).
def test_bad_bytes_are_found_across_the_slices_the_text_is_scanned_in():
    """Text is scanned in slices of 2**20 characters; a run of bad bytes across two is one place."""
    head = "id,comment\nA1,déjà vu " + "x" * (2**20 - 23)
    assert len(head) == 2**20 - 1
    content = head.encode() + b"\x92\x93" + b" tail\n" + "A2,\u00e9\n".encode()
    decoded = decode(content)
    assert decoded.replaced == ((2, 2**20 - 11),)
    assert decoded.text == head + "\ufffd\ufffd tail\nA2,\u00e9\n"


characters = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00\r\ufeff")
multi_byte = st.characters(min_codepoint=0x80, codec="utf-8", exclude_categories=("Cs",),
                           exclude_characters="\ufeff")


@settings(max_examples=200, deadline=None)
@given(before=st.text(characters), accent=multi_byte, after=st.text(characters),
       stray=st.integers(0x80, 0xFF), data=st.data())
def test_one_stray_byte_in_utf8_text_is_replaced_where_it_was_and_located(before, accent, after, stray, data):
    text = before + accent + after
    at = data.draw(st.integers(0, len(text)), label="at")
    content = text[:at].encode() + bytes([stray]) + text[at:].encode()
    decoded = decode(content)
    prefix = text[:at]
    assert decoded.encoding == "UTF-8"
    assert decoded.text == prefix + "\ufffd" + text[at:]
    assert decoded.replaced == ((prefix.count("\n") + 1, len(prefix) - prefix.rfind("\n")),)


@pytest.mark.parametrize("content, message", [
    (b"id,comment\n" + b"A1,fine\n" * 600 + b"A2,bad\x00value\n",
     "1 NUL character \\(code zero\\), the first at line 602, column 7"),
    (b"id,comment\nA1,\x00\x00x\nA2,y\x00\n",
     "3 NUL characters \\(code zero\\), the first at line 2, column 4"),
    ("id,comment\nA1,é\x00\n".encode("utf-16"),
     "1 NUL character \\(code zero\\), the first at line 2, column 5"),
], ids=["after 4 KB", "three", "UTF-16"])
def test_nul_characters_anywhere_are_refused_with_how_many_and_where(store, content, message):
    refused(store, content, "nul.csv", message)


def test_a_nul_after_a_stray_byte_is_located_in_the_decoded_text(store):
    content = "id,comment\nA1,é\n".encode() + b"A2,\x92\x00\n"
    refused(store, content, "nul.csv", "the first at line 3, column 5")


def long_comment(size: int) -> str:
    """Text of `size` characters over many lines (\\n and \\r\\n), with accents and quotes."""
    line = 'Bin collection "missed" again; the café on Mill Lane – see photos.'
    text = "\n".join(f"{i}: {line}" + ("\r" if i % 7 == 0 else "") for i in range(size // 60))
    return text[:size - 1] + "."


def line_breaks(text: str) -> int:
    """Line breaks as the csv module counts them: \\n, \\r\\n or a lone \\r."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def test_a_300_kb_multi_line_cell_round_trips_exactly_and_later_lines_stay_right(store, database):
    comment = long_comment(300 * 1024)
    content = csv_bytes([["Response ID", "Likely to recommend", "Comment"], ["A1", "9", comment],
                         ["A2", "3", "short"]])
    inspection = inspect_export(content, "long.csv")
    assert inspection.table.rows is not None  # the exact reader, not Arrow
    assert inspection.frame["Comment"].tolist() == [comment, "short"]
    assert inspection.lines == [2, 2 + line_breaks(comment) + 1]
    import_export(store, inspection, source=None, uploaded_by=None, now=NOW)
    stored = database._con.cursor().execute("SELECT comment FROM responses ORDER BY response_id").fetchall()
    assert stored == [(comment,), ("short",)]


def test_a_300_kb_single_line_cell_is_read_by_arrow_and_round_trips():
    comment = "é" + "word " * (300 * 1024 // 5)
    inspection = inspect_export(csv_bytes([["Response ID", "Comment"], ["A1", comment], ["A2", "ok"]]),
                                "wide.csv")
    assert inspection.table.arrow is not None
    assert inspection.frame["Comment"].tolist() == [comment, "ok"]


def test_a_cell_of_exactly_the_limit_imports():
    comment = long_comment(MAX_CELL_CHARS)
    inspection = inspect_export(csv_bytes([["id", "Comment"], ["A1", comment]]), "limit.csv")
    assert inspection.frame["Comment"].tolist() == [comment]


@pytest.mark.parametrize("comment", [long_comment(MAX_CELL_CHARS + 1), "y" * (MAX_CELL_CHARS + 1)],
                         ids=["multi-line", "single-line"])
def test_a_cell_over_the_limit_is_refused_with_its_line(store, comment):
    content = csv_bytes([["id", "Comment"], ["A1", "fine"], ["A2", comment], ["A3", "fine"]])
    refused(store, content, "huge.csv", "^Line 3: a cell holds more than 1,048,576 characters, the most one "
            "cell may hold \\(about 1 MB of text\\)")


def test_a_quote_that_never_closes_in_a_long_file_says_a_quote_may_be_missing():
    content = b'id,comment\nA1,"never closed\n' + b"A2,more text\n" * 100_000
    with pytest.raises(FileRefused, match="^Line 2: a cell holds more than .* Usually a closing quote is "
                                          "missing there"):
        inspect_export(content, "q.csv")
