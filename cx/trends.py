"""Trends: survey measures over time, compared and broken down, with n and 95% intervals.

Everything here works on the small aggregate frames the store returns (counts,
sums and sums of squares per group); nothing reads individual responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from cx.formatting import (
    format_change,
    format_count,
    format_date,
    format_interval,
    format_value,
    period_label,
)
from cx.measures import MEASURES, Measure
from cx.metrics import Comparison, Estimate
from cx.store.filters import DIMENSION_LABELS, DIMENSIONS, Slice

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EMPTY = pd.Series({"responses": 0, "nps_n": 0, "promoters": 0, "detractors": 0, "csat_n": 0,
                    "csat_satisfied": 0, "ces_n": 0, "ces_sum": 0.0, "ces_sumsq": 0.0, "ces_easy": 0,
                    "ces_scale_low": None, "ces_scale": None, "fft_n": 0, "fft_positive": 0,
                    "govmetric_n": 0, "govmetric_good": 0, "govmetric_poor": 0}, dtype="object")


def slice_words(where: Slice, survey_names: dict[str, str]) -> str:
    """The responses a slice includes, in words: "Headline surveys; completed 1 November 2025 to
    30 November 2026; Service: Waste, Parking; every channel, area and customer segment."
    `survey_names` maps a survey's source key to its name."""
    surveys = ("Headline surveys" if where.headline_only else
               ", ".join(survey_names.get(s, s) for s in where.survey) if where.survey else "Every survey")
    dates = ("any date" if where.start is None and where.end is None else
             f"from {format_date(where.start)}" if where.end is None else
             f"to {format_date(where.end)}" if where.start is None else
             f"{format_date(where.start)} to {format_date(where.end)}")
    parts = [surveys, f"completed {dates}"]
    restricted = [d for d in DIMENSIONS if where.values_for(d)]
    parts += [f"{DIMENSION_LABELS[d]}: {', '.join(where.values_for(d))}" for d in restricted]
    parts += [f"{name}: {', '.join(values)}" for name, values in where.extra]
    free = [DIMENSION_LABELS[d].lower() for d in DIMENSIONS if d not in restricted and d != "staff_id"]
    if free:
        parts.append("every " + (free[0] if len(free) == 1 else f"{', '.join(free[:-1])} and {free[-1]}"))
    return "; ".join(parts) + "."


def row_or_empty(rows: pd.DataFrame, **keys: object) -> pd.Series:
    """The aggregate row matching `keys` (e.g. period=date(...)), or an all-zero row."""
    match = rows
    for column, value in keys.items():
        if column == "period":
            match = match[pd.to_datetime(match["period"]) == pd.Timestamp(value)]
        else:
            match = match[match[column] == value]
    return _EMPTY if match.empty else match.iloc[0]


def target_for(targets: pd.DataFrame, metric: str, services: tuple[str, ...] = ()) -> float | None:
    """The target that applies: a service's own when exactly one service is chosen, else the council's."""
    mine = targets[targets["metric"] == metric]
    if len(services) == 1:
        own = mine[mine["service"] == services[0]]
        if not own.empty:
            return float(own["target"].iloc[0])
    council = mine[mine["service"] == ""]
    return None if council.empty else float(council["target"].iloc[0])


def trend_table(rows: pd.DataFrame, metric: str, grain: str, min_n: int,
                target: float | None = None) -> pd.DataFrame:
    """One row per period: period, label, value, low, high, n, reliable, target status in words."""
    measure = MEASURES[metric]
    records = []
    for _, row in rows.iterrows():
        est = measure.estimate(row)
        records.append({
            "period": pd.Timestamp(row["period"]).date(),
            "Period": period_label(pd.Timestamp(row["period"]).date(), grain),
            "value": est.value, "low": est.low, "high": est.high, "n": est.n,
            "reliable": est.is_reliable(min_n),
            "Target": measure.target_status(est.value, target) if est.is_reliable(min_n) else
            f"fewer than {min_n} answers",
        })
    columns = ["period", "Period", "value", "low", "high", "n", "reliable", "Target"]
    return pd.DataFrame.from_records(records, columns=columns)


@dataclass(frozen=True)
class TrendHeadline:
    measure: Measure
    current: Estimate | None
    previous: Estimate | None
    comparison: Comparison | None
    period: str
    previous_period: str
    target: float | None
    min_n: int

    def sentence(self) -> str:
        """The headline in words: value, n, interval, change and its test, target."""
        label = self.measure.label
        if self.current is None:
            return f"No period in this selection has {self.min_n} or more {self.measure.short} answers."
        cur = self.current
        text = (f"{label} in {self.period}: {format_value(cur)} "
                f"(n = {format_count(cur.n)}; {format_interval(cur)})")
        if self.previous is not None and self.previous.value is not None and self.comparison is not None:
            verdict = "a statistically significant change" if self.comparison.significant else \
                "not a statistically significant change"
            text += (f", {format_change(self.comparison.change, cur.unit)} on {self.previous_period} "
                     f"({format_value(self.previous)}, n = {format_count(self.previous.n)}); {verdict} "
                     f"({self.comparison.test} at 95%)")
        else:
            text += f"; no answers in {self.previous_period} to compare with"
        return text + f"; {self.measure.target_status(cur.value, self.target)}."


def headline(rows: pd.DataFrame, metric: str, grain: str, min_n: int, target: float | None) -> TrendHeadline:
    """The newest period with at least `min_n` answers against the period before it.

    Periods below the minimum never headline: the newest reliable one is used.
    """
    measure = MEASURES[metric]
    table = trend_table(rows, metric, grain, min_n)
    reliable = table[table["reliable"]]
    if reliable.empty:
        return TrendHeadline(measure, None, None, None, "", "", target, min_n)
    latest = reliable["period"].iloc[-1]
    earlier = table[table["period"] < latest]
    previous_start = earlier["period"].iloc[-1] if not earlier.empty else _previous_start(latest, grain)
    current, previous, test = measure.compare(row_or_empty(rows, period=latest),
                                              row_or_empty(rows, period=previous_start))
    return TrendHeadline(measure, current, previous, test, period_label(latest, grain),
                         period_label(previous_start, grain), target, min_n)


def _previous_start(start: date, grain: str) -> date:
    offsets = {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1),
               "quarter": pd.DateOffset(months=3), "year": pd.DateOffset(years=1)}
    return (pd.Timestamp(start) - offsets[grain]).date()


@dataclass(frozen=True)
class GroupComparison:
    measure: Measure
    first_label: str
    second_label: str
    first: Estimate
    second: Estimate
    comparison: Comparison
    min_n: int

    def sentence(self) -> str:
        a, b = self.first, self.second
        if not (a.is_reliable(self.min_n) and b.is_reliable(self.min_n)):
            return (f"Too few answers to compare: {self.first_label} n = {format_count(a.n)}, "
                    f"{self.second_label} n = {format_count(b.n)} (each needs {self.min_n}).")
        change = self.comparison.change
        direction = "higher" if change > 0 else "lower"
        verdict = "a statistically significant difference" if self.comparison.significant else \
            "not a statistically significant difference"
        amount = format_change(abs(change), a.unit).removeprefix("up ")
        if abs(change) < 0.05:
            return (f"{self.measure.short}: {self.first_label} and {self.second_label} are level "
                    f"({format_value(a)}); {verdict} ({self.comparison.test} at 95%).")
        return (f"{self.measure.short}: {self.first_label} {format_value(a)} (n = {format_count(a.n)}) is "
                f"{amount} {direction} than {self.second_label} {format_value(b)} "
                f"(n = {format_count(b.n)}); {verdict} ({self.comparison.test} at 95%).")

    def table(self) -> pd.DataFrame:
        rows = []
        for label, est in ((self.first_label, self.first), (self.second_label, self.second)):
            rows.append({"Group": label, self.measure.short: format_value(est), "n": format_count(est.n),
                         "95% interval": format_interval(est).removeprefix("95% interval ")})
        marker = "✱ significant" if self.comparison.significant else "not significant"
        rows.append({"Group": "Difference (first − second)",
                     self.measure.short: format_change(self.comparison.change, self.first.unit),
                     "n": "", "95% interval": marker})
        return pd.DataFrame(rows)


def compare_groups(metric: str, first: tuple[str, pd.Series], second: tuple[str, pd.Series],
                   min_n: int) -> GroupComparison:
    """Compare two groups (services, channels or periods) with the measure's two-sample test."""
    measure = MEASURES[metric]
    a, b, test = measure.compare(first[1], second[1])
    return GroupComparison(measure, first[0], second[0], a, b, test, min_n)


def breakdown_table(rows: pd.DataFrame, metric: str, dimension: str, min_n: int, *,
                    hide_small: bool = False) -> tuple[pd.DataFrame, int]:
    """One row per group with value, interval and n, best first; and how many groups were hidden.

    hide_small leaves out groups below `min_n` entirely (used for staff members, so a
    handful of answers never singles a person out).
    """
    measure, records = MEASURES[metric], []
    for _, row in rows.iterrows():
        est = measure.estimate(row)
        if est.value is None:
            continue
        records.append({"group": "(not recorded)" if pd.isna(row[dimension]) else str(row[dimension]),
                        "value": est.value, "low": est.low, "high": est.high, "n": est.n,
                        "reliable": est.is_reliable(min_n)})
    table = pd.DataFrame.from_records(records, columns=["group", "value", "low", "high", "n", "reliable"])
    hidden = 0
    if hide_small:
        hidden = int((~table["reliable"]).sum())
        table = table[table["reliable"]]
    return table.sort_values(["reliable", "value"], ascending=False).reset_index(drop=True), hidden


def weekday_hour_table(rows: pd.DataFrame, metric: str, min_n: int) -> pd.DataFrame:
    """Long table weekday (name), hour, value, n, reliable for every day × hour with answers."""
    measure, records = MEASURES[metric], []
    for _, row in rows.iterrows():
        est = measure.estimate(row)
        if est.value is None:
            continue
        records.append({"Day": WEEKDAYS[int(row["weekday"]) - 1], "Hour": int(row["hour"]),
                        "value": est.value, "n": est.n, "reliable": est.is_reliable(min_n)})
    return pd.DataFrame.from_records(records, columns=["Day", "Hour", "value", "n", "reliable"])


def kpi_table(totals: pd.DataFrame, grain: str, targets: pd.DataFrame | None = None,
              services: tuple[str, ...] = ()) -> pd.DataFrame:
    """KPI ratios per period from summed numerators and denominators, with target words.

    `targets` is a `SurveyStore.targets` frame (None: no targets); the one that applies to
    `services` is used (see `target_for`).

    Columns period, Period, code, Measure, value, low, high, n (the denominator), Target.
    """
    records = []
    for _, row in totals.iterrows():
        measure = MEASURES[row["metric"]]
        if not row["denominator"] or row["denominator"] <= 0:
            continue
        est = measure.estimate(row)
        target = None if targets is None else target_for(targets, measure.code, services)
        words = measure.target_status(est.value, target)
        start = pd.Timestamp(row["period"]).date()
        records.append({"period": start, "Period": period_label(start, grain), "code": measure.code,
                        "Measure": measure.label, "value": est.value, "low": est.low, "high": est.high,
                        "n": est.n, "Target": words})
    return pd.DataFrame.from_records(
        records, columns=["period", "Period", "code", "Measure", "value", "low", "high", "n", "Target"])


def display_table(table: pd.DataFrame, measure_unit: str, *, group_column: str = "Period") -> pd.DataFrame:
    """A chart's table view in words: value, 95% interval and n, one row per point."""
    def shown(value: float | None) -> str:
        return format_value(Estimate("", value, 0, None, None, measure_unit))

    out = pd.DataFrame({
        group_column: table[group_column],
        "Value": [shown(v) if pd.notna(v) else "–" for v in table["value"]],
        "95% interval": [f"{shown(lo)} to {shown(hi)}" if pd.notna(lo) and pd.notna(hi) else ""
                         for lo, hi in zip(table["low"], table["high"], strict=True)],
        "n": table["n"].astype(int),
    })
    if "Target" in table:
        out["Target"] = table["Target"]
    return out
