"""Turn the bytes of an uploaded export into rows of text, refusing what is unsafe to parse.

CSV/TSV text is decoded (see below), its delimiter is chosen from comma,
semicolon and tab, and it is split with the standard csv module so that every
record keeps the file line it starts on. XLSX workbooks are parsed in a child
process (`cx.importers.xlsx_child`) under memory and time limits, because XLSX
readers can exhaust memory or abort on a tiny hostile file. What a file is comes
from its content, never from its name.

Decoding. A byte-order mark decides UTF-16 or UTF-8. Without one, text that is
valid UTF-8 is UTF-8. When some bytes are not, the valid UTF-8 characters of two
or more bytes are counted against the bytes that are not valid UTF-8:
  * at least as many valid characters as bad bytes: a UTF-8 file with stray
    bytes (text pasted from another program, say). It is read as UTF-8, each bad
    byte becomes U+FFFD (the replacement character), and a note gives the line
    and column of each place (a run of bad bytes): the first ten, then how many
    more. A byte-order mark makes a file UTF-8 in the same way, however many
    bytes are bad.
  * fewer (typically none: Excel on UK Windows writes Windows-1252): the file is
    read as Windows-1252 (cp1252), or Latin-1 where cp1252 cannot, and the
    inspection notes say so, naming any valid UTF-8 characters, which show as
    odd groups of characters ("Ã©").
A valid UTF-8 sequence almost never occurs by chance in cp1252 text (it needs
an accented capital or ß directly followed by a symbol such as ’ or £, or an
accented small letter followed by two), while one stray byte is a common paste
accident; so the tie goes to UTF-8. Nothing is garbled without a note.

NUL characters (code zero) never occur in a text export; they mean a damaged
file or one that is not text. A file holding any, anywhere, is refused (not
stripped, which could hide the damage), with their number and the line and
column of the first.

Cells may span lines (a quoted comment with line breaks) and hold up to
MAX_CELL_CHARS characters (1,048,576, about 1 MB of text); a longer cell is
refused with the line its record starts on, as it usually means a closing quote
is missing. Lines are counted as the csv module counts them (a line ends at a
line feed, a carriage return and line feed, or a carriage return alone) and
columns in characters, both from 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import resource
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.ipc

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_DATA_ROWS = 1_048_576
# Limits for the XLSX child process and for the workbook's parts before it starts.
XLSX_MEMORY_BYTES = 1536 * 1024 * 1024
XLSX_SECONDS = 60
XLSX_MAX_UNZIPPED_BYTES = 600 * 1024 * 1024
XLSX_MAX_RATIO = 200
XLSX_MAX_CELLS = 100_000_000
_CHILD = Path(__file__).with_name("xlsx_child.py")
_OUT_OF_MEMORY = ("memoryerror", "memory", "failed to map segment", "bad_alloc")
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_SAMPLE_CHARS = 64 * 1024
MAX_CELL_CHARS = 1024 * 1024
_PLACES_NAMED = 10
_ASCII_BYTES = bytes(range(128))  # what bytes.translate deletes to leave the bytes 0x80 and over
_CHUNK_CHARS = 1 << 20


class FileRefused(ValueError):
    """The file cannot be read as a survey export; the message says why, in plain words."""


@dataclass
class RawTable:
    """Every non-blank record of the file as text, with the file line each one starts on.

    The records are either `arrow` (a table of equal-width text columns, "" for
    empty cells) or, when records differ in width, `rows` (lists of text).
    """

    lines: list[int] | np.ndarray
    file_format: str  # "csv" or "xlsx"
    rows: list[list[str]] | None = None
    arrow: pa.Table | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines)

    def head(self, count: int) -> list[list[str]]:
        """The first `count` records as lists of text."""
        if self.rows is not None:
            return self.rows[:count]
        return [list(row.values()) for row in self.arrow.slice(0, count).to_pylist()]


def refuse_if_too_large(size: int) -> None:
    """Raise FileRefused when a file of `size` bytes is over the upload limit (checked before reading)."""
    if size > MAX_FILE_BYTES:
        raise FileRefused(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split the export into smaller files."
        )


def read_table(content: bytes) -> RawTable:
    """Read an export's bytes into a RawTable.

    Raises FileRefused when the file is empty, too large, has too many rows, is a
    format other than CSV/TSV/XLSX (judged from its bytes), holds NUL characters,
    has a quoted field that never closes or a cell over MAX_CELL_CHARS, or is an
    XLSX workbook the child process could not parse within its limits. Notes on
    how the text was decoded go into the table's notes.
    """
    if not content:
        raise FileRefused("The file is empty.")
    refuse_if_too_large(len(content))
    if content.startswith(b"PK\x03\x04"):
        return read_xlsx(content)
    if content.startswith((b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b", b"\x89PNG")):
        raise FileRefused(
            "This is not a CSV or XLSX file (old .xls, PDF, image or archive); "
            "save the export as CSV or XLSX."
        )
    direct = _read_utf8_csv(content)
    if direct is not None:
        return direct
    decoded = decode(content)
    exact = decoded.encoding == "UTF-8" and not decoded.replaced
    table = read_csv_text(decoded.text, decoded.encoding, content if exact else None)
    table.notes = [*decoded.notes, *table.notes]
    return table


@dataclass(frozen=True)
class Decoded:
    """An export's text, the encoding it was read as, and what reading it changed."""

    text: str
    encoding: str
    # (line, column) of each run of bytes that were not UTF-8 and became U+FFFD, in file order.
    replaced: tuple[tuple[int, int], ...] = ()
    notes: tuple[str, ...] = ()


def decode(content: bytes) -> Decoded:
    """Decode an export as the module docstring describes: by byte-order mark, else UTF-8 or cp1252.

    Raises FileRefused when the text holds NUL characters anywhere, or when bytes
    marked (or laid out) as UTF-16 are not valid UTF-16.
    """
    decoded = _decode_bytes(content)
    nul = decoded.text.find("\x00")
    if nul >= 0:
        count = decoded.text.count("\x00")
        line, column = _positions(decoded.text, [nul])[0]
        raise FileRefused(
            f"The file holds {_plural(count, 'NUL character')} (code zero), the first at line {line:,}, "
            f"column {column:,}. No text export contains them: the file is damaged or is not a CSV "
            "export, so it was not read. Export it again from the survey tool."
        )
    return decoded


def _decode_bytes(content: bytes) -> Decoded:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(_decode_as(content, "utf-16"), "UTF-16")
    if content.startswith(b"\xef\xbb\xbf"):
        return _utf8_or_cp1252(content[3:], "UTF-8 with byte-order mark", declared=True)
    head = content[:4096]
    if head.count(b"\x00") > len(head) // 4:
        # UTF-16 without a byte-order mark: the zero bytes sit on one side of each ASCII character.
        order = "utf-16-le" if head[1::2].count(b"\x00") > head[0::2].count(b"\x00") else "utf-16-be"
        return Decoded(_decode_as(content, order), "UTF-16")
    return _utf8_or_cp1252(content, "UTF-8", declared=False)


def _utf8_or_cp1252(content: bytes, name: str, declared: bool) -> Decoded:
    """UTF-8, with bad bytes replaced and listed, unless they outnumber the valid multi-byte characters."""
    try:
        return Decoded(content.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    multi_byte, bad_bytes = _utf8_counts(content)
    if declared or multi_byte >= bad_bytes:
        return _replace_bad_bytes(content, name, bad_bytes)
    return _single_byte(content, multi_byte)


def _utf8_counts(content: bytes) -> tuple[int, int]:
    """(valid UTF-8 characters of two or more bytes, bytes that are not valid UTF-8)."""
    valid = content.decode("utf-8", "ignore")  # the ASCII and the valid multi-byte characters
    ascii_bytes = len(content) - len(content.translate(None, _ASCII_BYTES))
    return len(valid) - ascii_bytes, len(content) - len(valid.encode("utf-8"))


def _code_points(text: str):
    """(offset, code points as a numpy array) for successive slices of the text.

    Scanning arrays is many times faster than a regular expression over a long text.
    """
    for start in range(0, len(text), _CHUNK_CHARS):
        chunk = text[start:start + _CHUNK_CHARS].encode("utf-32-le", "surrogatepass")
        yield start, np.frombuffer(chunk, dtype="<u4").copy()


def _escaped(codes: np.ndarray) -> np.ndarray:
    """Where the code points are bytes that surrogateescape kept because they were not UTF-8."""
    return (codes >= 0xDC80) & (codes <= 0xDCFF)


def _replace_bad_bytes(content: bytes, name: str, bad_bytes: int) -> Decoded:
    """The UTF-8 text with each bad byte as U+FFFD, and a note on where each run of them was."""
    pieces, bad = [], []
    # surrogateescape turns each bad byte into one lone surrogate, which the scan finds.
    for start, codes in _code_points(content.decode("utf-8", "surrogateescape")):
        found = np.flatnonzero(_escaped(codes))
        codes[found] = 0xFFFD
        bad.append(found + start)
        pieces.append(codes.tobytes().decode("utf-32-le"))
    text = "".join(pieces)
    del pieces
    indices = np.concatenate(bad)
    run_starts = indices[np.concatenate(([True], np.diff(indices) != 1))]
    places = _positions(text, run_starts.tolist())
    return Decoded(text, name, tuple(places), (_replacement_note(places, bad_bytes),))


def _replacement_note(places: list[tuple[int, int]], bad_bytes: int) -> str:
    named = "; ".join(f"line {line:,}, column {column:,}" for line, column in places[:_PLACES_NAMED])
    more = len(places) - _PLACES_NAMED
    if more > 0:
        named += f"; and {_plural(more, 'more place')}"
    were = "was" if bad_bytes == 1 else "were"
    return (f"{_plural(bad_bytes, 'byte')} in this otherwise UTF-8 file {were} not valid UTF-8 and "
            f"{were} replaced with \ufffd (U+FFFD): {named}. Check those cells against the survey tool.")


def _single_byte(content: bytes, multi_byte: int) -> Decoded:
    """Windows-1252, or Latin-1 where cp1252 leaves a byte undefined; notes any valid UTF-8 it garbles."""
    try:
        text, name = content.decode("cp1252"), "Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        text, name = content.decode("latin-1"), "Latin-1 (ISO-8859-1)"
    notes = ()
    if multi_byte:
        # In a single-byte encoding a character's index is its byte offset.
        line, column = _positions(text, [_first_multi_byte_offset(content)])[0]
        notes = (f"{_plural(multi_byte, 'character')} (the first at line {line:,}, column {column:,}) "
                 f"would be valid UTF-8, but more bytes are not, so the whole file was read as {name}; "
                 "there they show as odd groups such as 'Ã©' or 'â€™'. Check those cells.",)
    return Decoded(text, name, (), notes)


def _first_multi_byte_offset(content: bytes) -> int:
    """The byte offset of the first valid UTF-8 character of two or more bytes (-1 if none)."""
    text = content.decode("utf-8", "surrogateescape")
    for start, codes in _code_points(text):
        found = np.flatnonzero((codes >= 0x80) & ~_escaped(codes))
        if found.size:
            return len(text[:start + int(found[0])].encode("utf-8", "surrogateescape"))
    return -1


def _positions(text: str, indices: list[int]) -> list[tuple[int, int]]:
    """(line, column) of each index, in ascending order, counting lines as the csv module does."""
    places, line, line_start, done = [], 1, 0, 0
    for index in indices:
        crlf = text.count("\r\n", done, index)
        breaks = text.count("\n", done, index) + text.count("\r", done, index) - crlf
        if breaks:
            line += breaks
            line_start = max(text.rfind("\n", done, index), text.rfind("\r", done, index)) + 1
        places.append((line, index - line_start + 1))
        done = index
    return places


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _decode_as(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as error:
        raise FileRefused(f"The file says it is {encoding.upper()} but byte {error.start} is not.") from error


def sniff_delimiter(text: str) -> str:
    """The delimiter (comma, semicolon or tab) that splits the first lines most consistently."""
    sample = text[:_SAMPLE_CHARS]
    cut = sample.rfind("\n")
    if 0 < cut < len(sample) - 1:
        sample = sample[:cut]
    best, best_score = ",", (False, -1, 0.0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not widths or max(widths) < 2:
            continue
        # A record split by the right delimiter has the header's width; a wrong one
        # gives ragged widths, even where it splits more often.
        common = max(set(widths), key=widths.count)
        share = widths.count(common) / len(widths)
        score = (share >= 0.9 and common > 1, common if common > 1 else 0, share)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv_text(text: str, encoding: str, utf8: bytes | None = None) -> RawTable:
    """Split decoded text into records.

    Raises FileRefused on an unterminated quote, a cell over MAX_CELL_CHARS or too many rows.

    `utf8` may give the same text as UTF-8 bytes, to save encoding it again.
    """
    end = _end_before_line_breaks(text)
    line_feeds = text.count("\n", 0, end)
    _refuse_too_many_lines(line_feeds)
    delimiter = sniff_delimiter(text)
    fast = _read_csv_fast(text, end, line_feeds, utf8, delimiter)
    if fast is not None:
        return _arrow_table(fast, "csv", encoding, delimiter)
    return _read_csv_exact(text, encoding, delimiter)


def _end_before_line_breaks(text: str | bytes) -> int:
    """The length of `text` without its trailing line breaks (rstrip would copy the whole text)."""
    end = len(text)
    breaks = "\r\n" if isinstance(text, str) else b"\r\n"
    while end and text[end - 1:end] in breaks:
        end -= 1
    return end


def _head_text(text: str | bytes, end: int) -> str:
    """The first _SAMPLE_CHARS characters before `end`, from the text or its UTF-8 bytes."""
    if isinstance(text, str):
        return text[:min(end, _SAMPLE_CHARS)]
    # At most four bytes a character; a character cut at the slice's end lies past the sample.
    return text[:min(end, 4 * _SAMPLE_CHARS)].decode("utf-8", "ignore")[:_SAMPLE_CHARS]


def _read_utf8_csv(content: bytes) -> RawTable | None:
    """A plain UTF-8 CSV (no byte-order mark) read by Arrow straight from its bytes, or None.

    Gives what `read_csv_text` gives for the decoded text, without ever holding the
    decoded text (as big again as the file): the line and quote checks run on the
    bytes, where every ASCII character is its own byte. None when the bytes are not
    all valid UTF-8, hold NUL characters, or need the exact reader; the caller then
    decodes and reads as usual. Raises FileRefused when there are too many lines.
    """
    if content.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content:
        return None
    if not _valid_utf8(content):
        return None
    end = _end_before_line_breaks(content)
    line_feeds = content.count(b"\n", 0, end)
    _refuse_too_many_lines(line_feeds)
    delimiter = sniff_delimiter(_head_text(content, len(content)))
    fast = _read_csv_fast(content, end, line_feeds, content, delimiter)
    return None if fast is None else _arrow_table(fast, "csv", "UTF-8", delimiter)


def _valid_utf8(content: bytes) -> bool:
    """Whether all of `content` is valid UTF-8, checked a slice at a time (no copy of the whole text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(content), _CHUNK_CHARS):
            decoder.decode(view[start:start + _CHUNK_CHARS])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _refuse_too_many_lines(line_feeds: int) -> None:
    if line_feeds > MAX_DATA_ROWS + 10:
        raise FileRefused(
            f"The file has more than {MAX_DATA_ROWS:,} lines, the most one upload can hold; split the export."
        )


def _read_csv_fast(text: str | bytes, end: int, line_feeds: int, utf8: bytes | None,
                   delimiter: str) -> pa.Table | None:
    """Arrow's multi-threaded CSV reader, used only where each record is exactly one line.

    Returns None (so the exact reader runs, and can name lines) when the file has
    blank lines, a value spanning lines, records of different widths or a broken
    quote: there Arrow's record numbers would not be file lines. Likewise when a
    cell may be longer than MAX_CELL_CHARS, so that the exact reader refuses it.
    """
    # `text` is the decoded text, or its UTF-8 bytes (whose ASCII bytes are the same characters).
    # `end` leaves out the line breaks at the end of the text; `line_feeds` are those before it.
    # An odd number of quote marks means a quote never closes, which Arrow lets pass at the end.
    # Blank lines need no search of their own: Arrow skips them, so its record count falls short.
    if not end or text.count('"' if isinstance(text, str) else b'"', 0, end) % 2:
        return None
    sample = io.StringIO(_head_text(text, end), newline="")
    width = len(next(csv.reader(sample, delimiter=delimiter)))
    names = [f"c{i}" for i in range(width)]
    data = utf8 if utf8 is not None else text[:end].encode("utf-8")
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data.lstrip(b"\xef\xbb\xbf")),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=8 << 20),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(
                # Large strings are what pandas holds, so handing the columns over copies nothing.
                column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False, null_values=[],
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    if table.num_rows != line_feeds + 1:
        return None
    # A cell's bytes are at least its characters, so within the limit in bytes is within it in characters.
    if any((pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL_CHARS for column in table.columns):
        return None
    return table


def _arrow_table(table: pa.Table, file_format: str, encoding: str | None = None,
                 delimiter: str | None = None, sheet: str | None = None,
                 notes: list[str] | None = None) -> RawTable:
    """A RawTable over an Arrow table: empty cells as "", blank records dropped, lines from positions."""
    columns = [pc.fill_null(column, "") if column.null_count else column for column in table.columns]
    table = pa.table(columns, names=[f"c{i}" for i in range(len(columns))])
    filled = None
    for column in columns:
        # A cell has text unless it is empty or all white space (tested without copying the text).
        has_text = pc.invert(pc.or_(pc.equal(pc.binary_length(column), 0), pc.utf8_is_space(column)))
        filled = has_text if filled is None else pc.or_(filled, has_text)
    keep = filled if filled is not None else pa.array([], pa.bool_())
    kept = pc.indices_nonzero(keep).to_numpy()
    lines = kept.astype(np.int64) + 1  # an array: a million Python ints would cost some 36 MB
    if len(kept) < table.num_rows:
        table = table.filter(keep)
    return RawTable(lines, file_format, arrow=table, encoding=encoding,
                    delimiter=delimiter, sheet=sheet, notes=notes or [])


def _read_csv_exact(text: str, encoding: str, delimiter: str) -> RawTable:
    """The standard csv module, record by record, keeping the line each record starts on.

    Raises FileRefused when a quoted field never closes or a cell is longer than MAX_CELL_CHARS.
    """
    # The module's own limit (131,072 characters by default) is one setting for the whole process.
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise FileRefused(
                f"Line {start}: a cell holds more than {MAX_CELL_CHARS:,} characters, the most one cell "
                "may hold (about 1 MB of text), so the file cannot be read. Usually a closing quote is "
                "missing there; otherwise shorten that cell."
            ) from error
        raise FileRefused(
            f"Line {start}: a quoted field is never closed, so the rest of the file cannot be read "
            f"({error})."
        ) from error
    return RawTable(lines, "csv", rows=rows, encoding=encoding, delimiter=delimiter)


def read_xlsx(content: bytes) -> RawTable:
    """Parse a workbook in a child process with memory and time limits.

    Raises FileRefused when the zip is not a workbook, would unpack to far more
    than its size (a zip bomb), or the child runs out of memory or time (for
    example a single cell at XFD1048576, or an XML entity bomb).
    """
    _check_workbook_parts(content)
    with tempfile.TemporaryDirectory(prefix="placecx-xlsx-") as folder:
        source = Path(folder) / "upload.xlsx"
        target = Path(folder) / "rows.arrow"
        source.write_bytes(content)
        try:
            # Run as a plain script in isolated mode: it needs only fastexcel and pyarrow,
            # not the cx package (whose imports would cost time and memory).
            result = subprocess.run(
                [sys.executable, "-I", str(_CHILD), str(source), str(target), str(MAX_DATA_ROWS)],
                capture_output=True, text=True, timeout=XLSX_SECONDS, preexec_fn=_limit_child,
            )
        except subprocess.TimeoutExpired as error:
            raise FileRefused(
                f"The workbook took longer than {XLSX_SECONDS} seconds to read and was stopped; "
                "save it as CSV or remove unused cells."
            ) from error
        if result.returncode != 0:
            raise FileRefused(_child_failure(result))
        return _load_child_rows(target)


def _limit_child() -> None:
    cpu_seconds = max(1, int(XLSX_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (XLSX_MEMORY_BYTES, XLSX_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _child_failure(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stdout.splitlines() if line.startswith("REFUSED: ")]
    if lines:
        return lines[-1].removeprefix("REFUSED: ")
    if result.returncode < 0 or any(sign in result.stderr.lower() for sign in _OUT_OF_MEMORY):
        return (
            "The workbook needs more memory to read than an upload may use (it may claim cells far "
            "beyond its data, or be built to exhaust the reader); save it as CSV and try again."
        )
    return "The workbook could not be read; open it in Excel, save it again as XLSX or CSV, and retry."


def _check_workbook_parts(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise FileRefused(
            "The file starts like an XLSX workbook but is not a readable zip archive."
        ) from error
    names = {part.filename for part in parts}
    if "xl/workbook.xml" not in names:
        raise FileRefused("The file is a zip archive but not an Excel workbook (no xl/workbook.xml).")
    for part in parts:
        if part.filename.endswith((".xml", ".rels")) and part.file_size:
            with archive.open(part) as stream:
                prolog = stream.read(2048)
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                raise FileRefused(
                    f"The workbook part {part.filename} declares XML entities, which Excel never "
                    "writes and which are used to exhaust a reader's memory; it was not opened."
                )
            _check_dimension(part.filename, prolog)
    unzipped = sum(part.file_size for part in parts)
    packed = max(1, sum(part.compress_size for part in parts))
    if unzipped > XLSX_MAX_UNZIPPED_BYTES or unzipped / packed > XLSX_MAX_RATIO:
        raise FileRefused(
            f"The workbook would unpack to {unzipped / 1024 / 1024:,.0f} MB from "
            f"{len(content) / 1024:,.0f} KB, which is how zip bombs look; it was not opened."
        )


def _check_dimension(part: str, prolog: bytes) -> None:
    """Refuse a sheet whose declared used range is too tall or too big to read."""
    found = _DIMENSION.search(prolog)
    if not found:
        return
    letters, rows = found.group(1).decode(), int(found.group(2))
    columns = 0
    for letter in letters:
        columns = columns * 26 + ord(letter) - ord("A") + 1
    if rows > MAX_DATA_ROWS + 10:
        raise FileRefused(f"A sheet ({part}) has {rows:,} rows; one upload can hold {MAX_DATA_ROWS:,}.")
    if rows * columns > XLSX_MAX_CELLS:
        raise FileRefused(
            f"A sheet ({part}) claims cells up to {letters}{rows}, {rows * columns:,} cells in all, "
            "far more than any export holds; remove the stray cell or save the sheet as CSV."
        )


def _load_child_rows(target: Path) -> RawTable:
    with pyarrow.ipc.open_file(target) as reader:
        table = reader.read_all()
    meta = table.schema.metadata or {}
    sheet = meta.get(b"sheet", b"").decode("utf-8")
    notes = [n for n in meta.get(b"notes", b"").decode("utf-8").split("\n") if n]
    return _arrow_table(table, "xlsx", sheet=sheet, notes=notes)
