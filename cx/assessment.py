"""The self-assessment heat map: several leaders rate the 15 cells; the team sees where they differ.

Pure functions over small frames of ratings (one row per rater per cell, columns
person_id, rater, block, stage, level, comment, evidence), as returned by
`Store.round_ratings`.

The team's level for a cell is the median of the raters' levels. When the raters
split evenly, the median falls between two levels; the map then shows the more
critical of the two (the "lower median"), so a cell is never painted better than
half the team thinks it is, and the team level is always a level somebody chose.

Disagreement is the mean number of steps between each rater's level and the team
level: 0 when everybody agrees, up to 1 when the team is split between a strength
and a critical focus.

A cell is marked "views differ" when the team is divided rather than carrying one
dissenter: no level has more than half the raters, or someone rates it a strength
while someone else rates it a critical focus.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cx.exports import to_xlsx_bytes
from cx.framework import (
    BLOCK_BY_CODE,
    BLOCKS,
    CELLS,
    LEVEL_BY_CODE,
    LEVEL_BY_SCORE,
    LEVELS,
    STAGE_BY_CODE,
    STAGES,
    cell_label,
)

MAX_TEXT = 2000  # characters in one comment or evidence note

SUMMARY_COLUMNS = (
    "block", "stage", "consensus", "n", "strength", "progress", "critical",
    "mean_score", "spread", "disagreement", "views_differ", "comments",
)


@dataclass(frozen=True)
class Change:
    """How a cell moved between two rounds."""

    code: str
    word: str
    symbol: str

    @property
    def tag(self) -> str:
        return f"{self.symbol} {self.word}"


CHANGES: dict[str, Change] = {
    c.code: c for c in (
        Change("better", "Better", "↑"),
        Change("same", "Same", "="),
        Change("worse", "Worse", "↓"),
        Change("unrated", "Not rated in both rounds", "–"),
    )
}
DIFFER_MARK = "≠"


@dataclass(frozen=True)
class RatingEntry:
    """One rater's answer for one cell; `level` is None while the cell is unrated."""

    block: str
    stage: str
    level: str | None
    comment: str = ""
    evidence: str = ""


class IncompleteSubmission(ValueError):
    """A submission left cells unrated; `missing` lists them as (block, stage) codes."""

    def __init__(self, missing: Sequence[tuple[str, str]]) -> None:
        self.missing = tuple(missing)
        count = len(self.missing)
        by_block: dict[str, list[str]] = {}
        for block, stage in self.missing:
            by_block.setdefault(BLOCK_BY_CODE[block].label, []).append(STAGE_BY_CODE[stage].label)
        cells = "; ".join(f"{block} ({', '.join(stages)})" for block, stages in by_block.items())
        noun = "cell has" if count == 1 else "cells have"
        super().__init__(f"Not submitted: {count} {noun} no level yet. Choose a level for {cells}.")


# ----------------------------------------------------------------- one cell


def _scores(levels: Iterable[str]) -> list[int]:
    scores = []
    for level in levels:
        if level not in LEVEL_BY_CODE:
            raise ValueError(f"Level: {level!r} is not one of {[lv.code for lv in LEVELS]}.")
        scores.append(LEVEL_BY_CODE[level].score)
    return sorted(scores)


def consensus(levels: Iterable[str]) -> str:
    """The team level: the lower median of the raters' levels (see the module docstring).

    Raises ValueError when there are no levels or one is not a level code.
    """
    scores = _scores(levels)
    if not scores:
        raise ValueError("A cell needs at least one rating to have a team level.")
    return LEVEL_BY_SCORE[scores[(len(scores) - 1) // 2]].code


def disagreement(levels: Iterable[str]) -> float:
    """Mean distance, in steps, between each rater's level and the team level (0 = agreed).

    Raises ValueError as `consensus`.
    """
    levels = list(levels)
    middle = LEVEL_BY_CODE[consensus(levels)].score
    scores = _scores(levels)
    return sum(abs(s - middle) for s in scores) / len(scores)


def views_differ(levels: Iterable[str]) -> bool:
    """True when the raters are divided (see the module docstring); False for no ratings.

    Raises ValueError for an unknown level.
    """
    scores = _scores(levels)
    if not scores:
        return False
    largest = max(scores.count(score) for score in set(scores))
    return scores[-1] - scores[0] == 2 or largest * 2 <= len(scores)


# ---------------------------------------------------------------- the round


def summarise(ratings: pd.DataFrame) -> pd.DataFrame:
    """One row per cell (all 15, in framework order) with the team view of the round.

    Columns: block, stage, consensus (level code, None if nobody rated the cell),
    n, strength / progress / critical (how many raters chose each), mean_score
    (1 = critical .. 3 = strength), spread (steps between the highest and lowest
    level), disagreement and views_differ (see those functions), and comments: a tuple
    of (rater, level, comment, evidence) for the raters who wrote something.
    Raises ValueError when a rating holds an unknown level.
    """
    rows = []
    for block, stage in CELLS:
        cell = ratings[(ratings["block"] == block) & (ratings["stage"] == stage)]
        levels = cell["level"].tolist()
        rows.append(_cell_row(block, stage, levels, cell))
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    # Keep None (not NaN) for unrated cells: pandas would infer a string column.
    summary["consensus"] = pd.Series([r["consensus"] for r in rows], dtype=object)
    return summary


def _cell_row(block: str, stage: str, levels: list[str], cell: pd.DataFrame) -> dict:
    counts = {lv.code: levels.count(lv.code) for lv in LEVELS}
    comments = tuple(
        (r.rater, r.level, _text(r.comment), _text(r.evidence))
        for r in cell.sort_values("rater").itertuples()
        if _text(r.comment) or _text(r.evidence)
    )
    if not levels:
        return {"block": block, "stage": stage, "consensus": None, "n": 0, **counts,
                "mean_score": None, "spread": 0, "disagreement": 0.0, "views_differ": False,
                "comments": comments}
    scores = _scores(levels)
    return {
        "block": block, "stage": stage, "consensus": consensus(levels), "n": len(levels), **counts,
        "mean_score": sum(scores) / len(scores), "spread": scores[-1] - scores[0],
        "disagreement": disagreement(levels), "views_differ": views_differ(levels),
        "comments": comments,
    }


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def votes(row: Mapping) -> str:
    """How many raters chose each level, symbols first: '✓ 1 · ◐ 2 · ! 1'."""
    return " · ".join(f"{lv.symbol} {int(row[lv.code])}" for lv in LEVELS)


def cell_text(row: Mapping) -> str:
    """The words a cell of the team map carries, e.g. '! Critical focus (2 of 4), ≠ views differ'."""
    if not _is_level(row["consensus"]):
        return "– Not rated"
    level = LEVEL_BY_CODE[row["consensus"]]
    text = f"{level.tag} ({int(row[level.code])} of {int(row['n'])})"
    return text + f", {DIFFER_MARK} views differ" if row["views_differ"] else text


def team_map_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The team map as a table: one row per building block, one column per stage, words in cells."""
    table = pd.DataFrame({"Building block": [b.label for b in BLOCKS]})
    indexed = summary.set_index(["block", "stage"])
    for stage in STAGES:
        table[stage.label] = [cell_text(indexed.loc[(b.code, stage.code)]) for b in BLOCKS]
    return table


def critical_cells(summary: pd.DataFrame) -> set[tuple[str, str]]:
    """The (block, stage) cells whose team level is a critical focus."""
    rated = summary[summary["consensus"].map(lambda c: c == "critical")]
    return set(zip(rated["block"], rated["stage"], strict=True))


def differing_cells(summary: pd.DataFrame) -> int:
    """How many cells are marked "views differ"."""
    return int(summary["views_differ"].sum())


def discussion_list(summary: pd.DataFrame) -> pd.DataFrame:
    """The rated cells in the order a facilitator should walk them in the meeting.

    Most disagreement first (then the wider spread), and among equal disagreement
    the cells the team sees as most critical (lowest mean level) first; ties keep the
    framework order. Columns: block, stage, cell, team_level, votes, disagreement,
    spread, comments (as in `summarise`).
    """
    rated = summary[summary["n"] > 0].copy()
    rated["_order"] = range(len(rated))
    rated = rated.sort_values(
        ["disagreement", "spread", "mean_score", "_order"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return pd.DataFrame({
        "block": rated["block"],
        "stage": rated["stage"],
        "cell": [cell_label(b, s) for b, s in zip(rated["block"], rated["stage"], strict=True)],
        "team_level": [LEVEL_BY_CODE[c].tag for c in rated["consensus"]],
        "votes": [votes(r) for _, r in rated.iterrows()],
        "disagreement": rated["disagreement"].round(2),
        "spread": rated["spread"],
        "comments": rated["comments"],
    }).reset_index(drop=True)


def comment_lines(comments: Iterable[tuple[str, str, str, str]]) -> list[str]:
    """Plain-text lines 'Tom Hargreaves (! Critical focus): … Evidence: …' for a cell's comments."""
    lines = []
    for rater, level, comment, evidence in comments:
        text = f"{rater} ({LEVEL_BY_CODE[level].tag})"
        if comment:
            text += f": {comment}"
        if evidence:
            text += f" Evidence: {evidence}"
        lines.append(text)
    return lines


def rater_table(ratings: pd.DataFrame) -> pd.DataFrame:
    """Each rater's map as a table: one row per rater and building block, a level per stage."""
    rows = []
    for rater in sorted(ratings["rater"].unique(), key=str.lower):
        mine = ratings[ratings["rater"] == rater].set_index(["block", "stage"])["level"]
        for block in BLOCKS:
            row = {"Rater": rater, "Building block": block.label}
            for stage in STAGES:
                level = mine.get((block.code, stage.code))
                row[stage.label] = LEVEL_BY_CODE[level].tag if _is_level(level) else "– Not rated"
            rows.append(row)
    return pd.DataFrame(rows, columns=["Rater", "Building block", *[s.label for s in STAGES]])


def cell_comments(ratings: pd.DataFrame, block: str, stage: str) -> pd.DataFrame:
    """Every rater's level, comment and evidence for one cell (raters without notes included)."""
    cell = ratings[(ratings["block"] == block) & (ratings["stage"] == stage)]
    cell = cell.sort_values("rater", key=lambda names: names.str.lower())
    return pd.DataFrame({
        "Rater": cell["rater"].tolist(),
        "Level": [LEVEL_BY_CODE[lv].tag for lv in cell["level"]],
        "Comment": [_text(c) for c in cell["comment"]],
        "Evidence": [_text(e) for e in cell["evidence"]],
    })


def labelled_history(history: pd.DataFrame) -> pd.DataFrame:
    """`Store.rating_history` with labels instead of codes, ready for a CSV download."""
    return pd.DataFrame({
        "Rater": history["rater"],
        "Role": history["role"],
        "Submission": history["submission"],
        "Current answer": ["Yes" if c else "No (replaced)" for c in history["current"]],
        "Submitted at": history["submitted_at"],
        "Building block": [BLOCK_BY_CODE[b].label for b in history["block"]],
        "Stage": [STAGE_BY_CODE[s].label for s in history["stage"]],
        "Level": [LEVEL_BY_CODE[lv].tag for lv in history["level"]],
        "Comment": [_text(c) for c in history["comment"]],
        "Evidence": [_text(e) for e in history["evidence"]],
    })


# ------------------------------------------------------------ two rounds


def compare_rounds(earlier: pd.DataFrame, later: pd.DataFrame) -> pd.DataFrame:
    """Per cell, how the team level moved from the earlier round's summary to the later one's.

    Columns: block, stage, before, after (level codes or None), change (a key of
    CHANGES: 'better', 'same', 'worse', or 'unrated' when either round lacks a team
    level for the cell).
    """
    before = earlier.set_index(["block", "stage"])["consensus"]
    after = later.set_index(["block", "stage"])["consensus"]
    rows = []
    for block, stage in CELLS:
        old, new = before.get((block, stage)), after.get((block, stage))
        rows.append({"block": block, "stage": stage,
                     "before": old if _is_level(old) else None,
                     "after": new if _is_level(new) else None,
                     "change": _change(old, new)})
    return pd.DataFrame(rows).astype({"before": object, "after": object})


def _is_level(value: object) -> bool:
    return isinstance(value, str) and value in LEVEL_BY_CODE


def _change(old: str | None, new: str | None) -> str:
    if not (_is_level(old) and _is_level(new)):
        return "unrated"
    step = LEVEL_BY_CODE[new].score - LEVEL_BY_CODE[old].score
    return "better" if step > 0 else "worse" if step < 0 else "same"


def change_summary(comparison: pd.DataFrame, earlier_name: str) -> str:
    """'3 cells improved since Q2 2026 review, 1 got worse and 11 stayed the same.'"""
    counts = comparison["change"].value_counts()
    better, worse, same = (int(counts.get(k, 0)) for k in ("better", "worse", "same"))
    unrated = int(counts.get("unrated", 0))
    if better + worse + same == 0:
        return f"No cell has a team level in both this round and {earlier_name}."
    sentence = (
        f"{better} {'cell' if better == 1 else 'cells'} improved since {earlier_name}, "
        f"{worse} got worse and {same} stayed the same."
    )
    if unrated:
        sentence += f" {unrated} could not be compared because a round has no ratings for them."
    return sentence


def comparison_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison as a block × stage table: '↑ Better (◐ → ✓)' in each cell."""
    indexed = comparison.set_index(["block", "stage"])
    table = pd.DataFrame({"Building block": [b.label for b in BLOCKS]})
    for stage in STAGES:
        table[stage.label] = [_change_text(indexed.loc[(b.code, stage.code)]) for b in BLOCKS]
    return table


def _change_text(row: Mapping) -> str:
    change = CHANGES[row["change"]]
    if row["change"] == "unrated":
        return change.tag
    old, new = LEVEL_BY_CODE[row["before"]], LEVEL_BY_CODE[row["after"]]
    return f"{change.tag} ({old.symbol} {old.word} → {new.symbol} {new.word})"


# ------------------------------------------------------ rounds and answers


def validate_round(name: str, held_on: date | None, rater_ids: Sequence[int]) -> str:
    """Check a new round and return its cleaned name.

    Raises ValueError naming the field: an empty name, a missing date, or no raters.
    """
    clean = (name or "").strip()
    if not clean:
        raise ValueError("Round name: enter a name, for example 'Q1 2027 review'.")
    if len(clean) > 80:
        raise ValueError("Round name: keep it to 80 characters or fewer.")
    if held_on is None:
        raise ValueError("Date: enter the date of the review meeting.")
    if not rater_ids:
        raise ValueError("Raters: choose at least one person to rate the cells.")
    return clean


def validate_entries(entries: Sequence[RatingEntry]) -> list[RatingEntry]:
    """Check a rater's answers and return them with comments trimmed.

    Cells may be unrated (drafts). Raises ValueError naming the cell for an unknown
    block, stage or level, a cell given twice, or a note longer than MAX_TEXT.
    """
    seen, clean = set(), []
    for entry in entries:
        if entry.block not in BLOCK_BY_CODE or entry.stage not in STAGE_BY_CODE:
            raise ValueError(f"Cell: {entry.block!r} / {entry.stage!r} is not a cell of the heat map.")
        where = cell_label(entry.block, entry.stage)
        if entry.level is not None and entry.level not in LEVEL_BY_CODE:
            raise ValueError(f"Level for {where}: {entry.level!r} is not a level.")
        if (entry.block, entry.stage) in seen:
            raise ValueError(f"Cell: {where} is answered twice.")
        seen.add((entry.block, entry.stage))
        for field, text in (("Comment", entry.comment), ("Evidence", entry.evidence)):
            if len(_text(text)) > MAX_TEXT:
                raise ValueError(f"{field} on {where}: keep it to {MAX_TEXT:,} characters or fewer.")
        clean.append(RatingEntry(entry.block, entry.stage, entry.level,
                                 _text(entry.comment), _text(entry.evidence)))
    return clean


def missing_cells(entries: Sequence[RatingEntry]) -> list[tuple[str, str]]:
    """The cells (framework order) that have no level among the entries."""
    rated = {(e.block, e.stage) for e in entries if e.level is not None}
    return [cell for cell in CELLS if cell not in rated]


def check_complete(entries: Sequence[RatingEntry]) -> list[RatingEntry]:
    """Validate a submission; raises IncompleteSubmission naming every unrated cell."""
    clean = validate_entries(entries)
    missing = missing_cells(clean)
    if missing:
        raise IncompleteSubmission(missing)
    return clean


# ----------------------------------------------------------------- export


def team_map_xlsx(summary: pd.DataFrame, title: str) -> bytes:
    """The team map as a workbook: a coloured 'Team map' sheet and a 'Cells' sheet with votes.

    Each coloured cell also carries its words and symbol (greyscale printouts keep
    their meaning); text is formula-safe through cx.exports.
    """
    table = team_map_table(summary)
    fills = _level_fills(summary)
    cells = pd.DataFrame({
        "Building block": [BLOCK_BY_CODE[b].label for b in summary["block"]],
        "Stage": [STAGE_BY_CODE[s].label for s in summary["stage"]],
        "Team level": [LEVEL_BY_CODE[c].tag if _is_level(c) else "– Not rated" for c in summary["consensus"]],
        "Raters": summary["n"],
        **{lv.tag: summary[lv.code] for lv in LEVELS},
        "Views differ": ["Yes" if d else "No" for d in summary["views_differ"]],
        "Disagreement (0 to 1)": summary["disagreement"].round(2),
        "Comments": [" | ".join(comment_lines(c)) for c in summary["comments"]],
    })
    return to_xlsx_bytes(
        {"Team map": table, "Cells": cells},
        fills={"Team map": lambda row, column, value: fills.get((row, column))},
        titles={"Team map": title, "Cells": title},
    )


def _level_fills(summary: pd.DataFrame) -> dict[tuple[int, str], str]:
    """(sheet row, stage column label) -> fill colour of the team level there."""
    fills = {}
    indexed = summary.set_index(["block", "stage"])["consensus"]
    for row, block in enumerate(BLOCKS):
        for stage in STAGES:
            level = indexed.get((block.code, stage.code))
            if _is_level(level):
                fills[(row, stage.label)] = LEVEL_BY_CODE[level].fill
    return fills
