"""Plotly figure builders: small frames in, `go.Figure` out.

Every figure has a title that says what it shows and labelled axes; colours come
from the Okabe-Ito palette, which stays distinguishable for colour-blind viewers,
and meaning is never carried by colour alone.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FONT = dict(family="Arial, Helvetica, sans-serif", size=15)


def base_layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    """Apply the shared title, axis labels, font and margins."""
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        xaxis_title=x_title,
        yaxis_title=y_title,
        font=FONT,
        margin=dict(l=60, r=20, t=60, b=50),
        colorway=list(PALETTE),
        hoverlabel=dict(font_size=14),
        legend=dict(orientation="h", y=-0.2),
    )
    return fig


def response_volume(frame: pd.DataFrame) -> go.Figure:
    """Bar chart of survey responses per month; `frame` has columns period, responses."""
    fig = go.Figure(
        go.Bar(
            x=pd.to_datetime(frame["period"]),
            y=frame["responses"],
            name="Responses",
            marker_color=PALETTE[0],
            hovertemplate="%{x|%B %Y}: %{y:,} responses<extra></extra>",
        )
    )
    fig.update_xaxes(tickformat="%b %Y")
    return base_layout(fig, "Survey responses received each month", "Month", "Responses")
