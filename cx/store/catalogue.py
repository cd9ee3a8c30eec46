"""The council's surveys: each named, of a kind, covering some services, feeding the headlines or not.

A survey is keyed by the `source` text its responses and upload batches hold, so
renaming a survey never touches its responses. Values are checked by
`cx.surveys` before they reach this store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from cx.store.base import FeatureStore, writes

SURVEY_COLUMNS = ["survey_id", "source", "name", "kind", "services", "headline", "responses",
                  "first_response", "last_response", "updated_at", "updated_by"]


class SurveyCatalogueStore(FeatureStore):
    """Read and write the surveys table."""

    READS = ("surveys",)

    def all(self) -> pd.DataFrame:
        """Every survey with how many responses it holds and their date range: `SURVEY_COLUMNS`, by name."""
        return self._frame(
            """
            SELECT s.survey_id, s.source, s.name, s.kind, s.services, s.headline,
                   coalesce(r.responses, 0) AS responses, r.first_response, r.last_response,
                   s.updated_at, p.name AS updated_by
            FROM surveys s
            LEFT JOIN (SELECT source, count(*) AS responses, min(completed_at) AS first_response,
                              max(completed_at) AS last_response FROM responses GROUP BY source) r
                   ON r.source = s.source
            LEFT JOIN people p ON p.person_id = s.updated_by
            ORDER BY lower(s.name), s.survey_id
            """
        )

    def get(self, source: str) -> dict | None:
        """One survey as a dict (source, name, kind, services, headline), or None when unknown."""
        row = self._one("SELECT source, name, kind, services, headline FROM surveys WHERE source = ?",
                        [source])
        if row is None:
            return None
        return dict(zip(("source", "name", "kind", "services", "headline"), row, strict=True))

    def name_taken(self, name: str, *, other_than: str | None = None) -> bool:
        """True when another survey already has this name (compared ignoring case and outer spaces)."""
        return self._exists(
            "SELECT 1 FROM surveys WHERE lower(trim(name)) = lower(trim(?)) AND (? IS NULL OR source <> ?)",
            [name, other_than, other_than])

    def has_headline(self) -> bool:
        """True when at least one survey feeds the headline measures."""
        return self._exists("SELECT 1 FROM surveys WHERE headline")

    @writes("surveys")
    def add(self, source: str, name: str, kind: str, services: Sequence[str], headline: bool, *,
            updated_by: int | None, now: datetime) -> None:
        """Record a new survey; a source already recorded is left as it is."""
        self._execute(
            "INSERT INTO surveys (source, name, kind, services, headline, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source) DO NOTHING",
            [source, name, kind, list(services), headline, now, updated_by])

    @writes("surveys")
    def update(self, source: str, name: str, kind: str, services: Sequence[str], headline: bool, *,
               updated_by: int | None, now: datetime) -> None:
        """Change a recorded survey's name, kind, services and headline flag."""
        self._execute(
            "UPDATE surveys SET name = ?, kind = ?, services = ?, headline = ?, updated_at = ?, "
            "updated_by = ? WHERE source = ?",
            [name, kind, list(services), headline, now, updated_by, source])

    def services_of(self, source: str) -> list[str]:
        """The services named in a survey's responses, sorted."""
        rows = self._execute("SELECT DISTINCT service FROM responses "
                             "WHERE source = ? AND service IS NOT NULL ORDER BY 1", [source]).fetchall()
        return [row[0] for row in rows]
