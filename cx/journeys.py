"""Customer journey maps, laid out like the toolkit's template.

A journey (for example "Apply for a council tax discount") has two versions: the
journey as customers live it today ("as is") and the one the council wants to
design ("to be"). Each version is an ordered list of steps; for each step the
template asks for the customer's goal, what they do, the channel or touch point,
pain points, how they feel and the opportunities to improve. PlaceCX adds an
emotion score from -2 (very negative) to +2 (very positive) so that the feelings
can be drawn as a curve across the journey.

Checks and reorders steps typed into a grid before the journey store keeps them,
and builds the template layout, the curve's data and the XLSX download.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from cx import edits
from cx.exports import to_xlsx_bytes
from cx.store import Store
from cx.store.journeys import STEP_COLUMNS

MAX_NAME_LENGTH = 120
MAX_CELL_LENGTH = 2_000


@dataclass(frozen=True)
class Version:
    code: str
    label: str


VERSIONS: tuple[Version, ...] = (Version("as_is", "As is"), Version("to_be", "To be"))
VERSION_CODES: tuple[str, ...] = tuple(v.code for v in VERSIONS)
_VERSION_LABELS = {v.code: v.label for v in VERSIONS}


@dataclass(frozen=True)
class Field:
    code: str
    label: str
    hint: str


# The rows of the toolkit's template, in its order, with the step's name first and
# the emotion score beside the customer's feelings.
FIELDS: tuple[Field, ...] = (
    Field("stage", "Step name", "A short name for the step, such as 'Find out what help exists'."),
    Field("goal", "Customer goals", "What the customer is trying to achieve at this step."),
    Field("action", "Customer action", "What the customer does."),
    Field("channel", "Channel/touch point", "Where it happens: web, phone, letter, office, a partner."),
    Field("pain_points", "Pain points", "What goes wrong or gets in the way. Leave empty if nothing does."),
    Field("emotions", "Customer emotions", "How the customer is likely to feel, in words."),
    Field("emotion_score", "Emotion score",
          "-2 very negative, -1 negative, 0 neutral, +1 positive, +2 very positive."),
    Field("opportunities", "Opportunities to improve", "Ideas for making this step better."),
)
FIELD_CODES: tuple[str, ...] = tuple(f.code for f in FIELDS)
TEXT_FIELDS: tuple[str, ...] = tuple(c for c in FIELD_CODES if c != "emotion_score")
_FIELD_LABELS = {f.code: f.label for f in FIELDS}

EMOTION_WORDS: dict[int, str] = {
    -2: "Very negative", -1: "Negative", 0: "Neutral", 1: "Positive", 2: "Very positive",
}
PAIN_POINT_LABEL = "✕ Pain point"


def version_label(code: str) -> str:
    """'As is' or 'To be'. Raises ValueError for another code."""
    try:
        return _VERSION_LABELS[code]
    except KeyError:
        raise ValueError(f"Version: choose {' or '.join(_VERSION_LABELS.values())}.") from None


def emotion_label(score: int | None) -> str:
    """'Negative (−1)', 'Neutral (0)', 'Very positive (+2)'; 'Not scored' when there is none.

    The word comes first and the minus is U+2212, so the label never starts with a
    character a spreadsheet reads as a formula.
    """
    if score is None:
        return "Not scored"
    number = f"+{score}" if score > 0 else ("0" if score == 0 else f"\u2212{-score}")
    return f"{EMOTION_WORDS[score]} ({number})"


def clean_name(name: str | None) -> str:
    """A journey's name, trimmed. Raises ValueError naming the field when empty or too long."""
    clean = " ".join((name or "").split())
    if not clean:
        raise ValueError("Journey name: give the journey a name, such as 'Apply for a council tax discount'.")
    if len(clean) > MAX_NAME_LENGTH:
        raise ValueError(f"Journey name: keep it under {MAX_NAME_LENGTH} characters (it has {len(clean)}).")
    return clean


# ------------------------------------------------------------------ saving


def create(store: Store, name: str | None, description: str | None, *, updated_by: int | None,
           now: datetime) -> int:
    """Add a journey with no steps yet and return its id.

    Raises ValueError naming the field when the name is empty, too long or taken,
    or the editor is not in the team list.
    """
    clean = clean_name(name)
    with store.transaction():
        store.people.names([updated_by], field="You are")
        return store.journeys.create(clean, _description(description), updated_by=updated_by, now=now)


def rename(store: Store, journey_id: int, name: str | None, description: str | None, *,
           updated_by: int | None, now: datetime, based_on: tuple[str, str | None] | None = None,
           overwrite: bool = False) -> None:
    """Rename a journey and replace its description.

    `based_on` is the (name, description) the form showed: only what the person
    changed is written. Raises ValueError as `create`, or for an unknown journey,
    and EditConflict when someone else changed the same field since (unless
    `overwrite`).
    """
    mine = {"name": clean_name(name), "description": _description(description)}
    with store.transaction():
        store.people.names([updated_by], field="You are")
        current = _journey(store, journey_id)
        stored = {"name": current["name"], "description": _description(current["description"])}
        base = {"name": based_on[0], "description": _description(based_on[1])} if based_on else stored
        write = edits.check("this journey", base, mine, stored, words=lambda _, v: v or "(empty)",
                            label={"name": "Journey name", "description": "What it covers"}.get,
                            changed_by=current["updated_by_name"], changed_at=current["updated_at"],
                            overwrite=overwrite)
        if write:
            merged = {**stored, **write}
            store.journeys.update(journey_id, merged["name"], merged["description"], updated_by=updated_by,
                                  now=now)


def save_steps(store: Store, journey_id: int, version: str, steps: pd.DataFrame, *,
               updated_by: int | None, now: datetime, based_on: pd.DataFrame | None = None,
               overwrite: bool = False) -> int:
    """Replace one version of a journey with `steps` (from `arrange_steps`); return how many.

    `based_on` is that version's steps as the grid showed them; if someone else
    saved this map since, nothing is written and EditConflict says who (unless
    `overwrite`). Raises ValueError for an unknown journey, version or editor; the
    old steps are kept when anything fails.
    """
    version_label(version)
    with store.transaction():
        store.people.names([updated_by], field="You are")
        current = _journey(store, journey_id)
        stored = store.journeys.steps(journey_id)
        stored = stored[stored["version"] == version]
        if based_on is not None and not overwrite and _rows(stored) != _rows(based_on):
            raise edits.EditConflict(
                f"the {version_label(version).lower()} map", [edits.Clash(
                    "Steps", f"{len(stored)} steps as they saved them", f"your {len(steps)} steps")],
                current["updated_by_name"], current["updated_at"])
        return store.journeys.replace_steps(journey_id, version, steps, updated_by=updated_by, now=now)


def set_service(store: Store, journey_id: int, service: str | None, *, updated_by: int | None,
                now: datetime) -> None:
    """Name the service the journey belongs to (blank: none), so its steps can show that service's CSAT.

    Raises ValueError for an unknown journey or editor, or a name over MAX_NAME_LENGTH characters.
    """
    clean = " ".join((service or "").split()) or None
    if clean is not None and len(clean) > MAX_NAME_LENGTH:
        raise ValueError(f"Service: keep it under {MAX_NAME_LENGTH} characters.")
    with store.transaction():
        store.people.names([updated_by], field="You are")
        store.journeys.set_service(journey_id, clean, updated_by=updated_by, now=now)


def _journey(store: Store, journey_id: int) -> dict:
    """One journey's row of `JourneyStore.all`. Raises ValueError for an unknown journey."""
    store.journeys.require(journey_id)
    everyone = store.journeys.all()
    row = everyone[everyone["journey_id"] == journey_id].iloc[0]
    return {key: (None if not isinstance(value, str) and pd.isna(value) else value)
            for key, value in row.to_dict().items()}


def _rows(steps: pd.DataFrame) -> list[tuple]:
    """Steps as plain tuples in position order, blanks as None, for comparing two versions."""
    ordered = steps[list(STEP_COLUMNS)].sort_values("position")
    return [tuple(None if is_missing(v) else (int(v) if isinstance(v, float) and v.is_integer() else v)
                  for v in record) for record in ordered.itertuples(index=False)]


def _description(text: str | None) -> str | None:
    return (text or "").strip() or None


# ------------------------------------------------------------------ editing


def editor_frame(steps: pd.DataFrame) -> pd.DataFrame:
    """The grid a person edits: one row per step, with `original` (its stored position) kept aside.

    `steps` holds one version's steps (columns STEP_COLUMNS, any order). Rows a
    person adds in the grid have no `original`; that is how `arrange_steps` tells
    new steps from moved ones. A stored `step_key` rides along (hidden in the
    grid), so a step keeps its key, and the actions linked to it, when edited.
    """
    ordered = steps.sort_values("position")
    frame = pd.DataFrame({"original": ordered["position"].astype("Int64").to_numpy()})
    frame["position"] = ordered["position"].astype("Int64").to_numpy()
    for code in FIELD_CODES:
        if code == "emotion_score":
            frame[code] = ordered[code].astype("Int64").to_numpy()
        else:
            frame[code] = ordered[code].astype(object).to_numpy()
    if "step_key" in ordered.columns:
        frame["step_key"] = ordered["step_key"].astype(object).to_numpy()
    return frame


def arrange_steps(edited: pd.DataFrame) -> pd.DataFrame:
    """Check the grid's rows and return the steps in their new order, numbered from 1.

    Rows left completely empty are dropped. A number typed in `position` moves that
    step to that place: a step moved up lands before the step already there, one
    moved down lands after it, and a new step with a position is inserted there.
    New steps without a position go to the end, in the order they were added.
    When the grid has a `step_key` column (see `editor_frame`) it is kept, blank
    for new rows.

    Raises ValueError listing every problem, one a line, each naming the row (as
    numbered in the grid) and the field but never repeating what was typed (the
    message is shown as Markdown): a missing step name, an emotion score that is not a whole
    number from -2 to +2, a position that is not a whole number of 1 or more, or
    text longer than MAX_CELL_LENGTH characters.
    """
    problems: list[str] = []
    rows: list[tuple[tuple[float, int, int], dict]] = []
    for grid_index, record in enumerate(edited.to_dict("records")):
        if _is_blank_row(record):
            continue
        where = f"Row {grid_index + 1}"
        step, row_problems = _clean_row(record, where)
        step["step_key"] = None if is_missing(record.get("step_key")) else str(record["step_key"])
        problems += row_problems
        original = _whole_number_or_none(record.get("original"))
        requested = _whole_number_or_none(record.get("position"))
        rows.append(((_sort_position(requested, original), _tiebreak(requested, original), grid_index), step))
    if problems:
        raise ValueError("\n".join(problems))
    rows.sort(key=lambda item: item[0])
    steps = [{"position": n, **step} for n, (_, step) in enumerate(rows, start=1)]
    keyed = "step_key" in edited.columns
    frame = pd.DataFrame(steps, columns=[*STEP_COLUMNS, *(["step_key"] if keyed else [])])
    frame["position"] = frame["position"].astype("int64")
    frame["emotion_score"] = frame["emotion_score"].astype("Int64")
    return frame


def _is_blank_row(record: dict) -> bool:
    return all(is_missing(record.get(code)) for code in ("position", *FIELD_CODES))


def is_missing(value: object) -> bool:
    """True for None, NaN, pandas NA and text that is only spaces: an empty grid cell."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _clean_row(record: dict, where: str) -> tuple[dict, list[str]]:
    """The row's fields cleaned, and the problems found in it."""
    problems: list[str] = []
    step: dict = {}
    for code in TEXT_FIELDS:
        value = record.get(code)
        text = None if is_missing(value) else str(value).strip()
        if text is not None and len(text) > MAX_CELL_LENGTH:
            problems.append(f"{where}, {_FIELD_LABELS[code]}: keep it under {MAX_CELL_LENGTH:,} "
                            f"characters (it has {len(text):,}).")
        step[code] = text
    if step["stage"] is None:
        problems.append(f"{where}, {_FIELD_LABELS['stage']}: give the step a short name.")
    score = record.get("emotion_score")
    step["emotion_score"] = None
    if not is_missing(score):
        number = _whole_number_or_none(score)
        if number is None or number not in EMOTION_WORDS:
            problems.append(
                f"{where}, {_FIELD_LABELS['emotion_score']}: enter a whole number from -2 (very "
                "negative) to +2 (very positive), or leave it empty."
            )
        else:
            step["emotion_score"] = number
    position = record.get("position")
    if not is_missing(position):
        number = _whole_number_or_none(position)
        if number is None or number < 1:
            problems.append(f"{where}, Position: enter a whole number of 1 or more, or leave it empty.")
    return step, problems


def _whole_number_or_none(value: object) -> int | None:
    """An int for 3, 3.0, '3', '+1' or ' -2 '; None for blanks, fractions and text."""
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number != int(number):
        return None
    return int(number)


def _sort_position(requested: int | None, original: int | None) -> float:
    if requested is not None and requested >= 1:
        return float(requested)
    return float(original) if original is not None else math.inf


def _tiebreak(requested: int | None, original: int | None) -> int:
    """-1 puts a step before one already at its place (moved up or new), +1 after it (moved down)."""
    if requested is None or requested < 1:
        return 0
    if original is None or requested < original:
        return -1
    return 1 if requested > original else 0


# ------------------------------------------------------------------ views


def template_frame(steps: pd.DataFrame) -> pd.DataFrame:
    """One version laid out like the toolkit's template: a row per field, a column per step.

    The first column, "Stages", names the rows; the step columns are "Step 1",
    "Step 2" and so on. Empty cells are empty strings; the emotion score is written
    as words with its number.
    """
    ordered = steps.sort_values("position")
    table = {"Stages": [f.label for f in FIELDS]}
    for record in ordered.to_dict("records"):
        column = []
        for code in FIELD_CODES:
            value = record.get(code)
            if code == "emotion_score":
                column.append(emotion_label(None if is_missing(value) else int(value)))
            else:
                column.append("" if is_missing(value) else str(value))
        table[f"Step {int(record['position'])}"] = column
    return pd.DataFrame(table)


def curve_frame(steps: pd.DataFrame) -> pd.DataFrame:
    """The emotion curve's data: one row per step of each version present.

    `steps` has a `version` column (codes) and STEP_COLUMNS. Returns version (its
    label), position, stage, emotion_score (None when not scored), feeling (words),
    pain_point (True when the step records one) and pain_points (the text), as-is
    first.
    """
    rank = {code: i for i, code in enumerate(VERSION_CODES)}
    ordered = steps.assign(_rank=steps["version"].map(rank)).sort_values(["_rank", "position"])
    scores = [None if is_missing(s) else int(s) for s in ordered["emotion_score"]]
    pains = ["" if is_missing(p) else str(p) for p in ordered["pain_points"]]
    return pd.DataFrame(
        {
            "version": [version_label(v) for v in ordered["version"]],
            "position": ordered["position"].astype(int).tolist(),
            "stage": ordered["stage"].tolist(),
            "emotion_score": pd.array(scores, dtype="Int64"),
            "feeling": [emotion_label(s) for s in scores],
            "pain_point": [bool(p) for p in pains],
            "pain_points": pains,
        }
    )


def curve_table(curve: pd.DataFrame) -> pd.DataFrame:
    """The curve's data as a readable table (the chart's screen-reader view)."""
    return pd.DataFrame(
        {
            "Version": curve["version"],
            "Step": curve["position"],
            "Step name": curve["stage"],
            "Emotion score": curve["emotion_score"],
            "Feeling": curve["feeling"],
            "Pain point": [PAIN_POINT_LABEL if p else "None recorded" for p in curve["pain_point"]],
            "What goes wrong": curve["pain_points"],
        }
    )


def journey_xlsx(name: str, description: str | None, steps: pd.DataFrame) -> bytes:
    """The journey as a workbook: one sheet per version, laid out like the template.

    `steps` has a `version` column and STEP_COLUMNS. Every text cell is written as
    text, never as a formula (see cx.exports).
    """
    sheets: dict[str, pd.DataFrame] = {}
    titles: dict[str, str] = {}
    for version in VERSIONS:
        own = steps[steps["version"] == version.code]
        sheets[version.label] = template_frame(own)
        title = f"{name}: {version.label.lower()}"
        if description:
            title += f" · {description}"
        titles[version.label] = title if not own.empty else f"{title} (no steps yet)"
    labels = tuple(sheets)
    return to_xlsx_bytes(sheets, titles=titles, wrap=labels, row_headers=labels)

