"""The programme at a glance: latest headline figures against the previous period.

Everything here is computed from small aggregates returned by the store; nothing
reads raw responses. Survey figures come only from the surveys the council marks as
feeding its headline measures, so adding a service survey or an FFT export leaves
them as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from cx import trends
from cx.formatting import format_change, format_count, format_interval, format_value, period_label
from cx.measures import CORE_SURVEY_MEASURES, MEASURES, SURVEY_MEASURES, Measure
from cx.metrics import Comparison, Estimate
from cx.store import Store
from cx.store.filters import Slice

_OFFSETS = {"month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}


@dataclass(frozen=True)
class Headline:
    """One metric in the latest period, the previous period, and the change between them."""

    label: str
    current: Estimate
    previous: Estimate
    comparison: Comparison
    period: str
    previous_period: str

    def reliable(self, min_n: int) -> bool:
        return self.current.is_reliable(min_n)

    def sentence(self, min_n: int) -> str:
        """The headline in words, for screen readers and for the projector."""
        cur, prev = self.current, self.previous
        if cur.value is None:
            return f"No {self.label} answers in {self.period}."
        base = (
            f"{self.label} in {self.period}: {format_value(cur)} "
            f"(n = {format_count(cur.n)}; {format_interval(cur)})"
        )
        if not cur.is_reliable(min_n):
            return base + f", fewer than {min_n} answers, so too uncertain to headline."
        if prev.value is None:
            return base + f"; no answers in {self.previous_period} to compare with."
        verdict = (
            "a statistically significant change" if self.comparison.significant
            else "not a statistically significant change"
        )
        return (
            base + f", {format_change(self.comparison.change, cur.unit)} on {self.previous_period} "
            f"({format_value(prev)}, n = {format_count(prev.n)}); {verdict} "
            f"({self.comparison.test} at 95%)."
        )


@dataclass(frozen=True)
class KpiHeadline:
    definition: Measure
    current: Estimate
    previous: Estimate
    numerator: float
    denominator: float
    period: str
    previous_period: str
    target: float | None = None

    @property
    def change(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return self.current.value - self.previous.value

    @property
    def on_target(self) -> bool | None:
        return self.definition.meets(self.current.value, self.target)

    def sentence(self) -> str:
        d, cur = self.definition, self.current
        if cur.value is None:
            return f"No {d.label.lower()} figures for {self.period}."
        status = {True: "on target", False: "off target", None: "no target"}[self.on_target]
        unit = cur.unit
        return (
            f"{d.label} in {self.period}: {format_value(cur)} "
            f"({format_count(self.numerator)} {d.numerator_label} of "
            f"{format_count(self.denominator)} {d.denominator_label}), "
            f"{format_change(self.change, unit)} on {self.previous_period}; "
            f"{status} ({d.target_words(self.target)})."
        )


@dataclass(frozen=True)
class Overview:
    grain: str
    period_start: date
    period: str
    previous_period: str
    newest_response: datetime | None
    partial_period: bool
    headlines: tuple[Headline, ...]
    responses: int
    previous_responses: int
    monthly_volume: pd.DataFrame
    contact_centre: tuple[KpiHeadline, ...]
    engagement: KpiHeadline | None
    newest_kpi_period: date | None
    total_responses: int


def build_overview(store: Store, grain: str = "month") -> Overview | None:
    """Headlines for the latest `grain` ('month' or 'quarter') with data against the one before.

    Returns None when the database holds neither responses nor KPI figures, so the
    page can explain how to add data instead of drawing empty charts.
    Raises ValueError for another grain.
    """
    if grain not in _OFFSETS:
        raise ValueError(f"The overview compares months or quarters, not {grain!r}.")
    surveys = store.surveys
    fresh = surveys.freshness(Slice(headline_only=True))
    if fresh.responses == 0 and fresh.kpi_observations == 0:
        return None
    newest = fresh.newest_response or datetime.combine(fresh.newest_kpi_period, datetime.min.time())
    current_start = _period_start(newest.date(), grain)
    previous_start = (pd.Timestamp(current_start) - _OFFSETS[grain]).date()
    next_start = (pd.Timestamp(current_start) + _OFFSETS[grain]).date()
    period, previous_period = period_label(current_start, grain), period_label(previous_start, grain)

    rows = surveys.metrics(
        Slice(start=previous_start, end=(pd.Timestamp(next_start) - pd.Timedelta(days=1)).date(),
              headline_only=True),
        grain=grain,
    )
    current = trends.row_or_empty(rows, period=current_start)
    previous = trends.row_or_empty(rows, period=previous_start)
    headlines = tuple(
        Headline(MEASURES[code].label, *MEASURES[code].compare(current, previous), period, previous_period)
        for code in headline_measures(current, previous)
    )
    volume = surveys.metrics(Slice(headline_only=True), grain="month")[["period", "responses"]]
    targets = surveys.targets()
    contact = tuple(
        h for h in (_kpi_headline(store, MEASURES[code], targets)
                    for code in ("answered_within_20s", "abandoned"))
        if h is not None
    )
    return Overview(
        grain=grain,
        period_start=current_start,
        period=period,
        previous_period=previous_period,
        newest_response=fresh.newest_response,
        partial_period=fresh.newest_response is not None
        and (pd.Timestamp(next_start) - pd.Timestamp(fresh.newest_response)).days >= 3,
        headlines=headlines,
        responses=int(current["responses"]),
        previous_responses=int(previous["responses"]),
        monthly_volume=volume,
        contact_centre=contact,
        engagement=_kpi_headline(store, MEASURES["employee_engagement"], targets),
        newest_kpi_period=fresh.newest_kpi_period,
        total_responses=fresh.responses,
    )


def headline_measures(current: pd.Series, previous: pd.Series) -> tuple[str, ...]:
    """NPS, CSAT and CES always; FFT and net satisfaction when the headline surveys hold answers to them."""
    extra = tuple(code for code in SURVEY_MEASURES if code not in CORE_SURVEY_MEASURES
                  and int(current[f"{code}_n"]) + int(previous[f"{code}_n"]) > 0)
    return CORE_SURVEY_MEASURES + extra


def _period_start(day: date, grain: str) -> date:
    if grain == "month":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _kpi_headline(store: Store, definition: Measure, targets: pd.DataFrame) -> KpiHeadline | None:
    grain = definition.grain
    totals = store.surveys.kpi_totals([definition.code], grain=grain)
    totals = totals[totals["denominator"] > 0]
    if totals.empty:
        return None
    latest = totals.iloc[-1]
    latest_start = pd.Timestamp(latest["period"]).date()
    previous_start = (pd.Timestamp(latest_start) - _OFFSETS[grain]).date()
    before = totals[pd.to_datetime(totals["period"]) == pd.Timestamp(previous_start)]
    previous = (definition.estimate(before.iloc[0]) if not before.empty
                else Estimate(definition.label, None, 0, None, None, definition.unit))
    return KpiHeadline(
        definition,
        definition.estimate(latest),
        previous,
        float(latest["numerator"]),
        float(latest["denominator"]),
        period_label(latest_start, grain),
        period_label(previous_start, grain),
        trends.target_for(targets, definition.code),
    )
