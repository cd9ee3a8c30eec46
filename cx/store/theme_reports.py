"""Counting themes and sentiment for the Themes page, and the "you said, we did" list.

Every count is over comments already scored and tagged (`comment_analysis`), in a
`Slice` of responses and, optionally, some survey sources. DuckDB groups; the page
gets one row per period and theme, or per group and theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd

from cx.store.base import FeatureStore, writes
from cx.store.filters import Slice
from cx.store.surveys import period_expression, slice_condition

# Groups a theme's share can be split by: fixed SQL expressions, never user text.
GROUPINGS: dict[str, str] = {
    "service": "coalesce(service, '(no service)')",
    "source": "source",
    "nps_group": "CASE WHEN nps >= 9 THEN 'Promoters (9-10)' WHEN nps <= 6 THEN 'Detractors (0-6)' "
                 "WHEN nps IS NOT NULL THEN 'Passives (7-8)' END",
}


def _base(where: Slice, sources: Sequence[str], *, sentiment: bool = False) -> tuple[str, list]:
    """The comments in the slice, as a CTE named `base`, and its parameters.

    Counts run after `cx.themes.refresh`, when every comment has been scored, so
    only the queries that need the sentiment join it (a join of a million rows
    costs more than all the rest of a count).
    """
    condition, params = slice_condition(where)
    scored = ("a.sentiment FROM responses JOIN comment_analysis a USING (source, response_id)" if sentiment
              else "NULL AS sentiment FROM responses")
    sql = ("WITH base AS (SELECT source, response_id, completed_at, service, nps, csat, comment, " + scored
           + " WHERE comment IS NOT NULL AND trim(comment) <> '' AND " + condition
           + " AND (len(?) = 0 OR source IN (SELECT unnest(?)))) ")
    return sql, [*params, list(sources), list(sources)]


class ThemeReportStore(FeatureStore):
    """Theme shares over time and by group, example comments and sentiment."""

    READS = ("themes", "surveys", "uploads")

    def sources(self) -> list[str]:
        """Survey sources that have comments."""
        rows = self._execute("SELECT DISTINCT source FROM comment_analysis ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    def period_counts(self, where: Slice, sources: Sequence[str], grain: str) -> pd.DataFrame:
        """Per period and theme: comments (all comments that period) and tagged (with the theme).

        Columns period, theme_id, theme, comments, tagged; every theme appears in every
        period that has comments (tagged 0 when none). Raises ValueError for an unknown grain.
        """
        base, params = _base(where, sources)
        period = period_expression(grain, "completed_at")
        return self._frame(
            base + ", dated AS (SELECT source, response_id, " + period + " AS period FROM base "
            "WHERE completed_at IS NOT NULL), "
            "totals AS (SELECT period, count(*) AS comments FROM dated GROUP BY 1), "
            "hits AS (SELECT d.period, c.theme_id, count(*) AS tagged FROM dated d "
            "JOIN comment_themes c USING (source, response_id) GROUP BY 1, 2) "
            "SELECT t.period, th.theme_id, th.name AS theme, t.comments, coalesce(h.tagged, 0) AS tagged "
            "FROM totals t CROSS JOIN themes th "
            "LEFT JOIN hits h ON h.period = t.period AND h.theme_id = th.theme_id "
            "ORDER BY t.period, lower(th.name)",
            [*params, grain])

    def group_counts(self, where: Slice, sources: Sequence[str], grouping: str) -> pd.DataFrame:
        """Per group and theme over the slice: comments in the group, and tagged with the theme.

        grouping: a key of GROUPINGS. Columns grp, theme_id, theme, comments, tagged.
        Comments outside every group (no NPS answer for nps_group) are left out.
        Raises ValueError for an unknown grouping.
        """
        if grouping not in GROUPINGS:
            raise ValueError(f"Cannot split themes by {grouping!r}; choose from {list(GROUPINGS)}.")
        base, params = _base(where, sources)
        return self._frame(
            base + ", grouped AS (SELECT source, response_id, " + GROUPINGS[grouping] + " AS grp FROM base), "
            "totals AS (SELECT grp, count(*) AS comments FROM grouped WHERE grp IS NOT NULL GROUP BY 1), "
            "hits AS (SELECT g.grp, c.theme_id, count(*) AS tagged FROM grouped g "
            "JOIN comment_themes c USING (source, response_id) WHERE g.grp IS NOT NULL GROUP BY 1, 2) "
            "SELECT t.grp, th.theme_id, th.name AS theme, t.comments, coalesce(h.tagged, 0) AS tagged "
            "FROM totals t CROSS JOIN themes th "
            "LEFT JOIN hits h ON h.grp = t.grp AND h.theme_id = th.theme_id ORDER BY t.grp, lower(th.name)",
            params)

    def examples(self, theme_id: int, where: Slice, sources: Sequence[str], limit: int = 5) -> pd.DataFrame:
        """The newest comments tagged with a theme: completed_at, service, nps, csat, sentiment, comment."""
        # The newest few first, then their scores: joining every score costs more than the rest.
        base, params = _base(where, sources)
        return self._frame(
            base + ", newest AS (SELECT b.source, b.response_id, b.completed_at, b.service, b.nps, b.csat, "
            "b.comment FROM base b "
            "SEMI JOIN (SELECT source, response_id FROM comment_themes WHERE theme_id = ?) c "
            "USING (source, response_id) ORDER BY b.completed_at DESC NULLS LAST, b.response_id LIMIT ?) "
            "SELECT n.completed_at, n.service, n.nps, n.csat, a.sentiment, n.comment FROM newest n "
            "LEFT JOIN comment_analysis a USING (source, response_id) "
            "ORDER BY n.completed_at DESC NULLS LAST, n.response_id",
            [*params, theme_id, limit])

    def sentiment_by_score(self, where: Slice, sources: Sequence[str], *, negative: float,
                           positive: float) -> pd.DataFrame:
        """Per NPS answer (0-10): comments, negative and positive comments, mean sentiment."""
        base, params = _base(where, sources, sentiment=True)
        return self._frame(
            base + "SELECT nps, count(*) AS comments, count(*) FILTER (sentiment <= ?) AS negative, "
            "count(*) FILTER (sentiment >= ?) AS positive, avg(sentiment) AS mean_sentiment "
            "FROM base WHERE nps IS NOT NULL GROUP BY 1 ORDER BY 1",
            [*params, negative, positive])

    def disagreements(self, where: Slice, sources: Sequence[str], *, negative: float, positive: float,
                      limit: int = 50) -> pd.DataFrame:
        """Comments whose words and score point opposite ways, strongest first.

        A promoter (NPS 9-10) or CSAT 5 whose comment scores at or below `negative`,
        or an NPS 0-3 or CSAT 1 whose comment scores at or above `positive`.
        Columns completed_at, source, service, nps, csat, sentiment, comment; and the total in `total`.
        """
        base, params = _base(where, sources, sentiment=True)
        return self._frame(
            base + ", odd AS (SELECT * FROM base WHERE ((nps >= 9 OR csat = 5) AND sentiment <= ?) "
            "OR ((nps <= 3 OR csat = 1) AND sentiment >= ?)) "
            "SELECT completed_at, source, service, nps, csat, sentiment, comment, count(*) OVER () AS total "
            "FROM odd ORDER BY abs(sentiment) DESC, completed_at DESC NULLS LAST, response_id LIMIT ?",
            [*params, negative, positive, limit])

    def newest_comment(self) -> date | None:
        """The date of the newest scored comment (None: none)."""
        row = self._one("SELECT CAST(max(completed_at) AS DATE) FROM responses "
                        "JOIN comment_analysis USING (source, response_id)")
        return row[0]



class YouSaidStore(FeatureStore):
    """The "you said, we did" list: a theme, the roadmap action taken, and what to publish."""

    READS = ("you_said", "themes", "roadmap", "people")

    def you_said(self, *, published_only: bool = False) -> pd.DataFrame:
        """The list: item_id, theme_id, theme, action_id, action, action_status, you_said, we_did,
        published, updated_at, updated_by (name)."""
        return self._frame(
            "SELECT y.item_id, y.theme_id, coalesce(t.name, '(removed theme)') AS theme, y.action_id, "
            "a.title AS action, a.status AS action_status, y.you_said, y.we_did, y.published, "
            "y.updated_at, p.name AS updated_by FROM you_said_we_did y "
            "LEFT JOIN themes t USING (theme_id) LEFT JOIN roadmap_actions a USING (action_id) "
            "LEFT JOIN people p ON p.person_id = y.updated_by WHERE NOT ? OR y.published "
            "ORDER BY y.item_id", [published_only])

    def you_said_item(self, item_id: int) -> dict | None:
        """One item or None: theme_id, action_id, you_said, we_did, published, updated_at, updated_by."""
        row = self._one(
            "SELECT y.theme_id, y.action_id, y.you_said, y.we_did, y.published, y.updated_at, p.name "
            "FROM you_said_we_did y LEFT JOIN people p ON p.person_id = y.updated_by WHERE y.item_id = ?",
            [item_id])
        keys = ("theme_id", "action_id", "you_said", "we_did", "published", "updated_at", "updated_by")
        return None if row is None else dict(zip(keys, row, strict=True))

    @writes("you_said")
    def save_you_said(self, item_id: int | None, fields: dict, *, by: int | None, now: datetime) -> int:
        """Insert (item_id None) or replace one item; fields theme_id, action_id, you_said, we_did, published.

        Returns the item's id; raises LookupError when item_id names no item.
        """
        values = [fields["theme_id"], fields["action_id"], fields["you_said"], fields["we_did"],
                  bool(fields["published"]), now, by]
        if item_id is None:
            return int(self._one(
                "INSERT INTO you_said_we_did (theme_id, action_id, you_said, we_did, published, updated_at, "
                "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING item_id", values)[0])
        row = self._one(
            "UPDATE you_said_we_did SET theme_id = ?, action_id = ?, you_said = ?, we_did = ?, "
            "published = ?, "
            "updated_at = ?, updated_by = ? WHERE item_id = ? RETURNING item_id", [*values, item_id])
        if row is None:
            raise LookupError(f"There is no 'you said, we did' item {item_id}.")
        return item_id

    @writes("you_said")
    def remove_you_said(self, item_id: int) -> bool:
        """Remove one item; False when it was already gone."""
        gone = self._one("DELETE FROM you_said_we_did WHERE item_id = ? RETURNING item_id", [item_id])
        return gone is not None
