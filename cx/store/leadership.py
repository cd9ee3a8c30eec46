"""Leadership: personal checklist answers and the cultural-change steps.

Checklist answers are personal: `answers_of` returns one person's own answers and
refuses a store acting for anyone else; `shared_answers` returns only the newest
answer of each other person that they chose to share.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from cx.store.base import FeatureStore, writes

_PRIVATE = "Checklist answers are read and written only by the leader who wrote them."


class LeadershipStore(FeatureStore):
    """Checklist answers and culture-change steps."""

    READS = ("checklist", "culture", "people")

    @writes("checklist")
    def add_answer(self, person_id: int, question: str, answer: str, *, shared: bool, now: datetime) -> int:
        """Add a dated answer to one checklist question and return its id; earlier answers stay.

        Raises AccessDenied when the store acts for anyone else.
        """
        self._only_for_oneself(person_id, _PRIVATE)
        row = self._one(
            "INSERT INTO checklist_answers (person_id, question, answer, shared, saved_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING answer_id",
            [person_id, question, answer, bool(shared), now],
        )
        return int(row[0])

    @writes("checklist")
    def set_sharing(self, person_id: int, question: str, shared: bool) -> bool:
        """Share (or stop sharing) a person's newest answer to a question with the team.

        Earlier answers keep their own setting but are never shown to others.
        Returns False when the person has not answered the question yet. Raises
        AccessDenied when the store acts for anyone else.
        """
        self._only_for_oneself(person_id, _PRIVATE)
        changed = self._execute(
            """
            UPDATE checklist_answers SET shared = ?
            WHERE answer_id = (
                SELECT answer_id FROM checklist_answers WHERE person_id = ? AND question = ?
                ORDER BY saved_at DESC, answer_id DESC LIMIT 1
            )
            RETURNING answer_id
            """,
            [bool(shared), person_id, question],
        ).fetchall()
        return bool(changed)

    def answers_of(self, person_id: int) -> pd.DataFrame:
        """Every answer one person has saved (answer_id, question, answer, shared, saved_at), newest first.

        Raises AccessDenied when the store acts for anyone else: private answers are
        read only by their author.
        """
        self._only_for_oneself(person_id, _PRIVATE)
        return self._frame(
            "SELECT answer_id, question, answer, shared, saved_at FROM checklist_answers "
            "WHERE person_id = ? ORDER BY saved_at DESC, answer_id DESC",
            [person_id],
        )

    def shared_answers(self, viewer_id: int | None) -> pd.DataFrame:
        """Other people's newest answers that they have shared: name, question, answer, saved_at.

        For each person and question only the newest answer counts, and only when it
        is marked shared; the viewer's own answers are left out.
        """
        return self._frame(
            """
            WITH newest AS (
                SELECT * FROM checklist_answers
                QUALIFY row_number() OVER (
                    PARTITION BY person_id, question ORDER BY saved_at DESC, answer_id DESC) = 1
            )
            SELECT p.name, n.question, n.answer, n.saved_at
            FROM newest n JOIN people p USING (person_id)
            WHERE n.shared AND n.person_id IS DISTINCT FROM ?
            ORDER BY n.question, lower(p.name)
            """,
            [viewer_id],
        )

    def culture_steps(self) -> pd.DataFrame:
        """What has been recorded against the cultural-change steps, one row per step touched.

        Columns step, status, owner_id, owner (name), step_date, evidence,
        updated_at, updated_by_name. Steps with no row have not been started.
        """
        return self._frame(
            """
            SELECT c.step, c.status, c.owner_id, o.name AS owner, c.step_date, c.evidence,
                   c.updated_at, u.name AS updated_by_name
            FROM culture_steps c
            LEFT JOIN people o ON o.person_id = c.owner_id
            LEFT JOIN people u ON u.person_id = c.updated_by
            ORDER BY c.step
            """
        )

    @writes("culture")
    def save_culture_step(self, step: int, status: str, owner_id: int | None, step_date: date | None,
                          evidence: str | None, *, updated_by: int | None, now: datetime) -> None:
        """Record a step's status, owner, date and evidence, replacing what was there."""
        self._execute(
            """
            INSERT INTO culture_steps (step, status, owner_id, step_date, evidence, updated_at, updated_by)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (step) DO UPDATE SET
                status = excluded.status, owner_id = excluded.owner_id,
                step_date = excluded.step_date, evidence = excluded.evidence,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """,
            [step, status, owner_id, step_date, evidence, now, updated_by],
        )
