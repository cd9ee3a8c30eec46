"""The heat map as the pages see it: which round is shown, what it says, and saving ratings.

One rule decides which round every page shows (Heat map, its presentation,
Overview, Roadmap): the round the person chose, while it exists; otherwise the
newest meeting that has at least one submission; otherwise the newest round.
`RoundView` then carries everything those pages say about it, computed once.

While a round is open (its meeting has not passed), a rater who has not yet
submitted sees none of their colleagues' ratings, so nobody anchors on the most
senior voice in the room; everyone else sees the team map as it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from cx import assessment
from cx.access import Actor
from cx.assessment import RatingEntry
from cx.formatting import format_date
from cx.store import Store
from cx.store.assessment import AssessmentStore

CELL_COUNT = 15


def current_round(rounds: pd.DataFrame, chosen: int | None = None) -> int | None:
    """The round to show: `chosen` if it exists, else the newest with submissions, else the newest.

    `rounds` is `AssessmentStore.rounds()` (newest meeting first). None when there
    are no rounds at all.
    """
    if rounds.empty:
        return None
    ids = rounds["round_id"].tolist()
    if chosen in ids:
        return int(chosen)
    submitted = rounds[rounds["submitted"] > 0]
    return int((submitted if not submitted.empty else rounds)["round_id"].iloc[0])


def earlier_round(rounds: pd.DataFrame, round_id: int) -> int | None:
    """The newest round held before `round_id` that has submissions (what a round is compared with)."""
    ids = rounds["round_id"].tolist()
    older = rounds.iloc[ids.index(round_id) + 1:]
    older = older[older["submitted"] > 0]
    return None if older.empty else int(older["round_id"].iloc[0])


@dataclass(frozen=True)
class RoundView:
    """One round as every page describes it."""

    round_id: int
    name: str
    held_on: date
    raters: pd.DataFrame  # AssessmentStore.raters: person_id, name, role, status, ...
    ratings: pd.DataFrame  # AssessmentStore.ratings
    summary: pd.DataFrame  # assessment.summarise(ratings)
    earlier_name: str | None
    comparison: pd.DataFrame | None  # assessment.compare_rounds(earlier, this), None for a first round
    withheld: bool = False  # the viewer must submit their own ratings before seeing the team's

    @property
    def submitted(self) -> int:
        return int(self.ratings["person_id"].nunique())

    @property
    def rater_count(self) -> int:
        return len(self.raters)

    @property
    def waiting(self) -> pd.DataFrame:
        """Raters who have not submitted: name and status ('draft' or 'not started')."""
        return self.raters[self.raters["status"] != "submitted"][["name", "status"]]

    @property
    def rated(self) -> bool:
        return not self.ratings.empty

    @property
    def critical_cells(self) -> int:
        return len(self.critical())

    @property
    def differing_cells(self) -> int:
        return assessment.differing_cells(self.summary) if self.rated else 0

    @property
    def improved_cells(self) -> int | None:
        if self.comparison is None:
            return None
        return int((self.comparison["change"] == "better").sum())

    def critical(self) -> set[tuple[str, str]]:
        """The (block, stage) cells the team rates a critical focus."""
        return assessment.critical_cells(self.summary) if self.rated else set()

    def raters_sentence(self) -> str:
        """'3 of 4 raters have submitted; still to submit: Tom (draft).' """
        text = f"{self.submitted} of {self.rater_count} raters have submitted"
        waiting = self.waiting
        if waiting.empty:
            return text + "."
        names = ", ".join(f"{row.name} ({row.status})" for row in waiting.itertuples())
        return f"{text}; still to submit: {names}."

    def sentence(self) -> str:
        """The round in one sentence for Overview and the presentation."""
        if not self.rated:
            return (f"Heat-map round {self.name} ({format_date(self.held_on)}): nobody has submitted "
                    f"ratings yet ({self.rater_count} raters).")
        text = (f"Heat-map round {self.name} ({format_date(self.held_on)}): {self.raters_sentence()} "
                f"{self.critical_cells} of {CELL_COUNT} cells are a critical focus and views differ on "
                f"{self.differing_cells}.")
        if self.comparison is not None and self.earlier_name:
            text += " " + assessment.change_summary(self.comparison, self.earlier_name)
        return text


def round_view(store: Store, chosen: int | None = None, viewer: Actor | None = None,
               today: date | None = None) -> RoundView | None:
    """The round `current_round` picks, summarised for `viewer`; None when there are no rounds.

    A rater of an open round who has not submitted gets the round with no ratings
    and `withheld` set (see the module docstring). No viewer (PlaceCX itself) and
    open mode see everything.
    """
    rounds = store.assessment.rounds()
    round_id = current_round(rounds, chosen)
    if round_id is None:
        return None
    row = rounds.set_index("round_id").loc[round_id]
    held_on = pd.Timestamp(row["held_on"]).date()
    raters = store.assessment.raters(round_id)
    ratings = store.assessment.ratings(round_id)
    withheld = must_submit_first(raters, held_on, viewer, today or date.today())
    if withheld:
        ratings = ratings.iloc[0:0]
    summary = assessment.summarise(ratings)
    earlier_id = earlier_round(rounds, round_id)
    comparison, earlier_name = None, None
    if earlier_id is not None and not ratings.empty:
        earlier = assessment.summarise(store.assessment.ratings(earlier_id))
        comparison = assessment.compare_rounds(earlier, summary)
        earlier_name = str(rounds.set_index("round_id").loc[earlier_id, "name"])
    return RoundView(round_id, str(row["name"]), held_on, raters, ratings, summary, earlier_name, comparison,
                     withheld)


def rating_history(store: Store, view: RoundView) -> pd.DataFrame:
    """Every submitted rating of the round in `view`, earlier ones included; none while it is withheld.

    Columns as `AssessmentStore.history`.
    """
    history = store.assessment.history(view.round_id)
    return history.iloc[0:0] if view.withheld else history


def must_submit_first(raters: pd.DataFrame, held_on: date, viewer: Actor | None, today: date) -> bool:
    """True when `viewer` rates this still-open round and has not submitted yet."""
    if viewer is None or viewer.open_mode or held_on < today:
        return False
    mine = raters[raters["person_id"] == viewer.person_id]
    return not mine.empty and mine["status"].iloc[0] != "submitted"


# ---------------------------------------------------------------- saving


def create_round(store: Store, name: str, held_on: date | None, rater_ids: Sequence[int], *,
                 created_by: int | None, now: datetime,
                 new_person: tuple[str, str | None] | None = None) -> int:
    """Create a round with its raters (and, optionally, a new person who joins them); return its id.

    Raises ValueError naming the field: an empty or long name, no date, no raters,
    a name another round has, or a person who cannot be added.
    """
    raters = list(rater_ids)
    with store.transaction():
        if new_person and new_person[0].strip():
            raters.append(store.people.add(new_person[0], new_person[1], now=now))
        clean = assessment.validate_round(name, held_on, raters)
        return store.assessment.create_round(clean, held_on, raters, created_by=created_by, now=now)


def save_draft(ratings: AssessmentStore, round_id: int, person_id: int, entries: Sequence[RatingEntry], *,
               now: datetime) -> None:
    """Keep a rater's unfinished answers. Raises ValueError for an invalid entry or a non-rater."""
    clean = assessment.validate_entries(entries)
    ratings.save_draft(round_id, person_id, [_answer(e) for e in clean], now=now)


def submit(ratings: AssessmentStore, round_id: int, person_id: int, entries: Sequence[RatingEntry], *,
           now: datetime) -> int:
    """Record a rater's complete answers; return the submission id.

    Raises IncompleteSubmission (a ValueError) naming every unrated cell, and
    ValueError as `save_draft`.
    """
    clean = assessment.check_complete(entries)
    return ratings.submit(round_id, person_id, [_answer(e) for e in clean], now=now)


def _answer(entry: RatingEntry) -> tuple[str, str, str | None, str | None, str | None]:
    return entry.block, entry.stage, entry.level, entry.comment or None, entry.evidence or None
