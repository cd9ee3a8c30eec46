"""Plotly figure builders: small frames in, `go.Figure` out.

Every figure has a title that says what it shows and labelled axes; colours come
from PALETTE, which stays distinguishable for colour-blind viewers and stands out
from both the light and the dark page, and meaning is never carried by colour alone.
"""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cx import assessment
from cx.framework import BLOCK_BY_CODE, BLOCKS, LEVEL_BY_CODE, LEVELS, STAGE_BY_CODE, STAGES
from cx.roadmap import STATUSES
from cx.trends import WEEKDAYS

# Series colours: the four mid-tone Okabe & Ito (2008) colours plus sienna and grey.
# Each reaches 3:1 against both the white and the near-black page background (WCAG
# 1.4.11), and every pair stays apart under simulated protanopia, deuteranopia and
# tritanopia (tests/test_colour.py). The light Okabe-Ito colours (orange, sky blue,
# yellow) and black fail one of the two backgrounds, so they are not used for marks.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#A0522D", "#767676")
# Reference marks drawn over the page (today's line, pain points): visible in both themes.
INK = "#767676"
FONT = dict(family="Arial, Helvetica, sans-serif", size=15)


def base_layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    """Apply the shared title, axis labels, font and margins.

    The title may hold names people typed (a round, a service): it is escaped, as
    plotly reads <b>, <a href> and entities in its labels.
    """
    fig.update_layout(
        title=dict(text=plain(title), x=0, xanchor="left"),
        xaxis_title=plain(x_title),
        yaxis_title=plain(y_title),
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
        text=f"Key: {key} · {assessment.DIFFER_MARK} views differ (dashed border)<br>"
             "Numbers: how many raters chose each level",
        xref="paper", yref="paper", x=0, y=-0.04, xanchor="left", yanchor="top", align="left",
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


# --- Roadmap ------------------------------------------------------------------
# Each status is a trace of its own with its colour, bar pattern and symbol-and-word
# name, so the legend and the bars read without colour.

_TIMELINE_LABEL_CHARS = 90  # over two lines of the axis; the full title is in the hover and the table
_TIMELINE_LINE_CHARS = 45
# Statuses in their own order, above the plot (below it, the legend meets the axis title).
_LEGEND_ON_TOP = dict(legend=dict(orientation="h", traceorder="normal", x=0, y=1.0, yanchor="bottom"))


def _status_pattern(status) -> dict:
    """The status's hatching drawn lightly over its colour, so counts stay legible on top."""
    return dict(shape=status.pattern, fillmode="overlay", fgcolor="#000000", size=10, solidity=0.15)


def roadmap_progress(table: pd.DataFrame, title: str, group_title: str) -> go.Figure:
    """Stacked bars of actions per status for each stage or building block.

    `table` is `cx.roadmap.progress(...)` (columns label, one per status code, total).
    """
    fig = go.Figure()
    labels = [_wrap(label, 26) for label in table["label"]]
    for status in STATUSES:
        counts = table[status.code]
        fig.add_trace(go.Bar(
            y=labels, x=counts, orientation="h", name=status.tag,
            marker=dict(color=status.fill, line=dict(color="#000000", width=0.5),
                        pattern=_status_pattern(status)),
            text=[f"{status.symbol} {c}" if c else "" for c in counts], textposition="inside",
            insidetextanchor="middle", textfont=dict(color="#000000"),
            hovertemplate=f"%{{y}}: %{{x}} {status.word.lower()}<extra></extra>",
        ))
    base_layout(fig, title, "Actions", group_title)
    fig.update_layout(barmode="stack", height=150 + 52 * len(table), **_LEGEND_ON_TOP)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(dtick=1 if table["total"].max() <= 12 else None, rangemode="tozero")
    return fig


def roadmap_timeline(actions: pd.DataFrame, title: str, *, start: date, end: date, today: date,
                     flags: pd.Series | None = None) -> go.Figure:
    """A Gantt-style timeline of actions over the programme, with today marked.

    `actions` has action_id, title, stage, status, start_date, due_date, owner;
    `flags` (same index) holds a critical-focus note per action or ''. Action
    titles are user text: escaped and shortened for the axis, in full on hover.
    """
    order = {s.code: s.order for s in STAGES}
    frame = actions.assign(stage_order=actions["stage"].map(order),
                           flag=flags if flags is not None else "")
    frame = frame.sort_values(["stage_order", "start_date", "action_id"], kind="stable")
    frame["axis_label"] = [_timeline_label(r) for r in frame.itertuples()]
    fig = go.Figure()
    for status in STATUSES:
        mine = frame[frame["status"] == status.code]
        starts = pd.to_datetime(mine["start_date"])
        # Bars run to the end of the due date, so a one-day action is visible.
        spans = (pd.to_datetime(mine["due_date"]) + pd.Timedelta(days=1) - starts).dt.total_seconds() * 1000
        fig.add_trace(go.Bar(
            y=mine["axis_label"], base=starts.dt.strftime("%Y-%m-%d"), x=spans, orientation="h",
            name=status.tag, text=[status.symbol] * len(mine), textposition="inside",
            insidetextanchor="start", textfont=dict(color="#000000"),
            marker=dict(color=status.fill, line=dict(color="#000000", width=0.5),
                        pattern=_status_pattern(status)),
            hovertext=[_timeline_hover(r, status) for r in mine.itertuples()],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    base_layout(fig, title, "Date", "Action (by stage, then start date)")
    fig.update_layout(barmode="overlay", height=190 + 36 * max(len(frame), 4),
                      margin=dict(l=20, r=20, t=90, b=50), **_LEGEND_ON_TOP)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=frame["axis_label"].tolist(),
                     tickfont=dict(size=12))
    fig.update_xaxes(type="date", range=[start.isoformat(), (end + pd.Timedelta(days=1)).isoformat()],
                     tickformat="%b %Y")
    fig.add_shape(type="line", x0=today.isoformat(), x1=today.isoformat(), y0=0, y1=1, yref="paper",
                  line=dict(color=INK, width=2, dash="dot"))
    # Inside the plot, right of the line: the rows at the top are the earliest actions,
    # which have mostly ended by today, so the label rarely covers a bar.
    fig.add_annotation(x=today.isoformat(), y=1, yref="paper", xanchor="left", yanchor="top",
                       showarrow=False, text=f"Today, {today.day} {today:%b %Y}", font=dict(size=13),
                       bgcolor="rgba(255,255,255,0.85)")
    return fig


def _timeline_label(row) -> str:
    text = " ".join(str(row.title).split())
    if len(text) > _TIMELINE_LABEL_CHARS:
        text = text[: _TIMELINE_LABEL_CHARS - 1].rstrip() + "…"
    flag = f"{LEVEL_BY_CODE['critical'].symbol} " if row.flag else ""
    # Wrapped, not cut: the words are escaped one by one, then joined by the line breaks.
    lines = _wrap(f"{flag}{text} (#{row.action_id})", _TIMELINE_LINE_CHARS).split("<br>")
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def _timeline_hover(row, status) -> str:
    owner = row.owner if isinstance(row.owner, str) else "No owner yet"
    lines = [f"<b>{_user_text(row.title, 200)}</b>",
             f"{STAGE_BY_CODE[row.stage].label} · {status.tag}",
             f"{pd.Timestamp(row.start_date):%d %b %Y} to {pd.Timestamp(row.due_date):%d %b %Y}",
             f"Owner: {html.escape(owner, quote=False)}"]
    if row.flag:
        lines.append(row.flag)
    return "<br>".join(lines)
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
                line=dict(color=PALETTE[index % len(PALETTE)], dash=dash, width=3),
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
                marker=dict(symbol="x-thin-open", size=22, color=INK, line=dict(width=3)),
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


# --- Trends ---------------------------------------------------------------------
# Points from fewer answers than the minimum are drawn hollow and grey, and named
# as such in the legend and hover, so they read as unreliable without colour.


def _band(x: list, low: list, high: list, name: str, colour: str) -> list[go.Scatter]:
    """A shaded 95% interval band between `low` and `high` (two traces)."""
    rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    fill = f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, 0.18)"
    return [
        go.Scatter(x=x, y=high, mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False,
                   legendgroup=name),
        go.Scatter(x=x, y=low, mode="lines", line=dict(width=0), fill="tonexty", fillcolor=fill,
                   hoverinfo="skip", name=f"{name}: 95% interval", legendgroup=name),
    ]


def trend_chart(table: pd.DataFrame, label: str, unit_label: str, target: float | None,
                min_n: int) -> go.Figure:
    """A measure over time: line, 95% band, greyed points below `min_n`, target line.

    `table` is cx.trends.trend_table output (period, Period, value, low, high, n, reliable).
    """
    fig = go.Figure()
    good = table[table["reliable"]]
    x = pd.to_datetime(good["period"]).tolist()
    for trace in _band(x, good["low"].tolist(), good["high"].tolist(), label, PALETTE[0]):
        fig.add_trace(trace)
    fig.add_trace(go.Scatter(
        x=x, y=good["value"], mode="lines+markers", name=label, line=dict(color=PALETTE[0], width=3),
        marker=dict(size=8), customdata=list(zip(good["Period"], good["n"], strict=True)),
        hovertemplate="%{customdata[0]}: %{y:.1f}, n = %{customdata[1]:,}<extra></extra>",
    ))
    thin = table[~table["reliable"] & table["value"].notna()]
    if not thin.empty:
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(thin["period"]), y=thin["value"], mode="markers",
            name=f"Fewer than {min_n} answers (not reliable)",
            marker=dict(symbol="circle-open", size=10, color=INK, line=dict(width=2)),
            customdata=list(zip(thin["Period"], thin["n"], strict=True)),
            hovertemplate="%{customdata[0]}: %{y:.1f}, only n = %{customdata[1]:,}<extra></extra>",
        ))
    if target is not None:
        fig.add_hline(y=target, line=dict(color=INK, dash="dash", width=2),
                      annotation_text=f"Target {target:g}", annotation_position="top left")
    return base_layout(fig, f"{label} by period, with 95% intervals", "Period", unit_label)


def breakdown_chart(table: pd.DataFrame, label: str, group_title: str, unit_label: str) -> go.Figure:
    """Horizontal bars per group with 95% interval whiskers and n in the labels."""
    reliable = table["reliable"].tolist()
    names = [f"{plain(g)} (n = {n:,}){'' if ok else ' ⚠ few answers'}"
             for g, n, ok in zip(table["group"], table["n"], reliable, strict=True)]
    fig = go.Figure(go.Bar(
        y=names, x=table["value"], orientation="h",
        marker=dict(color=[PALETTE[0] if ok else INK for ok in reliable],
                    pattern=dict(shape=["" if ok else "/" for ok in reliable])),
        error_x=dict(type="data", symmetric=False, array=(table["high"] - table["value"]).tolist(),
                     arrayminus=(table["value"] - table["low"]).tolist(), color=INK),
        hovertemplate="%{y}: %{x:.1f}<extra></extra>", name=label,
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=160 + 34 * max(len(table), 3), showlegend=False)
    return base_layout(fig, f"{label} by {group_title.lower()}, with 95% intervals", unit_label, group_title)


def weekday_hour_chart(table: pd.DataFrame, label: str, min_n: int) -> go.Figure:
    """Day of week × hour of day: the measure where there are enough answers, n in the hover."""
    shown = table[table["reliable"]]
    grid = shown.pivot(index="Day", columns="Hour", values="value").reindex(index=list(WEEKDAYS))
    counts = table.pivot(index="Day", columns="Hour", values="n").reindex(index=list(WEEKDAYS),
                                                                        columns=grid.columns)
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=[f"{h:02d}:00" for h in grid.columns], y=grid.index.tolist(),
        customdata=counts.values, colorscale="Cividis", colorbar=dict(title=label),
        hovertemplate="%{y} %{x}: %{z:.1f}, n = %{customdata:,}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, f"{label} by day of week and hour of day (cells with {min_n}+ answers)",
                       "Hour of day", "Day of week")


def kpi_chart(table: pd.DataFrame, title: str, unit_label: str,
              targets: dict[str, float | None]) -> go.Figure:
    """Contact-centre measures over time, one line each, with their targets as dashed lines."""
    fig = go.Figure()
    dashes = ("solid", "dash", "dot", "dashdot")
    for index, (measure, rows) in enumerate(table.groupby("Measure", sort=False)):
        colour = PALETTE[index % len(PALETTE)]
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(rows["period"]), y=rows["value"], mode="lines+markers", name=measure,
            line=dict(color=colour, width=3, dash=dashes[index % len(dashes)]),
            customdata=list(zip(rows["Period"], rows["n"], rows["Target"], strict=True)),
            hovertemplate=f"{measure}, " + "%{customdata[0]}: %{y:.1f} (n = %{customdata[1]:,}; "
                          "%{customdata[2]})<extra></extra>",
        ))
        target = targets.get(measure)
        if target is not None:
            fig.add_hline(y=target, line=dict(color=colour, dash="dot", width=1.5))
    base_layout(fig, title, "Period", unit_label)
    _target_labels(fig, targets, [str(m) for m in table["Measure"].unique()])
    fig.update_layout(**_LEGEND_ON_TOP)
    fig.update_layout(margin=dict(t=100))  # title, then the legend above the plot
    return fig


def _target_labels(fig: go.Figure, targets: dict[str, float | None], measures: list[str]) -> None:
    """Each target's label in the right margin beside its line, never over the data lines.

    Labels of targets close together are pushed apart (up for the higher, down for
    the lower) so that they do not overlap each other.
    """
    shown = sorted(((t, m) for m in measures if (t := targets.get(m)) is not None), reverse=True)
    if not shown:
        return
    values = [t for t, _ in shown]
    close = 0.08 * ((max(values) - min(values)) or 1)
    shifts, previous = [], None
    for target, _ in shown:
        near = previous is not None and previous[0] - target < close
        shifts.append(previous[1] - 16 if near else 0)
        previous = (target, shifts[-1])
    for (target, measure), shift in zip(shown, shifts, strict=True):
        fig.add_annotation(xref="paper", x=1.01, xanchor="left", y=target, yshift=shift, showarrow=False,
                           text=f"target {target:g}: {plain(measure)}", align="left", font=dict(size=12))
    fig.update_layout(margin=dict(r=230))


def engagement_chart(engagement: pd.DataFrame, satisfaction: pd.DataFrame) -> go.Figure:
    """Staff engagement and customer satisfaction (CSAT) by quarter on one percentage axis."""
    fig = go.Figure()
    for index, (name, frame) in enumerate((("Employee engagement", engagement),
                                           ("Customer satisfaction (CSAT)", satisfaction))):
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(frame["period"]), y=frame["value"], mode="lines+markers", name=name,
            line=dict(color=PALETTE[index], width=3, dash=("solid", "dash")[index]),
            marker=dict(symbol=("circle", "square")[index], size=9),
            customdata=list(zip(frame["Period"], frame["n"], strict=True)),
            hovertemplate=f"{name}, " + "%{customdata[0]}: %{y:.0f}% (n = %{customdata[1]:,})<extra></extra>",
        ))
    fig.update_yaxes(range=[0, 100])
    return base_layout(fig, "Employee engagement and customer satisfaction by quarter", "Quarter",
                       "Percentage")
