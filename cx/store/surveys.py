"""Survey responses and KPI observations: the aggregates every evidence page reads.

DuckDB does the grouping: every query returns a small frame of counts, sums and
sums of squares per group, never the raw responses. The only identifiers composed
into SQL come from fixed whitelists (`DIMENSIONS`, `GRAINS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from cx.store.base import FeatureStore, writes
from cx.store.filters import DIMENSIONS, Slice

GRAINS: tuple[str, ...] = ("week", "month", "quarter", "year")

# CES is kept on the scale each survey asked it on: the sums are of raw answers, and
# `ces_scale_low` / `ces_scale` show whether one scale or two went into them (two are
# never averaged; cx.measures refuses the mean). "Easy" is the top two of five or the
# top three of seven. GovMetric answers are 1 poor, 2 average, 3 good. FFT answers of "Don't know"
# count among all FFT answers (fft_n) but are never positive.
_CES_EASY = "ces >= CASE WHEN ces_scale = 5 THEN 4 ELSE 5 END"

SURVEY_AGGREGATES = f"""
    count(*)                        AS responses,
    count(nps)                      AS nps_n,
    count(*) FILTER (nps >= 9)      AS promoters,
    count(*) FILTER (nps <= 6)      AS detractors,
    count(csat)                     AS csat_n,
    count(*) FILTER (csat >= 4)     AS csat_satisfied,
    count(ces)                      AS ces_n,
    coalesce(sum(ces), 0)           AS ces_sum,
    coalesce(sum(ces * ces), 0)     AS ces_sumsq,
    count(*) FILTER ({_CES_EASY})   AS ces_easy,
    min(ces_scale)                  AS ces_scale_low,
    max(ces_scale)                  AS ces_scale,
    count(fft) + count(*) FILTER (fft_dont_know) AS fft_n,
    count(*) FILTER (fft >= 4)      AS fft_positive,
    count(govmetric)                AS govmetric_n,
    count(*) FILTER (govmetric = 3) AS govmetric_good,
    count(*) FILTER (govmetric = 1) AS govmetric_poor
"""
KPI_TOTAL_COLUMNS = ["period", "metric", "numerator", "denominator", "value", "services"]


@dataclass(frozen=True)
class DataFreshness:
    newest_response: datetime | None
    newest_kpi_period: date | None
    responses: int
    kpi_observations: int


class SurveyStore(FeatureStore):
    """Read the survey and KPI aggregates; set the survey targets."""

    READS = ("surveys", "kpis", "targets", "case_rules")  # surveys: responses and the survey records

    def freshness(self, where: Slice = Slice()) -> DataFreshness:
        """Newest response time and count of responses in `where`, newest KPI period and KPI count."""
        condition, params = slice_condition(where)
        responses, newest = self._one("SELECT count(*), max(completed_at) FROM responses WHERE " + condition,
                                      params)
        kpis, newest_kpi = self._one("SELECT count(*), max(period_start) FROM kpi_observations")
        return DataFreshness(newest, newest_kpi, responses, kpis)

    def metrics(self, where: Slice = Slice(), *, grain: str | None = None,
                by: Sequence[str] = ()) -> pd.DataFrame:
        """Counts behind NPS, CSAT, CES and FFT, grouped by period and/or dimensions.

        grain: 'week', 'month', 'quarter' or 'year' adds a `period` column (the
        start of each period); None gives no period split. by: dimension columns from
        `DIMENSIONS`. Returns one row per group with the columns named in
        `SURVEY_AGGREGATES`; an ungrouped call always returns exactly one row.
        Raises ValueError for an unknown grain or dimension.
        """
        keys, params = [], []
        if grain is not None:
            keys.append(period_expression(grain, "completed_at"))
            params.append(grain)
        for dimension in by:
            if dimension not in DIMENSIONS:
                raise ValueError(f"Cannot group by {dimension!r}; choose from {DIMENSIONS}.")
            keys.append(dimension)
        condition, where_params = slice_condition(where)
        if grain is not None:
            condition += " AND completed_at IS NOT NULL"
        columns = (["period"] if grain is not None else []) + list(by)
        select = ", ".join(f"{k} AS {c}" for k, c in zip(keys, columns, strict=True))
        sql = "SELECT " + (select + ", " if select else "") + SURVEY_AGGREGATES
        sql += " FROM responses WHERE " + condition
        if keys:
            positions = ", ".join(str(i + 1) for i in range(len(keys)))
            sql += " GROUP BY " + positions + " ORDER BY " + positions
        return self._frame(sql, params + where_params)

    def by_weekday_hour(self, where: Slice = Slice()) -> pd.DataFrame:
        """Survey counts per ISO weekday (1 = Monday) and hour of completion (0-23).

        Columns weekday, hour and those of `SURVEY_AGGREGATES`; only combinations with
        responses appear.
        """
        condition, params = slice_condition(where)
        return self._frame(
            "SELECT isodow(completed_at) AS weekday, hour(completed_at) AS hour, " + SURVEY_AGGREGATES
            + " FROM responses WHERE completed_at IS NOT NULL AND " + condition
            + " GROUP BY 1, 2 ORDER BY 1, 2",
            params,
        )

    def kpi_totals(self, metrics: Sequence[str], *, grain: str = "month", services: Sequence[str] = (),
                   start: date | None = None, end: date | None = None) -> pd.DataFrame:
        """KPI numerators and denominators summed per period and metric.

        Ratios must be recomputed from these sums (sum of numerators over sum of
        denominators); averaging percentages across services or months is wrong.
        Observations recorded at the requested grain or a finer one roll up into it;
        coarser ones (a quarterly survey when months are asked for) are left out
        rather than pinned to one month. Returns `KPI_TOTAL_COLUMNS` (services:
        how many distinct services contributed).
        """
        if not metrics:
            return pd.DataFrame(columns=KPI_TOTAL_COLUMNS)
        period = period_expression(grain, "period_start")
        finer_grains = list(GRAINS[: GRAINS.index(grain) + 1])
        services = list(services)
        return self._frame(
            "SELECT " + period + " AS period, metric, sum(numerator) AS numerator, "
            "sum(denominator) AS denominator, sum(value) AS value, "
            "count(DISTINCT service) AS services "
            "FROM kpi_observations WHERE metric IN (SELECT unnest(?)) "
            "AND period_grain IN (SELECT unnest(?)) "
            "AND (len(?) = 0 OR service IN (SELECT unnest(?))) "
            "AND (? IS NULL OR period_start >= ?) AND (? IS NULL OR period_start <= ?) "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            [grain, list(metrics), finer_grains, services, services, start, start, end, end],
        )

    def values(self, dimension: str, where: Slice = Slice()) -> list[str]:
        """The values of one dimension present in the responses of `where`, sorted, NULL left out."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"Unknown dimension {dimension!r}; choose from {DIMENSIONS}.")
        condition, params = slice_condition(where)
        rows = self._execute(
            "SELECT DISTINCT " + dimension + " FROM responses WHERE " + dimension
            + " IS NOT NULL AND " + condition + " ORDER BY 1", params
        ).fetchall()
        return [row[0] for row in rows]

    def extra_attributes(self, where: Slice = Slice(), *, max_values: int = 50) -> pd.DataFrame:
        """Imported attribute names with their values in `where`, for filters: columns name, value, responses.

        Attributes with more than `max_values` distinct values (free text, ids) are
        left out: they cannot be offered as a list to choose from. So are the columns a
        follow-up rule names as customers' email or phone (cx.cases): in a small survey
        they would otherwise be offered to everyone as a list of contact details.
        """
        condition, params = slice_condition(where)
        return self._frame(
            """
            WITH contact AS (
                SELECT email_column AS name FROM case_rules WHERE email_column IS NOT NULL
                UNION SELECT phone_column FROM case_rules WHERE phone_column IS NOT NULL
            ),
            pairs AS (
                SELECT entry.key AS name, entry.value AS value, count(*) AS responses
                FROM (SELECT unnest(map_entries(extra)) AS entry FROM responses
                      WHERE extra IS NOT NULL AND """ + condition + """)
                WHERE entry.value IS NOT NULL AND trim(entry.value) <> ''
                GROUP BY 1, 2
            )
            SELECT name, value, responses FROM pairs
            WHERE name IN (SELECT name FROM pairs GROUP BY name HAVING count(*) <= ?)
              AND name NOT IN (SELECT name FROM contact)
            ORDER BY name, value
            """,
            [*params, max_values],
        )

    def facets(self, *, max_values: int = 11) -> pd.DataFrame:
        """Imported attributes that look like rating questions: columns name, answers, lowest, highest.

        A facet's every non-blank value is a number, with between 2 and
        `max_values` distinct values (a 1-5 or 0-10 scale); ordered by name.
        """
        return self._frame(
            """
            WITH pairs AS (
                SELECT entry.key AS name, trim(entry.value) AS value
                FROM (SELECT unnest(map_entries(extra)) AS entry FROM responses WHERE extra IS NOT NULL)
                WHERE entry.value IS NOT NULL AND trim(entry.value) <> ''
            )
            SELECT name, count(*) AS answers, min(TRY_CAST(value AS DOUBLE)) AS lowest,
                   max(TRY_CAST(value AS DOUBLE)) AS highest
            FROM pairs GROUP BY name
            HAVING count(TRY_CAST(value AS DOUBLE)) = count(*) AND count(DISTINCT value) BETWEEN 2 AND ?
            ORDER BY name
            """,
            [max_values],
        )

    def driver_patterns(self, outcome: str, facets: Sequence[str], where: Slice = Slice()) -> pd.DataFrame:
        """Distinct answer patterns of the outcome and facets, with how many responses gave each.

        outcome: 'csat' or 'nps'. Only responses that answered the outcome and
        every facet (as a number) count. Columns: outcome, facet_0, facet_1, ...
        (the facets in the order given), responses. Raises ValueError for another outcome or no facets.
        """
        if outcome not in ("csat", "nps"):
            raise ValueError(f"Cannot explain {outcome!r}; choose csat or nps.")
        if not facets:
            raise ValueError("Choose at least one facet.")
        condition, params = slice_condition(where)
        aliases = [f"facet_{i}" for i in range(len(facets))]
        casts = ", ".join(f"TRY_CAST(extra[?] AS DOUBLE) AS {a}" for a in aliases)
        complete = " AND ".join(f"{a} IS NOT NULL" for a in aliases)
        return self._frame(
            "SELECT outcome, " + ", ".join(aliases) + ", count(*) AS responses FROM ("
            "SELECT CAST(" + outcome + " AS DOUBLE) AS outcome, " + casts + " FROM responses WHERE "
            + condition + " AND " + outcome + " IS NOT NULL) WHERE " + complete
            + " GROUP BY ALL ORDER BY ALL",
            [*facets, *params],
        )

    def comments(self, where: Slice = Slice(), *, search: str = "", limit: int = 25,
                 offset: int = 0) -> pd.DataFrame:
        """One page of comments in the slice: unhappy customers first, then newest first.

        Unhappy = NPS detractor (0-6) or CSAT 1-2. `search` matches anywhere in the
        comment, ignoring case, taken literally (no wildcards). Columns completed_at,
        service, channel, nps, csat, unhappy, comment.
        """
        condition, params = slice_condition(where)
        return self._frame(
            "SELECT completed_at, service, channel, nps, csat, "
            "coalesce(nps <= 6 OR csat <= 2, FALSE) AS unhappy, comment FROM responses "
            "WHERE comment IS NOT NULL AND trim(comment) <> '' AND " + condition
            + " AND (? = '' OR contains(lower(comment), lower(?))) "
            "ORDER BY unhappy DESC, completed_at DESC NULLS LAST, response_id LIMIT ? OFFSET ?",
            [*params, search, search, limit, offset],
        )

    def comment_count(self, where: Slice = Slice(), *, search: str = "") -> int:
        """How many comments `comments` would page through."""
        condition, params = slice_condition(where)
        return int(self._one(
            "SELECT count(*) FROM responses WHERE comment IS NOT NULL AND trim(comment) <> '' AND "
            + condition + " AND (? = '' OR contains(lower(comment), lower(?)))",
            [*params, search, search],
        )[0])

    def targets(self, metrics: Sequence[str] = ()) -> pd.DataFrame:
        """Targets of `metrics` (or all): columns metric, service ('' = all services), target, source_note."""
        metrics = list(metrics)
        return self._frame(
            "SELECT metric, service, target, source_note FROM measure_targets "
            "WHERE len(?) = 0 OR metric IN (SELECT unnest(?)) ORDER BY metric, service",
            [metrics, metrics])

    def target(self, metric: str, service: str) -> dict | None:
        """One target with who set it: target, source_note, updated_at, updated_by (name); None when none."""
        row = self._one(
            "SELECT t.target, t.source_note, t.updated_at, p.name FROM measure_targets t "
            "LEFT JOIN people p ON p.person_id = t.updated_by WHERE t.metric = ? AND t.service = ?",
            [metric, service],
        )
        if row is None:
            return None
        return dict(zip(("target", "source_note", "updated_at", "updated_by"), row, strict=True))

    @writes("targets")
    def set_target(self, metric: str, service: str, target: float | None, *,
                   updated_by: int | None, now: datetime, source_note: str = "") -> None:
        """Set, or with target None remove, one target; service '' means every service.

        Values are not checked here: `cx.measures.save_target` checks them first.
        """
        if target is None:
            self._execute("DELETE FROM measure_targets WHERE metric = ? AND service = ?",
                          [metric, service])
            return
        self._execute(
            "INSERT INTO measure_targets VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (metric, service) "
            "DO UPDATE SET target = excluded.target, source_note = excluded.source_note, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [metric, service, float(target), source_note, now, updated_by],
        )


def period_expression(grain: str, column: str) -> str:
    """SQL for the start of the period holding `column`; the grain is bound as the first `?`."""
    if grain not in GRAINS:
        raise ValueError(f"Unknown period {grain!r}; choose from {GRAINS}.")
    return "CAST(date_trunc(?, " + column + ") AS DATE)"


def slice_condition(where: Slice) -> tuple[str, list]:
    """A WHERE condition (never empty) and its parameters for a Slice."""
    parts, params = ["TRUE"], []
    if where.start is not None:
        parts.append("completed_at >= ?")
        params.append(where.start)
    if where.end is not None:
        # Inclusive end date: everything before the following midnight.
        parts.append("completed_at < CAST(? AS DATE) + INTERVAL 1 DAY")
        params.append(where.end)
    for dimension in DIMENSIONS:
        values = where.values_for(dimension)
        if values:
            parts.append(dimension + " IN (SELECT unnest(?))")
            params.append(list(values))
    if where.survey:
        parts.append("source IN (SELECT unnest(?))")
        params.append(list(where.survey))
    if where.headline_only:
        parts.append("source NOT IN (SELECT source FROM surveys WHERE NOT headline)")
    for name, values in where.extra:
        parts.append("extra[?] IN (SELECT unnest(?))")
        params.extend([name, list(values)])
    return " AND ".join(parts), params
