"""The programme at a glance: latest headline figures against the previous period.

Everything here is computed from small aggregates returned by the store; nothing
reads raw responses. Survey figures come only from the surveys the council marks as
feeding its headline measures, so adding a service survey or an FFT export leaves
them as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from cx import trends
from cx.formatting import (
    format_change,
    format_count,
    format_date,
    format_interval,
    format_value,
    period_label,
)
from cx.measures import CORE_SURVEY_MEASURES, MEASURES, SURVEY_MEASURES, Measure, Verdict
from cx.metrics import Comparison, Estimate
from cx.store import Store
from cx.store.filters import Slice

_OFFSETS = {"month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}
SPARK_MONTHS = 12  # the trend line beside each headline: the last twelve months with data


@dataclass(frozen=True)
class Headline:
    """One metric in the latest period, the previous period, and the change between them."""

    label: str
    current: Estimate
    previous: Estimate
    comparison: Comparison
    period: str
    previous_period: str
    code: str = ""
    target: float | None = None
    history: tuple[Estimate, ...] = ()  # the last SPARK_MONTHS months, oldest first

    @property
    def measure(self) -> Measure:
        return MEASURES[self.code]

    def reliable(self, min_n: int) -> bool:
        return self.current.is_reliable(min_n)

    def verdict(self, min_n: int) -> Verdict:
        """Significantly better / worse / no significant change; no comparison when too few answers."""
        if not self.reliable(min_n) or self.previous.value is None:
            return self.measure.verdict(Comparison(None, None, False, self.comparison.test))
        return self.measure.verdict(self.comparison)

    def target_words(self) -> str:
        """'✓ on target (target 90% or more)' / '✗ off target (...)' / 'no target set'."""
        return self.measure.target_status(self.current.value, self.target) or "no target set"

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
        target = f"; {self.target_words()}."
        if prev.value is None:
            return base + f"; no answers in {self.previous_period} to compare with" + target
        verdict = (
            "a statistically significant change" if self.comparison.significant
            else "not a statistically significant change"
        )
        return (
            base + f", {format_change(self.comparison.change, cur.unit)} on {self.previous_period} "
            f"({format_value(prev)}, n = {format_count(prev.n)}); {verdict} "
            f"({self.comparison.test} at 95%)" + target
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
    comparison: Comparison | None = None  # None when the measure has no two-sample test (waits)
    history: tuple[Estimate, ...] = ()  # the last SPARK_MONTHS periods, oldest first

    @property
    def verdict(self) -> Verdict:
        """Significantly better / worse / no significant change on the previous period."""
        if self.comparison is None:
            return self.definition.verdict(Comparison(self.change, None, False, ""))
        return self.definition.verdict(self.comparison)

    @property
    def change(self) -> float | None:
        if self.current.value is None or self.previous.value is None:
            return None
        return self.current.value - self.previous.value

    def target_words(self) -> str:
        """'✓ on target (target 80% or more)' / '✗ off target (...)' / 'no target set'."""
        return self.definition.target_status(self.current.value, self.target) or "no target set"

    def sentence(self) -> str:
        d, cur = self.definition, self.current
        if cur.value is None:
            return f"No {d.label.lower()} figures for {self.period}."
        unit = cur.unit
        return (
            f"{d.label} in {self.period}: {format_value(cur)} "
            f"({format_count(self.numerator)} {d.numerator_label} of "
            f"{format_count(self.denominator)} {d.denominator_label}), "
            f"{format_change(self.change, unit)} on {self.previous_period}; "
            f"{self.target_words()}."
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
    comparison_words: str = ""  # which days are compared with which, in words


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
    window = comparison_window(newest.date(), grain, complete=fresh.newest_response is None)
    rows = surveys.metrics(Slice(start=window.start, end=window.end, headline_only=True))
    before = surveys.metrics(Slice(start=window.previous_start, end=window.previous_end, headline_only=True))
    current, previous = trends.row_or_empty(rows), trends.row_or_empty(before)
    monthly = surveys.metrics(Slice(headline_only=True), grain="month")
    targets = surveys.targets()
    headlines = tuple(
        Headline(MEASURES[code].label, *MEASURES[code].compare(current, previous), window.period,
                 window.previous_period, code, trends.target_for(targets, code, ()),
                 _history(monthly, MEASURES[code]))
        for code in headline_measures(current, previous)
    )
    contact = tuple(
        h for h in (_kpi_headline(store, MEASURES[code], targets)
                    for code in ("answered_within_20s", "abandoned"))
        if h is not None
    )
    return Overview(
        grain=grain,
        period_start=window.start,
        period=window.period,
        previous_period=window.previous_period,
        newest_response=fresh.newest_response,
        partial_period=window.partial,
        headlines=headlines,
        responses=int(current["responses"]),
        previous_responses=int(previous["responses"]),
        monthly_volume=monthly[["period", "responses"]],
        contact_centre=contact,
        engagement=_kpi_headline(store, MEASURES["employee_engagement"], targets),
        newest_kpi_period=fresh.newest_kpi_period,
        total_responses=fresh.responses,
        comparison_words=window.words(),
    )


def headline_measures(current: pd.Series, previous: pd.Series) -> tuple[str, ...]:
    """NPS, CSAT and CES always; FFT and net satisfaction when the headline surveys hold answers to them."""
    extra = tuple(code for code in SURVEY_MEASURES if code not in CORE_SURVEY_MEASURES
                  and int(current[f"{code}_n"]) + int(previous[f"{code}_n"]) > 0)
    return CORE_SURVEY_MEASURES + extra


@dataclass(frozen=True)
class Window:
    """The days the headlines cover and the like-for-like days they are compared with (inclusive)."""

    grain: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    partial: bool

    @property
    def period(self) -> str:
        label = period_label(self.start, self.grain)
        return f"{label} so far" if self.partial else label

    @property
    def previous_period(self) -> str:
        label = period_label(self.previous_start, self.grain)
        return f"the same days of {label}" if self.partial else label

    def words(self) -> str:
        """The comparison in one sentence, naming the days when a period is still running."""
        if not self.partial:
            return (f"{period_label(self.start, self.grain)} against "
                    f"{period_label(self.previous_start, self.grain)}: two complete {self.grain}s.")
        return (f"{period_label(self.start, self.grain)} is not over yet, so its first "
                f"{(self.end - self.start).days + 1} days ({_span(self.start, self.end)}) are compared "
                f"with the same days of {period_label(self.previous_start, self.grain)} "
                f"({_span(self.previous_start, self.previous_end)}).")


def comparison_window(newest: date, grain: str, *, complete: bool = False) -> Window:
    """The period holding `newest` and the like-for-like days before it.

    A period counts as complete when the newest data falls in its last three days
    (or `complete` is set, for KPI-only databases recorded a month at a time); then
    it is compared with the whole previous period. Otherwise the days so far are
    compared with the same number of days from the start of the previous period,
    never running past that period's end.
    """
    start = _period_start(newest, grain)
    next_start = (pd.Timestamp(start) + _OFFSETS[grain]).date()
    previous_start = (pd.Timestamp(start) - _OFFSETS[grain]).date()
    period_end = next_start - timedelta(days=1)
    if complete or (next_start - newest).days <= 3:
        return Window(grain, start, period_end, previous_start, start - timedelta(days=1), False)
    same_days = min(previous_start + (newest - start), start - timedelta(days=1))
    return Window(grain, start, newest, previous_start, same_days, True)


def _span(first: date, last: date) -> str:
    return f"{format_date(first)} to {format_date(last)}"


def _history(monthly: pd.DataFrame, definition: Measure) -> tuple[Estimate, ...]:
    """The measure in each of the last SPARK_MONTHS months with data, oldest first."""
    return tuple(definition.estimate(row) for _, row in monthly.tail(SPARK_MONTHS).iterrows())


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
    comparison = None
    if definition.unit == "%" and not before.empty:
        comparison = definition.compare(latest, before.iloc[0])[2]
    return KpiHeadline(
        definition,
        definition.estimate(latest),
        previous,
        float(latest["numerator"]),
        float(latest["denominator"]),
        period_label(latest_start, grain),
        period_label(previous_start, grain),
        trends.target_for(targets, definition.code),
        comparison,
        tuple(definition.estimate(row) for _, row in totals.tail(SPARK_MONTHS).iterrows()),
    )
