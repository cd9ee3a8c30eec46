"""Decode an export's bytes into text: by byte-order mark, else UTF-8, else Windows-1252.

How a file is decoded, and why, is told in `cx.importers.reading`'s docstring
(Decoding, and NUL characters). Split from that module to keep each to one reader's
size; `cx.importers.reading` re-exports `decode`, `Decoded` and `FileRefused`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_PLACES_NAMED = 10
_ASCII_BYTES = bytes(range(128))  # what bytes.translate deletes to leave the bytes 0x80 and over
_CHUNK_CHARS = 1 << 20


class FileRefused(ValueError):
    """The file cannot be read as a survey export; the message says why, in plain words."""


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
