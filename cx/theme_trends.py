"""The Themes page's arithmetic: shares of comments per theme with Wilson intervals, growth
between periods (two-proportion z-test), detractors' themes against promoters', CLI facts.

A theme's share is the comments tagged with it over all scored comments in the same
period (or group); a comment can carry several themes, so shares do not add to 100%.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from cx import themes
from cx.charts import PALETTE, base_layout, plain
from cx.formatting import period_label
from cx.metrics import compare_proportions, proportion
from cx.store import Store
from cx.store.filters import Slice

LATEST_COLUMNS = ["theme_id", "Theme", "Comments with theme", "n (all comments)", "Share (%)",
                  "95% interval", "Low (%)", "High (%)", "Previous share (%)", "Change (points)",
                  "Grew significantly", "Few answers"]


def with_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """`counts` (… comments, tagged) with share, low and high in per cent (Wilson 95%)."""
    estimates = [proportion("share", int(t), int(n)) for t, n in zip(counts["tagged"], counts["comments"],
                                                                     strict=True)]
    out = counts.copy()
    out["share"] = [e.value for e in estimates]
    out["low"] = [e.low for e in estimates]
    out["high"] = [e.high for e in estimates]
    return out


def periods(counts: pd.DataFrame) -> list:
    """The periods present in period counts, oldest first."""
    return sorted(set(counts["period"])) if not counts.empty else []


def latest_table(counts: pd.DataFrame, grain: str, min_n: int) -> tuple[str | None, pd.DataFrame]:
    """The latest period's label and one row per theme: share, interval, change on the previous period.

    "Grew significantly" is ✓ when the share rose and a two-proportion z-test at 95%
    says so. Rows are ordered by share, largest first. An empty frame (and None)
    when there are no comments.
    """
    present = periods(counts)
    if not present:
        return None, pd.DataFrame(columns=LATEST_COLUMNS)
    latest = with_shares(counts[counts["period"] == present[-1]])
    previous = counts[counts["period"] == present[-2]] if len(present) > 1 else counts.iloc[0:0]
    before = {r.theme_id: (int(r.tagged), int(r.comments)) for r in previous.itertuples()}
    rows = []
    for r in latest.itertuples():
        prior = before.get(r.theme_id)
        test = compare_proportions((int(r.tagged), int(r.comments)), prior) if prior else None
        rows.append([r.theme_id, r.theme, int(r.tagged), int(r.comments), _round(r.share),
                     f"{r.low:.1f} to {r.high:.1f}", _round(r.low), _round(r.high),
                     _round(100 * prior[0] / prior[1]) if prior and prior[1] else None,
                     _round(test.change) if test and test.change is not None else None,
                     "✓ grew" if test and test.significant and test.change > 0 else "",
                     "▽ fewer than " + str(min_n) if r.comments < min_n else ""])
    table = pd.DataFrame(rows, columns=LATEST_COLUMNS)
    table = table.sort_values(["Share (%)", "Theme"], ascending=[False, True], ignore_index=True)
    return period_label(present[-1], grain), table


def trend_table(counts: pd.DataFrame, grain: str, chosen: list[int]) -> pd.DataFrame:
    """Share over time of the chosen themes: Period, Theme, n, Comments with theme, Share, Low, High."""
    rows = with_shares(counts[counts["theme_id"].isin(chosen)])
    return pd.DataFrame({
        "Period": [period_label(p, grain) for p in rows["period"]],
        "period": rows["period"].to_numpy(),
        "Theme": rows["theme"].to_numpy(),
        "n (all comments)": rows["comments"].astype(int).to_numpy(),
        "Comments with theme": rows["tagged"].astype(int).to_numpy(),
        "Share (%)": rows["share"].map(_round).to_numpy(),
        "Low (%)": rows["low"].map(_round).to_numpy(),
        "High (%)": rows["high"].map(_round).to_numpy(),
    })


_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star")
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def trend_figure(table: pd.DataFrame) -> go.Figure:
    """Share of comments per theme by period: one line per theme (its own colour, marker and dash,
    so themes differ without colour), 95% intervals as error bars, n in the hover."""
    fig = go.Figure()
    for index, (theme, rows) in enumerate(table.groupby("Theme", sort=True)):
        style = index % len(_SYMBOLS)
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(rows["period"]), y=rows["Share (%)"], mode="lines+markers", name=plain(theme),
            line=dict(color=PALETTE[index % len(PALETTE)], width=3, dash=_DASHES[style]),
            marker=dict(symbol=_SYMBOLS[style], size=9),
            error_y=dict(type="data", symmetric=False, array=(rows["High (%)"] - rows["Share (%)"]).tolist(),
                         arrayminus=(rows["Share (%)"] - rows["Low (%)"]).tolist()),
            customdata=list(zip(rows["Period"], rows["n (all comments)"], strict=True)),
            hovertemplate="%{customdata[0]}: %{y:.1f}%, n = %{customdata[1]:,}<extra></extra>",
        ))
    return base_layout(fig, "Share of comments per theme, with 95% intervals", "Period",
                       "Per cent of comments")


def group_table(counts: pd.DataFrame, group_label: str) -> pd.DataFrame:
    """Share of each theme within each group (service, survey): one row per group and theme."""
    rows = with_shares(counts)
    return pd.DataFrame({
        group_label: rows["grp"].to_numpy(),
        "Theme": rows["theme"].to_numpy(),
        "n (comments in group)": rows["comments"].astype(int).to_numpy(),
        "Comments with theme": rows["tagged"].astype(int).to_numpy(),
        "Share (%)": rows["share"].map(_round).to_numpy(),
        "95% interval": [f"{lo:.1f} to {hi:.1f}" if lo is not None else "" for lo, hi
                         in zip(rows["low"], rows["high"], strict=True)],
    })


def detractors_against_promoters(counts: pd.DataFrame, top: int = 8) -> pd.DataFrame:
    """Themes of detractors' comments beside promoters', detractors' most common first.

    `counts` is `group_counts(..., "nps_group")`. Difference is detractors' share
    minus promoters' in points, with a two-proportion z-test at 95%.
    """
    def side(name: str) -> dict:
        part = counts[counts["grp"].str.startswith(name)]
        return {r.theme: (int(r.tagged), int(r.comments)) for r in part.itertuples()}

    detractors, promoters = side("Detractors"), side("Promoters")
    rows = []
    for theme, (tagged, n) in detractors.items():
        p_tagged, p_n = promoters.get(theme, (0, 0))
        d, p = proportion("d", tagged, n), proportion("p", p_tagged, p_n)
        test = compare_proportions((tagged, n), (p_tagged, p_n))
        rows.append([theme, tagged, n, _round(d.value), _interval(d), p_tagged, p_n, _round(p.value),
                     _interval(p), _round(test.change) if test.change is not None else None,
                     "✓ yes" if test.significant else "✗ no"])
    table = pd.DataFrame(rows, columns=[
        "Theme", "Detractors with theme", "n detractors", "Detractors (%)", "Detractors 95% interval",
        "Promoters with theme", "n promoters", "Promoters (%)", "Promoters 95% interval",
        "Difference (points)", "Significant"])
    table = table.sort_values(["Detractors (%)", "Theme"], ascending=[False, True], ignore_index=True)
    return table.head(top)


def latest_facts(store: Store, *, grain: str = "month", now: datetime | None = None) -> dict:
    """What `python -m cx themes --json` prints: the latest period and, per theme, count, n, share, interval.

    Brings the tags up to date first (see `cx.themes.refresh`).
    """
    themes.refresh(store, now=now or datetime.now())
    counts = store.theme_reports.period_counts(Slice(), (), grain)
    present = periods(counts)
    if not present:
        return {"period": None, "grain": grain, "list_version": store.themes.list_version(), "themes": []}
    latest = with_shares(counts[counts["period"] == present[-1]])
    return {
        "period": period_label(present[-1], grain), "grain": grain,
        "period_start": pd.Timestamp(present[-1]).date().isoformat(),
        "list_version": store.themes.list_version(),
        "themes": [{"theme": r.theme, "comments": int(r.tagged), "n": int(r.comments), "share": r.share,
                    "low": r.low, "high": r.high}
                   for r in latest.sort_values(["share", "theme"], ascending=[False, True]).itertuples()],
    }


def _round(value: float | None) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 1)


def _interval(estimate) -> str:
    return "" if estimate.low is None else f"{estimate.low:.1f} to {estimate.high:.1f}"
