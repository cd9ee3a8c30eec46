"""Charts for the evidence pages: the change after each done roadmap action, and key drivers.

Same conventions as `cx.charts` (titled, labelled, colour-blind-safe palette, user text plain).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cx.charts import INK, PALETTE, base_layout, plain

# --- Roadmap impact ---------------------------------------------------------------


def impact_chart(points: pd.DataFrame, min_n: int) -> go.Figure:
    """Each action's change (after minus before) with its 95% interval, one panel per measure.

    `points` is `cx.impact.chart_points` output, biggest improvement first. Changes
    from too few answers are hollow grey diamonds marked "too few answers".
    """
    measures = list(dict.fromkeys(points["measure"]))
    counts = [int((points["measure"] == m).sum()) for m in measures] or [1]
    height = 120 + 110 * len(counts) + 45 * sum(counts)
    fig = make_subplots(rows=len(counts), cols=1, subplot_titles=[plain(m) for m in measures],
                        row_heights=counts, vertical_spacing=min(0.3, 110 / height))
    for row, name in enumerate(measures, start=1):
        rows = points[points["measure"] == name]
        labels = [plain(f"{label}{'' if ok else ' ⚠ too few answers'}")
                  for label, ok in zip(rows["label"], rows["reliable"], strict=True)]
        fig.add_trace(go.Scatter(
            x=rows["change"], y=labels, mode="markers", name=name, showlegend=False,
            marker=dict(size=12, symbol=["circle" if ok else "diamond-open" for ok in rows["reliable"]],
                        color=[PALETTE[0] if ok else INK for ok in rows["reliable"]]),
            error_x=dict(type="data", symmetric=False, array=(rows["high"] - rows["change"]).tolist(),
                         arrayminus=(rows["change"] - rows["low"]).tolist(), color=INK),
            customdata=list(zip(rows["verdict"], rows["low"], rows["high"], strict=True)),
            hovertemplate="%{y}: %{x:+.1f} (95% interval %{customdata[1]:+.1f} to %{customdata[2]:+.1f}); "
                          "%{customdata[0]}<extra></extra>",
        ), row=row, col=1)
        fig.add_vline(x=0, line=dict(color=INK, dash="dash", width=1.5), row=row, col=1)
        fig.update_yaxes(autorange="reversed", row=row, col=1)
    fig.update_layout(height=height, showlegend=False)
    base_layout(fig, f"Change after each done action, with 95% intervals (hollow: fewer than {min_n} "
                "answers on a side)", "", "")
    for row, name in enumerate(measures, start=1):  # after base_layout, which titles the first axis
        unit = points.loc[points["measure"] == name, "unit_label"].iloc[0]
        fig.update_xaxes(title_text=f"Change in {plain(name)} ({unit})", row=row, col=1)
    return fig


# --- Key drivers ----------------------------------------------------------------


def drivers_chart(table: pd.DataFrame, outcome_label: str, n: int, hint_only: bool) -> go.Figure:
    """Each facet's share of what the facets explain, biggest first, with 95% interval whiskers.

    `table` is `cx.drivers.DriverResult.table()`. With `hint_only` (too few answers)
    the bars are grey and hatched and the title says so.
    """
    share = table["Share of explained variation (%)"]
    fig = go.Figure(go.Bar(
        y=[plain(f) for f in table["Facet"]], x=share, orientation="h",
        marker=dict(color=INK if hint_only else PALETTE[0], pattern=dict(shape="/" if hint_only else "")),
        error_x=dict(type="data", symmetric=False, array=(table["95% interval, high (%)"] - share).tolist(),
                     arrayminus=(share - table["95% interval, low (%)"]).tolist(), color=INK),
        text=[f"{v:.0f}%" for v in share], textposition="inside", insidetextanchor="start",
        hovertemplate="%{y}: %{x:.1f}% of what the facets explain<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=160 + 40 * max(len(table), 3), showlegend=False)
    caveat = " (too few answers: a hint only)" if hint_only else ""
    return base_layout(fig, f"What drives {outcome_label.lower()}: share of the explained variation, "
                            f"n = {n:,}{caveat}", "Share of what the facets explain (%), with 95% interval",
                       "Facet")
