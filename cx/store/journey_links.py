"""Links from roadmap actions back to the journey-map step whose opportunity they came from."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from cx.store.base import FeatureStore, writes

LINK_COLUMNS = [
    "action_id", "title", "status", "archived", "journey_id", "journey", "version", "step_key", "position",
    "step", "step_name", "opportunity", "linked_at",
]


class JourneyLinkStore(FeatureStore):
    """Which action came from which journey step. A link is part of its action (feature 'roadmap')."""

    READS = ("roadmap", "journeys", "people")

    @writes("roadmap")
    def link(self, action_id: int, journey_id: int, version: str, step_key: str, *, step_name: str,
             opportunity: str | None, by: int | None, now: datetime) -> None:
        """Record that `action_id` came from the step `step_key` of one version of a journey.

        `step_name` and `opportunity` are kept as they were, for when the step is
        later removed from the map. Raises DatabaseError when the action already has a link.
        """
        self._execute(
            "INSERT INTO roadmap_action_journeys (action_id, journey_id, version, step_key, step_name, "
            "opportunity, linked_at, linked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [action_id, journey_id, version, step_key, step_name, opportunity, now, by],
        )

    def step(self, journey_id: int, version: str, step_key: str) -> dict | None:
        """The step with this key (position, stage, opportunities), or None when the map no longer has it."""
        row = self._one("SELECT position, stage, opportunities FROM journey_steps "
                        "WHERE journey_id = ? AND version = ? AND step_key = ?",
                        [journey_id, version, step_key])
        return None if row is None else dict(zip(("position", "stage", "opportunities"), row, strict=True))

    def links(self, journey_id: int | None = None) -> pd.DataFrame:
        """Linked actions (of one journey, or all), oldest first, with the journey and step as they are now.

        Columns LINK_COLUMNS: journey is the journey's current name (None once it
        is deleted); position and step are the step's current place and name (None
        once it is removed from the map); step_name and opportunity are as linked.
        """
        return self._frame(
            """
            SELECT l.action_id, a.title, a.status, a.archived, l.journey_id, j.name AS journey, l.version,
                   l.step_key, s.position, s.stage AS step, l.step_name, l.opportunity, l.linked_at
            FROM roadmap_action_journeys l
            JOIN roadmap_actions a USING (action_id)
            LEFT JOIN journeys j ON j.journey_id = l.journey_id
            LEFT JOIN journey_steps s ON s.journey_id = l.journey_id AND s.version = l.version
                 AND s.step_key = l.step_key
            WHERE ? IS NULL OR l.journey_id = ?
            ORDER BY l.action_id
            """,
            [journey_id, journey_id],
        )
