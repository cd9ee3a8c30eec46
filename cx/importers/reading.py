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

from cx.importers.decoding import Decoded, FileRefused, decode

__all__ = ["DELIMITERS", "Decoded", "FileRefused", "RawTable", "decode", "read_csv_text", "read_table",
           "sniff_delimiter"]

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
_CHUNK_CHARS = 1 << 20


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
    blank = _blank_rows(columns, table.num_rows)
    lines = np.arange(1, table.num_rows + 1, dtype=np.int64)  # an array: a million ints as objects cost 36 MB
    if len(blank):
        keep = np.ones(table.num_rows, dtype=bool)
        keep[blank] = False
        table, lines = table.filter(pa.array(keep)), lines[keep]
    return RawTable(lines, file_format, arrow=table, encoding=encoding,
                    delimiter=delimiter, sheet=sheet, notes=notes or [])


def _blank_rows(columns: list, rows: int) -> np.ndarray:
    """Positions of the records whose every cell is empty or all white space.

    A cell has text unless it is empty or all white space (tested without copying the
    text). Each column is tested only on the records no earlier column showed to have
    text, so a file whose first column is always filled costs one column's test.
    """
    candidates = None  # positions still blank in every column tested so far (None: all)
    for column in columns:
        values = column if candidates is None else pc.take(column, candidates)
        blank = pc.indices_nonzero(pc.or_(pc.equal(pc.binary_length(values), 0), pc.utf8_is_space(values)))
        candidates = blank if candidates is None else pc.take(candidates, blank)
        if not len(candidates):
            break
    if candidates is None:
        return np.arange(rows, dtype=np.int64)
    return np.asarray(candidates.to_numpy(zero_copy_only=False), dtype=np.int64)


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
