"""Plotly figures drawn as SVG on the server, so a page can show a chart without Plotly's code.

Plotly's browser code is 4.7 MB; a new browser session spends about two seconds
fetching and running it before any chart (or anything after it) is drawn. The
figures PlaceCX builds use a small part of Plotly: line and marker series with
gaps, shaded bands between two series, error whiskers, vertical and horizontal
bars (stacked or grouped, hatched, labelled inside), horizontal and vertical
reference lines and text notes, on number, date and category axes. This module
draws exactly that part as an inline SVG: the same figure objects, the same
titles, colours, symbols and hover words (as each mark's tooltip), and the
numbers still in the table beside every chart.

A figure that needs more (heat maps, subplots, bars floating on a base) raises
`Unsupported`; the page then hands it to Plotly. Text in the SVG is taken from
the figure, where names people typed are already HTML-escaped for Plotly; it is
unescaped to plain text and escaped again as XML, so it is only ever text.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go

from cx.svg_axes import (
    DEFAULT_HEIGHT,
    FONT_SIZE,
    LINE_GAP,
    TITLE_SIZE,
    WIDTH,
    Axis,
    data_values,
    date_scale,
    font_size,
    kind_of,
    number_scale,
    plain_text,
    text_width,
    wrap,
)
from cx.svg_marks import DASHES, Marks, marker_symbol, stacked_bars, xml_attr, xml_text


class Unsupported(ValueError):
    """Raised for a figure using a part of Plotly this module does not draw (the caller then uses Plotly)."""


def figure_svg(fig: go.Figure, *, ident: str = "chart") -> str:
    """The figure as an SVG document scaled to its container's width.

    `ident` makes the ids of hatching patterns unique on a page with several charts.
    Raises `Unsupported` for trace types other than scatter and bar, subplots, bars
    with a `base`, or an axis whose values mix numbers, dates and categories.
    """
    return _Chart(fig, re.sub(r"[^A-Za-z0-9_-]", "-", ident)).render()


class _Chart:
    """One figure laid out and drawn: title, axes, marks (`Marks`), reference lines, notes, legend."""

    def __init__(self, fig: go.Figure, ident: str) -> None:
        self.layout, self.ident = fig.layout, ident
        self.traces = list(fig.data)
        self._check()
        self.horizontal = any(t.type == "bar" and t.orientation == "h" for t in self.traces)
        self.heat = any(t.type == "heatmap" for t in self.traces)
        self.x_on_top = self.layout.xaxis.side == "top"
        self.parts: list[str] = []

    def _check(self) -> None:
        for trace in self.traces:
            if trace.type not in ("scatter", "bar", "heatmap"):
                raise Unsupported(f"{trace.type} traces are drawn by Plotly")
            if trace.type == "heatmap" and (trace.showscale is not False
                                            or not isinstance(trace.colorscale, tuple)):
                raise Unsupported("heat maps with a colour bar or a named colour scale are drawn by Plotly")
            if trace.type == "bar" and trace.base is not None:
                raise Unsupported("bars on a base are drawn by Plotly")
            if trace.xaxis not in (None, "x") or trace.yaxis not in (None, "y"):
                raise Unsupported("subplots are drawn by Plotly")
        if any(re.fullmatch(r"[xy]axis\d+", name) for name in self.layout.to_plotly_json()):
            raise Unsupported("subplots are drawn by Plotly")

    def render(self) -> str:
        self.height = float(self.layout.height or DEFAULT_HEIGHT)
        self.title_lines = wrap(plain_text(self.layout.title.text or ""), TITLE_SIZE, WIDTH - 20)
        self.legend = self._legend_entries()
        self.x = self._axis("x")
        self.y = self._axis("y")
        self._place()
        self._grid_and_axes()
        self.marks = Marks(self.layout, self.traces, self.x, self.y, self.ident, horizontal=self.horizontal)
        self.marks.draw_traces()
        self.parts += self.marks.parts
        self._draw_shapes()
        self._draw_annotations()
        self._draw_legend()
        title = " ".join(self.title_lines)
        label = xml_attr(f"{title}. The numbers are in the table under the chart.")
        head = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {self.height:.0f}" '
                f'width="100%" role="img" aria-label={label} '
                f'font-size="{FONT_SIZE}" fill="currentColor" '
                'style="max-width:100%;height:auto;display:block">',
                f"<title>{xml_text(title)}</title>"]
        defs = [f"<defs>{''.join(self.marks.defs)}</defs>"] if self.marks.defs else []
        titles = self._text_lines(8, 8 + TITLE_SIZE, self.title_lines, size=TITLE_SIZE, weight="bold")
        return "".join(head + defs + [titles] + self.parts + ["</svg>"])

    def _legend_entries(self) -> list:
        entries = [t for t in self.traces if t.name and t.showlegend is not False]
        if self.layout.showlegend is False or (self.layout.showlegend is None and len(entries) < 2):
            return []
        return entries

    def _axis(self, letter: str) -> Axis:
        axis_layout = getattr(self.layout, f"{letter}axis")
        values, extents = [], []
        for trace in self.traces:
            own = data_values(getattr(trace, letter))
            values += own
            extents += self._error_extents(trace, letter, own)
        references = self._reference_values(letter)
        kinds = {kind_of(v) for v in (values if any(v is not None for v in values) else references)
                 if v is not None}
        kind = axis_layout.type if axis_layout.type in ("linear", "date", "category") else (
            kinds.pop() if len(kinds) == 1 else ("linear" if not kinds else None))
        if kind is None:
            raise Unsupported(f"the {letter} axis mixes {sorted(kinds)}")
        axis = Axis(kind, title=plain_text(axis_layout.title.text or ""),
                    reversed=axis_layout.autorange == "reversed")
        bars = any(t.type == "bar" for t in self.traces)
        if kind == "category":
            order = list(axis_layout.categoryarray) if axis_layout.categoryarray is not None else []
            named = [str(v) for v in order] + [str(v) for v in values if v is not None]
            axis.categories = list(dict.fromkeys(named))
            axis.low, axis.high = -0.5, len(axis.categories) - 0.5
            axis.ticks = [(float(i), plain_text(c)) for i, c in enumerate(axis.categories)]
        elif kind == "date":
            axis.low, axis.high, axis.ticks, axis.slot_fraction = date_scale(
                axis_layout, values + references, bars=bars)
        else:
            value_axis = (letter == "x") == self.horizontal
            shown = values + extents + references + self._stack_totals(letter)
            axis.low, axis.high, axis.ticks = number_scale(axis_layout, shown,
                                                     zero=bars and value_axis)
        return axis

    def _error_extents(self, trace, letter: str, values: list) -> list[float]:
        error = getattr(trace, f"error_{letter}", None)
        if error is None or error.array is None:
            return []
        plus = data_values(error.array)
        minus = data_values(error.arrayminus) if error.arrayminus is not None else plus
        return [v + p for v, p in zip(values, plus, strict=False) if v is not None and p is not None] + \
               [v - m for v, m in zip(values, minus, strict=False) if v is not None and m is not None]

    def _stack_totals(self, letter: str) -> list[float]:
        """The stacks' totals, which the value axis must reach; none on the other axis."""
        if self.layout.barmode != "stack" or (letter == "x") != self.horizontal:
            return []
        return list(stacked_bars(self.traces, self.horizontal)[1].values())

    def _reference_values(self, letter: str) -> list:
        values = []
        for shape in self.layout.shapes or ():
            if shape[f"{letter}ref"] in (None, letter):
                values += [shape[f"{letter}0"], shape[f"{letter}1"]]
        return [v for v in values if v is not None]

    def _place(self) -> None:
        x, y = self.x, self.y
        y_labels = [line for _, label in y.ticks for line in label.split("\n")]
        left = max((text_width(t, FONT_SIZE) for t in y_labels), default=0) + 14
        left += (FONT_SIZE * LINE_GAP + 8) if y.title else 0
        right = 24 + self._right_notes_width()
        top = 14 + TITLE_SIZE * LINE_GAP * len(self.title_lines) + 10
        x_label_lines = max((label.count("\n") + 1 for _, label in x.ticks), default=1)
        x_labels = 12 + FONT_SIZE * LINE_GAP * x_label_lines + ((FONT_SIZE * LINE_GAP + 6) if x.title else 0)
        bottom = 12 + self._notes_below_height()
        if self.x_on_top:
            top += x_labels
        else:
            bottom += x_labels
        self.legend_rows = self._legend_rows(WIDTH - 40)
        legend_height = len(self.legend_rows) * FONT_SIZE * 1.8
        self.legend_on_top = bool(self.legend) and (self.layout.legend.y or 0) >= 1
        if self.legend_on_top:
            self.legend_top = top
            top += legend_height + 6
        else:
            self.legend_top = self.height - legend_height - 4
            bottom += legend_height + (8 if self.legend else 0)
        needed = top + bottom + 120
        self.height = max(self.height, needed)
        if not self.legend_on_top:
            self.legend_top = self.height - legend_height - 4
        self.plot = (left, top, WIDTH - right, self.height - bottom)
        x.start_px, x.end_px = left, WIDTH - right
        y.start_px, y.end_px = self.height - bottom, top

    def _notes_below_height(self) -> float:
        """Room under the plot for notes placed below it (paper y under 0), such as a key."""
        height = 0.0
        for note in self.layout.annotations or ():
            if note.yref == "paper" and (note.y or 0) < 0:
                size = font_size(note.font.size if note.font else None)
                height = max(height, (plain_text(note.text or "").count("\n") + 1) * size * LINE_GAP + 30)
        return height

    def _right_notes_width(self) -> float:
        width = 0.0
        for note in self.layout.annotations or ():
            if note.xref == "paper" and (note.x or 0) >= 1:
                size = font_size(note.font.size if note.font else None)
                lines = plain_text(note.text or "").split("\n")
                width = max(width, max(text_width(line, size) for line in lines) + 12)
        return width

    def _legend_rows(self, width: float) -> list[list[tuple[object, float]]]:
        rows: list[list[tuple[object, float]]] = [[]]
        used = 0.0
        for trace in self.legend:
            item = 44 + text_width(plain_text(trace.name), FONT_SIZE) + 22
            if rows[-1] and used + item > width:
                rows.append([])
                used = 0.0
            rows[-1].append((trace, item))
            used += item
        return rows if rows[0] else []

    def _grid_and_axes(self) -> None:
        left, top, right, bottom = self.plot
        for axis, letter in ((self.x, "x"), (self.y, "y")):
            for value, label in axis.ticks:
                if not min(axis.low, axis.high) - 1e-9 <= value <= max(axis.low, axis.high) + 1e-9:
                    continue
                position = axis.px(value)
                if axis.kind != "category":
                    if letter == "x":
                        line = f'x1="{position:.1f}" x2="{position:.1f}" y1="{top:.1f}" y2="{bottom:.1f}"'
                    else:
                        line = f'x1="{left:.1f}" x2="{right:.1f}" y1="{position:.1f}" y2="{position:.1f}"'
                    self.parts.append(f'<line {line} stroke="currentColor" stroke-opacity="0.14"/>')
                if letter == "x":
                    lines = label.split("\n")
                    baseline = (top - 8 - FONT_SIZE * LINE_GAP * (len(lines) - 1) if self.x_on_top
                                else bottom + 8 + FONT_SIZE)
                    self.parts.append(self._text_lines(position, baseline, lines, anchor="middle"))
                else:
                    lines = label.split("\n")
                    first = position - (len(lines) - 1) * FONT_SIZE * LINE_GAP / 2 + FONT_SIZE * 0.35
                    self.parts.append(self._text_lines(left - 8, first, lines, anchor="end"))
        if self.layout.yaxis.zeroline and self.y.kind == "linear" and self.y.low < 0 < self.y.high:
            zero = self.y.px(0)
            colour = self.layout.yaxis.zerolinecolor or "currentColor"
            self.parts.append(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{zero:.1f}" y2="{zero:.1f}" '
                              f'stroke={xml_attr(colour)} stroke-width="1.5"/>')
        if not self.heat:
            self.parts.append(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{bottom:.1f}" y2="{bottom:.1f}" '
                              'stroke="currentColor" stroke-opacity="0.5"/>')
        if self.x.title:
            x_lines = max((label.count("\n") + 1 for _, label in self.x.ticks), default=1)
            offset = 10 + FONT_SIZE * LINE_GAP * x_lines
            baseline = top - offset - 4 if self.x_on_top else bottom + offset + FONT_SIZE
            self.parts.append(self._text_lines((left + right) / 2, baseline, [self.x.title], anchor="middle"))
        if self.y.title:
            middle = (top + bottom) / 2
            self.parts.append(f'<text transform="translate({8 + FONT_SIZE:.1f} {middle:.1f}) rotate(-90)" '
                              f'text-anchor="middle">{xml_text(self.y.title)}</text>')

    def _ref_px(self, ref: str | None, axis: Axis, value) -> float | None:
        if value is None:
            return None
        if ref in ("paper",) or (ref or "").endswith("domain"):
            return axis.fraction(float(value))
        if axis.kind == "category" and isinstance(value, (int, float)):
            return axis.px(float(value))  # Plotly places a number on a category axis at that index
        return axis.at(value)

    def _draw_shapes(self) -> None:
        for shape in self.layout.shapes or ():
            if shape.type not in ("line", "rect"):
                continue
            x0, x1 = self._ref_px(shape.xref, self.x, shape.x0), self._ref_px(shape.xref, self.x, shape.x1)
            y0, y1 = self._ref_px(shape.yref, self.y, shape.y0), self._ref_px(shape.yref, self.y, shape.y1)
            if None in (x0, x1, y0, y1):
                continue
            line = shape.line
            dash = DASHES.get(line.dash or "solid")
            stroke = (f'stroke={xml_attr(line.color or "currentColor")} stroke-width="{line.width or 2}"'
                      + (f' stroke-dasharray="{dash}"' if dash else ""))
            if shape.type == "rect":
                self.parts.append(f'<rect x="{min(x0, x1):.1f}" y="{min(y0, y1):.1f}" '
                                  f'width="{abs(x1 - x0):.1f}" '
                                  f'height="{abs(y1 - y0):.1f}" fill="none" {stroke}/>')
            else:
                self.parts.append(f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y0:.1f}" y2="{y1:.1f}" {stroke}/>')

    def _draw_annotations(self) -> None:
        for note in self.layout.annotations or ():
            x = self._ref_px(note.xref, self.x, note.x)
            y = self._ref_px(note.yref, self.y, note.y)
            if x is None or y is None:
                continue
            size = font_size(note.font.size if note.font else None)
            lines = plain_text(note.text or "").split("\n")
            y -= note.yshift or 0
            x += note.xshift or 0
            anchor = {"left": "start", "right": "end"}.get(note.xanchor or "center", "middle")
            block = size * LINE_GAP * len(lines)
            first = {"bottom": y - block + size, "top": y + size}.get(note.yanchor or "middle",
                                                                      y - block / 2 + size)
            colour = note.font.color if note.font and note.font.color else None
            self.parts.append(self._text_lines(x + (3 if anchor == "start" else 0), first - 2, lines,
                                               anchor=anchor, size=size, colour=colour))

    def _draw_legend(self) -> None:
        y = self.legend_top + FONT_SIZE
        for row in self.legend_rows:
            x = 20.0
            for trace, width in row:
                self.parts.append(self._swatch(trace, x, y - FONT_SIZE * 0.35))
                name = xml_text(plain_text(trace.name))
                self.parts.append(f'<text x="{x + 40:.1f}" y="{y:.1f}">{name}</text>')
                x += width
            y += FONT_SIZE * 1.8

    def _swatch(self, trace, x: float, y: float) -> str:
        index = self.traces.index(trace)
        colour = self.marks.colour(trace, index)
        if trace.type == "bar" or trace.fill in ("tonexty", "toself", "tozeroy"):
            fill = trace.fillcolor if trace.type != "bar" and trace.fillcolor else colour
            if trace.type == "bar" and isinstance(trace.marker.color, str):
                fill = trace.marker.color
            swatch = (f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="32" height="16" fill={xml_attr(fill)} '
                      'stroke="#000000" stroke-width="0.5"/>')
            shape = trace.marker.pattern.shape if trace.type == "bar" and trace.marker.pattern else None
            if isinstance(shape, str) and shape:
                swatch += (f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="32" height="16" '
                           f'fill="url(#{self.marks.pattern(shape, trace)})"/>')
            return swatch
        parts = []
        if "lines" in (trace.mode or "lines"):
            dash = DASHES.get(trace.line.dash or "solid")
            parts.append(f'<line x1="{x:.1f}" x2="{x + 32:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'stroke={xml_attr(colour)} stroke-width="{trace.line.width or 2}"'
                         + (f' stroke-dasharray="{dash}"' if dash else "")
                         + "/>")
        if "markers" in (trace.mode or ""):
            symbol = trace.marker.symbol if isinstance(trace.marker.symbol, str) else "circle"
            marker_colour = trace.marker.color if isinstance(trace.marker.color, str) else colour
            size = trace.marker.size if isinstance(trace.marker.size, (int, float)) else 6
            outline = trace.marker.line.width if trace.marker.line and trace.marker.line.width else 0
            parts.append(marker_symbol(symbol, (x + 16, y), min(size, 14), marker_colour, outline))
        return "".join(parts)

    def _text_lines(self, x: float, y: float, lines: list[str], *, anchor: str = "start",
                    size: float = FONT_SIZE, weight: str = "normal", colour: str | None = None) -> str:
        spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else size * LINE_GAP:.1f}">'
                        f"{xml_text(line)}</tspan>" for i, line in enumerate(lines))
        bold = ' font-weight="bold"' if weight == "bold" else ""
        fill = f" fill={xml_attr(colour)}" if colour else ""
        return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{bold}{fill}>'
                f"{spans}</text>")
