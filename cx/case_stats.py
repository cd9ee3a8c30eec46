"""The team's follow-up figures: cases by status, and the share closed within the standard.

Whether a case met the standard is known once it is closed or its due date has
passed; cases still open and not yet due are left out of the share (they are
counted as "open, not yet due"). The share is closed-on-time over those decided
cases, with its Wilson 95% interval and n, per service and per month opened.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from cx import charts
from cx.formatting import format_interval, format_value, period_label
from cx.metrics import proportion
from cx.status import CASE_STATUSES

SHARE_LABEL = "% closed within the standard"


def with_share(counts: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Counts (from `store.cases.status_counts` or `monthly_counts`) with value, low, high (percent),
    n (decided cases), reliable (n >= min_n) and not_yet_due columns."""
    frame = counts.copy()
    estimates = [proportion(SHARE_LABEL, int(w), int(n))
                 for w, n in zip(frame["within_standard"], frame["decided"], strict=True)]
    frame["value"] = [e.value for e in estimates]
    frame["low"] = [e.low for e in estimates]
    frame["high"] = [e.high for e in estimates]
    frame["n"] = frame["decided"].astype(int)
    frame["reliable"] = frame["n"] >= min_n
    frame["not_yet_due"] = (frame["cases"] - frame["decided"]).astype(int)
    frame["estimate"] = estimates
    return frame


def _share_words(estimate) -> tuple[str, str]:
    return format_value(estimate), format_interval(estimate)


def service_table(counts: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The team view by service, in words: counts per status and the share within the standard."""
    frame = with_share(counts, min_n)
    table = pd.DataFrame({"Service": frame["service"], "Cases": frame["cases"].astype(int)})
    for status in CASE_STATUSES:
        table[status.tag] = frame[status.code].astype(int)
    table["Open and overdue"] = frame["open_overdue"].astype(int)
    return _with_share_columns(table, frame, min_n)


def month_table(counts: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The share within the standard per month opened, in words, oldest first."""
    frame = with_share(counts, min_n)
    table = pd.DataFrame({"Month opened": [period_label(m, "month") for m in frame["month"]],
                          "Cases": frame["cases"].astype(int)})
    return _with_share_columns(table, frame, min_n)


def _with_share_columns(table: pd.DataFrame, frame: pd.DataFrame, min_n: int) -> pd.DataFrame:
    words = [_share_words(e) for e in frame["estimate"]]
    table[SHARE_LABEL] = [w[0] for w in words]
    table["95% interval"] = [w[1].removeprefix("95% interval ") for w in words]
    table["n (closed or past due)"] = frame["n"]
    table["Open, not yet due"] = frame["not_yet_due"]
    table["Reliable"] = ["yes" if r else f"no: fewer than {min_n}" for r in frame["reliable"]]
    return table


def team_totals(counts: pd.DataFrame, min_n: int):
    """The whole team's share within the standard (an Estimate), summing the services' counts."""
    decided = int(counts["decided"].sum()) if len(counts) else 0
    within = int(counts["within_standard"].sum()) if len(counts) else 0
    return proportion(SHARE_LABEL, within, decided)


def month_chart(counts: pd.DataFrame, standard_words: str, min_n: int) -> go.Figure:
    """The share closed within the standard by month opened, with 95% band; thin months greyed."""
    frame = with_share(counts, min_n)
    frame["period"] = pd.to_datetime(frame["month"])
    frame["Period"] = [period_label(m, "month") for m in frame["month"]]
    fig = charts.trend_chart(frame[["period", "Period", "value", "low", "high", "n", "reliable"]],
                             SHARE_LABEL, "% of cases", None, min_n)
    return fig.update_layout(title_text=charts.plain(
        f"Cases closed within {standard_words}, by month opened, with 95% intervals"))


def open_counts(counts: pd.DataFrame) -> dict[str, int]:
    """Open cases, overdue ones and closed ones over the whole team."""
    total = int(counts["cases"].sum()) if len(counts) else 0
    open_cases = int((counts["new"] + counts["contacted"]).sum()) if len(counts) else 0
    overdue = int(counts["open_overdue"].sum()) if len(counts) else 0
    return {"cases": total, "open": open_cases, "overdue": overdue, "closed": total - open_cases}


def as_of(today: date) -> str:
    return f"Figures as at {today.day} {today:%B %Y}."
