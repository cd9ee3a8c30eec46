"""Plotly figure builders: small frames in, `go.Figure` out.

Every figure has a title that says what it shows and labelled axes; colours come
from the Okabe-Ito palette, which stays distinguishable for colour-blind viewers,
and meaning is never carried by colour alone.
"""

from __future__ import annotations

import html

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


# --- Leadership: journey maps ---

_VERSION_STYLES = (("solid", "circle"), ("dash", "square"))


def emotion_curve(curve: pd.DataFrame) -> go.Figure:
    """How the customer feels at each step of a journey, one line per version.

    `curve` comes from `cx.journeys.curve_frame` (version, position, stage,
    emotion_score, feeling, pain_point, pain_points). Steps with a pain point get
    an extra ✕ marker with its own legend entry, so they are found by shape and
    word as well as colour. Unscored steps leave a gap in the line and have no
    point to mark (the table view lists their pain points). The title
    holds no user text, because it also labels the chart's table view.
    """
    fig = go.Figure()
    versions = list(dict.fromkeys(curve["version"]))
    for index, version in enumerate(versions):
        rows = curve[curve["version"] == version]
        dash, symbol = _VERSION_STYLES[index % len(_VERSION_STYLES)]
        scores = [None if pd.isna(s) else int(s) for s in rows["emotion_score"]]
        fig.add_trace(
            go.Scatter(
                x=rows["position"].tolist(), y=scores, name=version, mode="lines+markers",
                line=dict(color=PALETTE[index], dash=dash, width=3),
                marker=dict(symbol=symbol, size=11), connectgaps=False,
                customdata=list(zip(_plain_all(rows["stage"]), rows["feeling"], strict=True)),
                hovertemplate=f"{version}, step %{{x}}: %{{customdata[0]}}<br>"
                              "%{customdata[1]}<extra></extra>",
            )
        )
    pains = curve[curve["pain_point"] & curve["emotion_score"].notna()]
    if not pains.empty:
        fig.add_trace(
            go.Scatter(
                x=pains["position"].tolist(), y=[int(s) for s in pains["emotion_score"]],
                name="Pain point", mode="markers",
                marker=dict(symbol="x-thin-open", size=22, color=PALETTE[7], line=dict(width=3)),
                customdata=list(zip(pains["version"], _plain_all(pains["stage"]),
                                    _plain_all(pains["pain_points"]), strict=True)),
                hovertemplate="Pain point (%{customdata[0]}, %{customdata[1]}): "
                              "%{customdata[2]}<extra></extra>",
            )
        )
    steps = sorted(set(curve["position"].tolist()))
    fig.update_xaxes(tickmode="array", tickvals=steps, ticktext=[f"Step {n}" for n in steps])
    fig.update_yaxes(range=[-2.5, 2.5], tickmode="array", tickvals=[-2, -1, 0, 1, 2],
                     ticktext=["Very negative −2", "Negative −1", "Neutral 0", "Positive +1",
                               "Very positive +2"],
                     zeroline=True, zerolinecolor="#888888")
    return base_layout(fig, "How the customer feels at each step of the journey", "Step in the journey",
                       "Customer emotion")


def plain(text: str) -> str:
    """User text made safe for plotly, which reads <b>, <a href>, <br> and entities in its labels."""
    return html.escape(str(text), quote=False)


def _plain_all(texts: pd.Series) -> list[str]:
    return [plain(t) for t in texts]
