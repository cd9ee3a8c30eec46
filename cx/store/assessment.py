"""The self-assessment heat map: rounds, their raters, drafts and submitted ratings.

Submissions are never changed: re-rating adds a newer submission and the latest
one counts. Checking what a rater entered is `cx.assessment`'s job; this store
checks only that the round and the rater exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd

from cx.store.base import FeatureStore, writes

# One rater's answer for one cell as stored: (block, stage, level, comment, evidence).
Answer = tuple[str, str, str | None, str | None, str | None]


class AssessmentStore(FeatureStore):
    """Rounds, raters, drafts and submissions of the heat map."""

    READS = ("assessment", "people")

    @writes("assessment")
    def create_round(self, name: str, held_on: date, rater_ids: Sequence[int], *,
                     created_by: int | None, now: datetime) -> int:
        """Add a round with its raters and return its id.

        Raises ValueError when another round already has this name (ignoring case)
        or a rater is not in the people table.
        """
        if self._exists("SELECT 1 FROM assessment_rounds WHERE lower(name) = lower(?)", [name]):
            raise ValueError(f"Round name: there is already a round called {name}.")
        row = self._one(
            "INSERT INTO assessment_rounds (name, held_on, created_at, created_by) "
            "VALUES (?, ?, ?, ?) RETURNING round_id",
            [name, held_on, now, created_by],
        )
        round_id = int(row[0])
        self.add_raters(round_id, rater_ids)
        return round_id

    @writes("assessment")
    def add_raters(self, round_id: int, person_ids: Sequence[int]) -> int:
        """Add people as raters of a round (people already rating are skipped); return how many.

        Raises ValueError for an unknown round or person.
        """
        self.require_round(round_id)
        ids = sorted({int(p) for p in person_ids})
        known = {r[0] for r in self._execute(
            "SELECT person_id FROM people WHERE person_id IN (SELECT unnest(?))", [ids]
        ).fetchall()}
        if set(ids) - known:
            raise ValueError(f"Raters: no person with id {sorted(set(ids) - known)}.")
        count = "SELECT count(*) FROM assessment_raters WHERE round_id = ?"
        before = self._one(count, [round_id])[0]
        self._execute("INSERT INTO assessment_raters SELECT ?, unnest(?) ON CONFLICT DO NOTHING",
                      [round_id, ids])
        return self._one(count, [round_id])[0] - before

    def rounds(self) -> pd.DataFrame:
        """Every round, newest meeting first: round_id, name, held_on, raters, submitted."""
        return self._frame(
            """
            SELECT r.round_id, r.name, r.held_on,
                   (SELECT count(*) FROM assessment_raters a WHERE a.round_id = r.round_id) AS raters,
                   (SELECT count(DISTINCT s.person_id) FROM assessment_submissions s
                     WHERE s.round_id = r.round_id) AS submitted
            FROM assessment_rounds r
            ORDER BY r.held_on DESC, r.round_id DESC
            """
        )

    def raters(self, round_id: int) -> pd.DataFrame:
        """The raters of a round and how far each has got.

        Columns: person_id, name, role, status ('submitted', 'draft' or 'not started';
        'submitted' wins when a rater has both, as the submission is what counts),
        draft_saved_at, submitted_at (latest), submissions (how many times submitted).
        """
        return self._frame(
            """
            SELECT p.person_id, p.name, p.role,
                   CASE WHEN s.latest IS NOT NULL THEN 'submitted'
                        WHEN d.saved IS NOT NULL THEN 'draft' ELSE 'not started' END AS status,
                   d.saved AS draft_saved_at, s.latest AS submitted_at,
                   coalesce(s.times, 0) AS submissions
            FROM assessment_raters a
            JOIN people p USING (person_id)
            LEFT JOIN (SELECT person_id, max(submitted_at) AS latest, count(*) AS times
                       FROM assessment_submissions WHERE round_id = ? GROUP BY 1) s USING (person_id)
            LEFT JOIN (SELECT person_id, max(saved_at) AS saved
                       FROM assessment_drafts WHERE round_id = ? GROUP BY 1) d USING (person_id)
            WHERE a.round_id = ?
            ORDER BY lower(p.name)
            """,
            [round_id, round_id, round_id],
        )

    @writes("assessment")
    def save_draft(self, round_id: int, person_id: int, answers: Sequence[Answer], *, now: datetime) -> None:
        """Keep a rater's unfinished answers, replacing their earlier draft.

        Raises ValueError for an unknown round or a person who is not its rater, and
        AccessDenied when the store acts for someone else (a leader rates only as themselves).
        """
        self._only_for_oneself(person_id, "You can only rate as yourself.")
        self.require_rater(round_id, person_id)
        self._execute("DELETE FROM assessment_drafts WHERE round_id = ? AND person_id = ?",
                      [round_id, person_id])
        if answers:
            self._executemany(
                "INSERT INTO assessment_drafts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [[round_id, person_id, *answer, now] for answer in answers],
            )

    @writes("assessment")
    def submit(self, round_id: int, person_id: int, answers: Sequence[Answer], *, now: datetime) -> int:
        """Record a rater's complete answers as their current rating; return the submission id.

        An earlier submission by the same rater stays as history; the draft is
        removed. Raises ValueError and AccessDenied as `save_draft`.
        """
        self._only_for_oneself(person_id, "You can only rate as yourself.")
        self.require_rater(round_id, person_id)
        row = self._one(
            "INSERT INTO assessment_submissions (round_id, person_id, submitted_at) "
            "VALUES (?, ?, ?) RETURNING submission_id",
            [round_id, person_id, now],
        )
        submission_id = int(row[0])
        self._executemany("INSERT INTO assessment_ratings VALUES (?, ?, ?, ?, ?, ?)",
                          [[submission_id, *answer] for answer in answers])
        self._execute("DELETE FROM assessment_drafts WHERE round_id = ? AND person_id = ?",
                      [round_id, person_id])
        return submission_id

    def sheet(self, round_id: int, person_id: int) -> pd.DataFrame:
        """The answers a rater should see when they open the form.

        Their draft if they have one, else their latest submission, else no rows.
        Columns: block, stage, level, comment, evidence, source ('draft' or 'submitted').
        Raises AccessDenied when the store acts for someone else.
        """
        self._only_for_oneself(person_id, "A rater's own answers are shown only to that rater.")
        return self._frame(
            """
            SELECT block, stage, level, comment, evidence, 'draft' AS source
            FROM assessment_drafts WHERE round_id = ? AND person_id = ?
            UNION ALL
            SELECT r.block, r.stage, r.level, r.comment, r.evidence, 'submitted'
            FROM assessment_ratings r
            WHERE r.submission_id = (SELECT max(submission_id) FROM assessment_submissions
                                     WHERE round_id = ? AND person_id = ?)
              AND NOT EXISTS (SELECT 1 FROM assessment_drafts WHERE round_id = ? AND person_id = ?)
            """,
            [round_id, person_id] * 3,
        )

    def ratings(self, round_id: int) -> pd.DataFrame:
        """Each rater's current (latest submitted) rating of every cell in a round.

        Columns: person_id, rater, role, block, stage, level, comment, evidence,
        submitted_at. Drafts are left out: only submitted answers count.
        """
        return self._frame(
            """
            SELECT s.person_id, p.name AS rater, p.role, r.block, r.stage, r.level,
                   r.comment, r.evidence, s.submitted_at
            FROM assessment_submissions s
            JOIN assessment_ratings r USING (submission_id)
            JOIN people p USING (person_id)
            WHERE s.round_id = ?
              AND s.submission_id = (SELECT max(submission_id) FROM assessment_submissions x
                                     WHERE x.round_id = s.round_id AND x.person_id = s.person_id)
            ORDER BY lower(p.name), r.block, r.stage
            """,
            [round_id],
        )

    def history(self, round_id: int) -> pd.DataFrame:
        """Every submitted rating in a round, earlier submissions included, for export and review.

        Columns: rater, role, submission (1 = the rater's first), current (the one
        that counts), submitted_at, block, stage, level, comment, evidence.
        """
        return self._frame(
            """
            SELECT p.name AS rater, p.role,
                   dense_rank() OVER (PARTITION BY s.person_id ORDER BY s.submission_id) AS submission,
                   s.submission_id = max(s.submission_id) OVER (PARTITION BY s.person_id) AS current,
                   s.submitted_at, r.block, r.stage, r.level, r.comment, r.evidence
            FROM assessment_submissions s
            JOIN assessment_ratings r USING (submission_id)
            JOIN people p USING (person_id)
            WHERE s.round_id = ?
            ORDER BY lower(p.name), submission, r.block, r.stage
            """,
            [round_id],
        )

    def require_round(self, round_id: int) -> None:
        """Raises ValueError when there is no round with this id."""
        if not self._exists("SELECT 1 FROM assessment_rounds WHERE round_id = ?", [round_id]):
            raise ValueError(f"Round: there is no round with id {round_id}.")

    def require_rater(self, round_id: int, person_id: int) -> None:
        """Raises ValueError for an unknown round, or a person who is not one of its raters."""
        self.require_round(round_id)
        if not self._exists("SELECT 1 FROM assessment_raters WHERE round_id = ? AND person_id = ?",
                            [round_id, person_id]):
            raise ValueError("Rater: you are not one of this round's raters; ask for your name to be added.")
