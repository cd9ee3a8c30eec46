"""Plotly figure builders: small frames in, `go.Figure` out.

Every figure has a title that says what it shows and labelled axes; colours come
from the Okabe-Ito palette, which stays distinguishable for colour-blind viewers,
and meaning is never carried by colour alone.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cx import assessment
from cx.framework import BLOCK_BY_CODE, BLOCKS, LEVEL_BY_CODE, LEVELS, STAGE_BY_CODE, STAGES

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


# --- Heat map (self-assessment) ----------------------------------------------
# Cells carry their level's symbol and word as text, so the map reads without
# colour; hover shows the raters' comments, escaped because plotly renders a
# subset of HTML in hover text and users typed them.

_HOVER_COMMENT_CHARS = 160


def _level_colourscale() -> list[tuple[float, str]]:
    """A stepped colour scale for scores 1..3 drawn with zmin=0.5, zmax=3.5: one flat band per level."""
    bands = []
    for index, level in enumerate(sorted(LEVELS, key=lambda lv: lv.score)):
        bands += [(index / 3, level.fill), ((index + 1) / 3, level.fill)]
    return bands


def _wrap(text: str, width: int = 22) -> str:
    """Break a fixed label over lines for a plotly axis (label text is ours, not user text)."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def _user_text(text: str, limit: int = _HOVER_COMMENT_CHARS) -> str:
    """User-typed text made safe for plotly's hover labels: escaped, shortened, wrapped."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _wrap(html.escape(text, quote=False), 60)


def _cell_hover(block: str, stage: str, row) -> str:
    lines = [f"<b>{BLOCK_BY_CODE[block].label} – {STAGE_BY_CODE[stage].label}</b>"]
    if not isinstance(row["consensus"], str):
        return lines[0] + "<br>Nobody has rated this cell yet."
    lines.append(f"Team: {LEVEL_BY_CODE[row['consensus']].tag} · votes {assessment.votes(row)}")
    if row["views_differ"]:
        lines.append(f"{assessment.DIFFER_MARK} Views differ (disagreement {row['disagreement']:.2f})")
    for line in assessment.comment_lines(row["comments"]):
        lines.append(_user_text(line))
    if not row["comments"]:
        lines.append("No comments.")
    return "<br>".join(lines)


def _map_axes(fig: go.Figure, *, row=None, col=None, show_y: bool = True, x_side: str = "top") -> None:
    fig.update_yaxes(autorange="reversed", showticklabels=show_y, row=row, col=col)
    fig.update_xaxes(side=x_side, row=row, col=col)


def heat_map(summary: pd.DataFrame, title: str, *, scale: float = 1.0) -> go.Figure:
    """The team heat map: building blocks down, roadmap stages across, one cell each.

    `summary` is `cx.assessment.summarise(...)`. Each cell shows the team level's
    symbol and word, the votes per level, and '≠ views differ' with a dashed border
    where raters chose different levels. `scale` enlarges text and size for a projector.
    """
    indexed = summary.set_index(["block", "stage"])
    stages = [s.label for s in STAGES]
    blocks = [_wrap(b.label) for b in BLOCKS]
    z, hover, annotations, shapes = [], [], [], []
    for y, block in enumerate(BLOCKS):
        z_row, hover_row = [], []
        for x, stage in enumerate(STAGES):
            row = indexed.loc[(block.code, stage.code)]
            level = LEVEL_BY_CODE.get(row["consensus"]) if isinstance(row["consensus"], str) else None
            z_row.append(level.score if level else None)
            hover_row.append(_cell_hover(block.code, stage.code, row))
            annotations.append(_cell_annotation(x, y, row, level, scale))
            if row["views_differ"]:
                shapes.append(dict(type="rect", x0=x - 0.47, x1=x + 0.47, y0=y - 0.45, y1=y + 0.45,
                                   line=dict(color="#000000", width=3 * scale, dash="dash")))
        z.append(z_row)
        hover.append(hover_row)
    fig = go.Figure(go.Heatmap(
        z=z, x=stages, y=blocks, colorscale=_level_colourscale(), zmin=0.5, zmax=3.5,
        showscale=False, xgap=4, ygap=4, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    base_layout(fig, title, "Roadmap stage", "Building block")
    fig.update_layout(
        annotations=annotations + [_key_annotation(scale)], shapes=shapes,
        font=dict(FONT, size=FONT["size"] * scale), height=int(620 * scale),
        margin=dict(l=60, r=20, t=int(110 * scale), b=int(70 * scale)),
        plot_bgcolor="#FFFFFF",
    )
    _map_axes(fig)
    # Explicit sizes: Streamlit's chart theme would otherwise shrink the labels.
    labels = dict(tickfont=dict(size=round(14 * scale)), title_font=dict(size=round(15 * scale)))
    fig.update_xaxes(**labels)
    fig.update_yaxes(**labels)
    fig.update_layout(title_font=dict(size=round(18 * scale)))
    return fig


def _cell_annotation(x: int, y: int, row, level, scale: float) -> dict:
    if level is None:
        text, colour = "– Not rated", "#000000"
    else:
        text = f"<b>{level.tag}</b><br>{assessment.votes(row)}"
        if row["views_differ"]:
            text += f"<br>{assessment.DIFFER_MARK} views differ"
        colour = level.text_colour
    return dict(x=x, y=y, xref="x", yref="y", text=text, showarrow=False,
                font=dict(color=colour, size=round(14 * scale)))


def _key_annotation(scale: float) -> dict:
    key = " · ".join(level.tag for level in LEVELS)
    return dict(
        text=f"Key: {key} · {assessment.DIFFER_MARK} views differ (dashed border) · "
             "numbers: raters choosing each level",
        xref="paper", yref="paper", x=0, y=-0.04, xanchor="left", yanchor="top",
        showarrow=False, font=dict(size=round(13 * scale)),
    )


def rater_maps(ratings: pd.DataFrame, title: str, *, columns: int = 4) -> go.Figure:
    """Each rater's own small map: symbols and colours per cell, comments on hover.

    `ratings` is `Store.round_ratings(...)`. Raters are laid out up to `columns` to a row.
    """
    raters = sorted(ratings["rater"].unique(), key=str.lower)
    columns = max(1, min(columns, len(raters)))
    rows = max(1, -(-len(raters) // columns))
    fig = make_subplots(rows=rows, cols=columns, horizontal_spacing=0.04, vertical_spacing=0.18,
                        subplot_titles=[html.escape(r, quote=False) for r in raters])
    stages = [s.short for s in STAGES]
    short_blocks = [b.short for b in BLOCKS]
    for index, rater in enumerate(raters):
        mine = ratings[ratings["rater"] == rater].set_index(["block", "stage"])
        z, hover, text = [], [], []
        for block in BLOCKS:
            cells = [mine.loc[(block.code, s.code)] for s in STAGES]
            z.append([LEVEL_BY_CODE[c["level"]].score for c in cells])
            text.append([LEVEL_BY_CODE[c["level"]].symbol for c in cells])
            hover.append([_rater_hover(rater, block.code, s.code, c) for s, c in zip(STAGES, cells,
                                                                                  strict=True)])
        r, c = index // columns + 1, index % columns + 1
        fig.add_trace(go.Heatmap(
            z=z, x=stages, y=short_blocks, text=text, texttemplate="%{text}",
            textfont=dict(size=18, color="#000000"), colorscale=_level_colourscale(), zmin=0.5,
            zmax=3.5, showscale=False, xgap=2, ygap=2, hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        ), row=r, col=c)
        # Stage names below each small map: above, they would collide with the rater's name.
        _map_axes(fig, row=r, col=c, show_y=c == 1, x_side="bottom")
    base_layout(fig, title, "", "")
    fig.update_xaxes(tickfont=dict(size=11), tickangle=0)
    fig.update_yaxes(tickfont=dict(size=12))
    fig.update_layout(height=280 * rows + 80, margin=dict(l=20, r=10, t=90, b=40))
    return fig


def _rater_hover(rater: str, block: str, stage: str, cell) -> str:
    lines = [f"<b>{html.escape(rater, quote=False)}</b>",
             f"{BLOCK_BY_CODE[block].label} – {STAGE_BY_CODE[stage].label}",
             LEVEL_BY_CODE[cell["level"]].tag]
    for label, value in (("Comment", cell["comment"]), ("Evidence", cell["evidence"])):
        if isinstance(value, str) and value.strip():
            lines.append(_user_text(f"{label}: {value}"))
    return "<br>".join(lines)
