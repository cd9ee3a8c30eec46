"""Recognise which survey tool wrote an export, how many header rows it has, and its column names.

Tools are recognised by the header layouts they are documented to write:
Qualtrics (three rows ending in an ImportId row, or the older V1/V2 two-row form),
SurveyMonkey (question row over a "Response"/option row), Microsoft Forms, Google
Forms, LimeSurvey, SmartSurvey, Typeform and KoBoToolbox; anything else is a plain
one-header table ("generic"). Whatever the tool, a question row over an option row
(see `is_question_and_option_rows`) is read as two header rows, and its columns are
named "Question – Option".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IMPORT_ID = re.compile(r"""^\{\s*["']ImportId["']\s*:""")
_LEGACY_QUALTRICS = re.compile(r"^V\d+$")
_RESPONSE_WORDS = {"response", "open-ended response"}
_SUBHEADS = _RESPONSE_WORDS | {"other (please specify)"}
_NUMBER_OR_DATE = re.compile(r"^[-+]?[\d.,:/ ]+$|^\d{4}-\d{2}-\d{2}")
OPTION_SEPARATOR = " \u2013 "  # an en dash between question and option: "Question – Option"


@dataclass(frozen=True)
class Layout:
    tool: str
    header_rows: int
    columns: tuple[str, ...]


def detect_layout(rows: list[list[str]]) -> Layout:
    """Tool, header-row count and unique column names for the first records of a file.

    Raises ValueError when there are no records at all.
    """
    if not rows:
        raise ValueError("The file has no rows.")
    first = [cell.strip() for cell in rows[0]]
    second = [cell.strip() for cell in rows[1]] if len(rows) > 1 else []
    third = [cell.strip() for cell in rows[2]] if len(rows) > 2 else []
    lowered = {name.lower() for name in first}
    if any(_IMPORT_ID.match(cell) for cell in third):
        return Layout("Qualtrics", 3, unique_names(first))
    if first and _LEGACY_QUALTRICS.match(first[0]) and any(c.lower() == "responseid" for c in second):
        pairs = zip(first, second, strict=False)
        names = [below if _LEGACY_QUALTRICS.match(top) else top for top, below in pairs]
        return Layout("Qualtrics (legacy export)", 2, unique_names(names))
    two_rows = is_question_and_option_rows(first, second)
    if lowered & {"respondent id", "respondentid"}:
        if two_rows or any(cell.lower() in _SUBHEADS for cell in second):
            return Layout("SurveyMonkey", 2, unique_names(question_option_names(first, second)))
        return Layout("SurveyMonkey", 1, unique_names(first))
    tool = _one_row_tool(first, lowered)
    if two_rows:
        return Layout(tool, 2, unique_names(question_option_names(first, second)))
    return Layout(tool, 1, unique_names(first))


def is_question_and_option_rows(first: list[str], second: list[str]) -> bool:
    """Whether the first two records are a question row over an option row, not a header over data.

    SurveyMonkey, and LimeSurvey exports tidied in Excel, write a question with
    several columns (the options of a multiple-choice question, the statements of a
    matrix) once, above its first column, leaving the cells to its right blank; the
    second row names each column's option ("Response", "Other (please specify)", a
    statement). Read as such only when all of these hold:

    - some question spans columns: a question cell followed by at least one blank;
    - every column of such a span has an option name in the second row;
    - a column with a question of its own (no blanks after it) has nothing, or a
      "Response" word, in the second row, as a data row would not;
    - the option names in the second row are not numbers or dates, and no two
      columns of one question share a name.
    """
    if len(second) < 2 or not any(first) or not any(second):
        return False
    spans = _question_spans(first)
    if not any(len(columns) > 1 for columns in spans):
        return False
    below = [second[i] if i < len(second) else "" for i in range(len(first))]
    for columns in spans:
        names = [below[i] for i in columns]
        if len(columns) == 1:
            if names[0] and names[0].lower() not in _SUBHEADS:
                return False
            continue
        if not all(names) or len({name.lower() for name in names}) < len(names):
            return False
        if any(_NUMBER_OR_DATE.match(name) for name in names):
            return False
    return True


def _question_spans(first: list[str]) -> list[list[int]]:
    """Column positions grouped by question: a named cell and the blank cells after it.

    Blank cells before the first named one (a tool's unnamed first columns) form no span.
    """
    spans: list[list[int]] = []
    for position, cell in enumerate(first):
        if cell:
            spans.append([position])
        elif spans:
            spans[-1].append(position)
    return spans


def _one_row_tool(first: list[str], lowered: set[str]) -> str:
    bare = {name.split(".")[0].strip() for name in lowered}
    if {"id", "start time", "completion time"} <= lowered:
        return "Microsoft Forms"
    if first[0].lower() == "timestamp":
        return "Google Forms"
    if {"id", "submitdate"} <= bare or {"submitdate", "lastpage"} <= bare:
        return "LimeSurvey"
    if {"userid", "started", "ended"} <= lowered:
        return "SmartSurvey"
    if "submit date (utc)" in lowered or "network id" in lowered:
        return "Typeform"
    if {"_uuid", "_submission_time"} <= lowered:
        return "KoBoToolbox"
    return "generic"


def question_option_names(first: list[str], second: list[str]) -> list[str]:
    """Question over option: "Question – Option", or the question alone where the option is
    only "Response" or "Open-Ended Response" (or blank)."""
    names, question = [], ""
    for index, top in enumerate(first):
        question = top or question
        below = second[index] if index < len(second) else ""
        if not below or below.lower() in _RESPONSE_WORDS:
            names.append(question)
        else:
            names.append(f"{question}{OPTION_SEPARATOR}{below}" if question else below)
    return names


def unique_names(names: list[str]) -> tuple[str, ...]:
    """Column names with blanks named by position ("Column 7") and repeats numbered ("Q1 (2)")."""
    seen: dict[str, int] = {}
    result = []
    for position, raw in enumerate(names, start=1):
        name = " ".join(raw.split()) or f"Column {position}"
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        result.append(name if count == 1 else f"{name} ({count})")
    return tuple(result)
