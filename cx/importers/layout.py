"""Recognise which survey tool wrote an export, how many header rows it has, and its column names.

Tools are recognised by the header layouts they are documented to write:
Qualtrics (three rows ending in an ImportId row, or the older V1/V2 two-row form),
SurveyMonkey (question row over a "Response"/option row), Microsoft Forms, Google
Forms, LimeSurvey, SmartSurvey, Typeform and KoBoToolbox; anything else is a plain
one-header table ("generic").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IMPORT_ID = re.compile(r"""^\{\s*["']ImportId["']\s*:""")
_LEGACY_QUALTRICS = re.compile(r"^V\d+$")
_SURVEYMONKEY_SUBHEADS = {"response", "open-ended response", "other (please specify)"}


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
    if lowered & {"respondent id", "respondentid"}:
        if any(cell.lower() in _SURVEYMONKEY_SUBHEADS for cell in second):
            return Layout("SurveyMonkey", 2, unique_names(_surveymonkey_names(first, second)))
        return Layout("SurveyMonkey", 1, unique_names(first))
    return Layout(_one_row_tool(first, lowered), 1, unique_names(first))


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


def _surveymonkey_names(first: list[str], second: list[str]) -> list[str]:
    """Question over sub-answer: "Response" keeps the question alone, an option label is appended."""
    names, question = [], ""
    for index, top in enumerate(first):
        question = top or question
        below = second[index] if index < len(second) else ""
        if not below or below.lower() in {"response", "open-ended response"}:
            names.append(question)
        else:
            names.append(f"{question} - {below}" if question else below)
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
