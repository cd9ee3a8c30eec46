"""The marks of a chart drawn as SVG (`cx.figure_svg`): lines, bands, points, whiskers, bars, cells.

Every mark carries its hover words as a tooltip and its values as data attributes;
every text and attribute is escaped here (`xml_text`, `xml_attr`) and holds no raw
line break, since the chart is shown inside a Markdown HTML block.
"""

from __future__ import annotations

import math
import re
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from cx.svg_axes import FONT_SIZE, Axis, data_values, font_size, kind_of, plain_text, text_width

DASHES = {"solid": None, "dash": "9 5", "dot": "2 4", "dashdot": "9 4 2 4", "longdash": "16 6",
          "longdashdot": "16 5 2 5"}
PATTERN_PATHS = {"/": "M0 10 L10 0", "\\": "M0 0 L10 10", "x": "M0 10 L10 0 M0 0 L10 10", "-": "M0 5 H10",
                 "|": "M5 0 V10", "+": "M0 5 H10 M5 0 V10", ".": "M4 4 h2 v2 h-2 z"}
_TOKEN = re.compile(r"%\{([a-z]+)(?:\[(\d+)\])?(?:([:|])([^}]*))?\}")


class Marks:
    """Draws a figure's traces on its two axes into `parts` (SVG fragments) and `defs` (hatching)."""

    def __init__(self, layout, traces: list, x: Axis, y: Axis, ident: str, *, horizontal: bool) -> None:
        """`horizontal`: the bars run along the x axis (their categories are on y)."""
        self.layout, self.traces, self.x, self.y, self.ident = layout, traces, x, y, ident
        self.colours = list(layout.colorway or ()) or ["#0072B2"]
        self.horizontal = horizontal
        self.parts: list[str] = []
        self.defs: list[str] = []

    def colour(self, trace, index: int) -> str:
        """The trace's own line or marker colour, else the figure's colour for its position."""
        line = getattr(trace, "line", None)
        marker = trace.marker
        for candidate in (line.color if line is not None else None, marker.color if marker else None):
            if isinstance(candidate, str):
                return candidate
        return self.colours[index % len(self.colours)]

    def _marker_colour(self, trace, index: int):
        return trace.marker.color if trace.marker.color is not None else self.colour(trace, index)

    def draw_traces(self) -> None:
        """Every visible trace in order, each in a group named after its series."""
        bars = [t for t in self.traces if t.type == "bar"]
        starts = stacked_bars(self.traces, self.horizontal)[0] if self.layout.barmode == "stack" else {}
        previous_points: list | None = None
        for index, trace in enumerate(self.traces):
            if trace.visible is False:
                continue
            start = len(self.parts)
            self._draw_trace(trace, index, bars, starts.get(index), previous_points)
            if trace.type == "scatter":
                previous_points = self._points(trace)
            # Each series in a group named after it, each point with its values: what a test reads back.
            drawn = "".join(self.parts[start:])
            self.parts[start:] = [f"<g data-series={xml_attr(plain_text(trace.name or ''))}>{drawn}</g>"]

    def _draw_trace(self, trace, index: int, bars: list, starts: list[float] | None, previous_points) -> None:
        """One trace; a band's lower edge fills up to `previous_points`, the trace drawn before it;
        stacked bars start at `starts` (see `stacked_bars`)."""
        if trace.type == "bar":
            self._draw_bars(trace, index, bars.index(trace), len(bars), starts)
            return
        if trace.type == "heatmap":
            self._draw_cells(trace)
            return
        points = self._points(trace)
        if trace.fill == "tonexty" and previous_points is not None:
            self._draw_fill(previous_points, points, trace.fillcolor or self.colour(trace, index))
        if "lines" in (trace.mode or "lines") and (trace.line.width is None or trace.line.width > 0):
            self._draw_lines(trace, points, self.colour(trace, index))
        self._draw_errors(trace, points, self.colour(trace, index))
        if "markers" in (trace.mode or ""):
            self._draw_markers(trace, points, index)

    def _points(self, trace) -> list[tuple[float, float] | None]:
        xs, ys = data_values(trace.x), data_values(trace.y)
        points = []
        for x, y in zip(xs, ys, strict=False):
            points.append(None if x is None or y is None else (self.x.at(x), self.y.at(y)))
        return points

    def _draw_fill(self, under: list, over: list, colour: str) -> None:
        ring = [p for p in under if p] + [p for p in reversed(over) if p]
        if len(ring) >= 3:
            self.parts.append(f'<polygon points="{point_pairs(ring)}" fill={xml_attr(colour)} '
                              'stroke="none"/>')

    def _draw_lines(self, trace, points: list, colour: str) -> None:
        dash = DASHES.get(trace.line.dash or "solid")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        width = trace.line.width or 2
        runs, run = [], []
        for point in points + [None]:
            if point is None:
                if len(run) >= 2:
                    runs.append(run)
                run = [] if not trace.connectgaps else run
            else:
                run.append(point)
        for run in runs:
            self.parts.append(f'<polyline points="{point_pairs(run)}" fill="none" stroke={xml_attr(colour)} '
                              f'stroke-width="{width}" stroke-linejoin="round"{dash_attr}/>')

    def _draw_errors(self, trace, points: list, colour: str) -> None:
        for letter in ("x", "y"):
            error = getattr(trace, f"error_{letter}", None)
            if error is None or error.array is None:
                continue
            plus = data_values(error.array)
            minus = data_values(error.arrayminus) if error.arrayminus is not None else plus
            values = data_values(getattr(trace, letter))
            stroke = xml_attr(error.color or colour)
            for point, value, up, down in zip(points, values, plus, minus, strict=False):
                if point is None or value is None or up is None or down is None:
                    continue
                self.parts.append(self._whisker(letter, point, value + up, value - down, stroke))

    def _whisker(self, letter: str, point: tuple[float, float], high: float, low: float, stroke: str) -> str:
        axis = self.x if letter == "x" else self.y
        a, b = axis.px(low), axis.px(high)
        x, y = point
        if letter == "x":
            return (f'<path d="M{a:.1f} {y:.1f}H{b:.1f}M{a:.1f} {y - 5:.1f}V{y + 5:.1f}M{b:.1f} {y - 5:.1f}'
                    f'V{y + 5:.1f}" stroke={stroke} stroke-width="1.5" fill="none"/>')
        return (f'<path d="M{x:.1f} {a:.1f}V{b:.1f}M{x - 5:.1f} {a:.1f}H{x + 5:.1f}M{x - 5:.1f} {b:.1f}'
                f'H{x + 5:.1f}" stroke={stroke} stroke-width="1.5" fill="none"/>')

    def _draw_markers(self, trace, points: list, index: int) -> None:
        count = len(points)
        symbols = _each(trace.marker.symbol or "circle", count)
        colours = _each(self._marker_colour(trace, index), count)
        size = trace.marker.size if isinstance(trace.marker.size, (int, float)) else 6
        outline = trace.marker.line.width if trace.marker.line and trace.marker.line.width else 0
        xs, ys = data_values(trace.x), data_values(trace.y)
        for i, point in enumerate(points):
            if point is None:
                continue
            tip = _hover(trace, i, xs[i], ys[i])
            mark = marker_symbol(str(symbols[i]), point, size, str(colours[i]), outline)
            self.parts.append(f"<g {_data(xs[i], ys[i])}>{_tooltip(tip) if tip else ''}{mark}</g>")

    def _draw_bars(self, trace, index: int, position: int, bar_count: int,
                   starts: list[float] | None) -> None:
        keys, amounts = bar_keys_and_amounts(trace, self.horizontal)
        key_axis, value_axis = (self.y, self.x) if self.horizontal else (self.x, self.y)
        grouped = self.layout.barmode in (None, "group") and bar_count > 1
        thickness = key_axis.band_px() * 0.8 / (bar_count if grouped else 1)
        count = len(keys)
        colours = _each(self._marker_colour(trace, index), count)
        patterns = _each(trace.marker.pattern.shape if trace.marker.pattern else "", count)
        texts = _each(trace.text, count) if trace.text is not None else [None] * count
        edge = trace.marker.line.color if trace.marker.line and trace.marker.line.color else None
        edge_attr = f' stroke={xml_attr(edge)} stroke-width="{trace.marker.line.width or 1}"' if edge else ""
        errors = self._bar_errors(trace, amounts)
        for i, (key, amount) in enumerate(zip(keys, amounts, strict=False)):
            if key is None or amount is None:
                continue
            centre = key_axis.at(key)
            offset = (position - (bar_count - 1) / 2) * thickness if grouped else 0
            start = starts[i] if starts else 0.0
            a, b = value_axis.px(start), value_axis.px(start + amount)
            box = self._box(centre + offset, thickness, a, b)
            tip = _hover(trace, i, trace.x[i] if trace.x is not None else None,
                         trace.y[i] if trace.y is not None else None)
            fill = xml_attr(str(colours[i]))
            parts = [_tooltip(tip) if tip else "", f"<rect {box} fill={fill}{edge_attr}/>"]
            if patterns[i]:
                hatch = self.pattern(str(patterns[i]), trace)
                parts.append(f'<rect {box} fill="url(#{hatch})" stroke="none"/>')
            if texts[i]:
                parts.append(self._bar_text(str(texts[i]), trace, centre + offset, a, b))
            self.parts.append(f"<g {_data(trace.x[i], trace.y[i])}>{''.join(parts)}</g>")
            if errors and errors[i]:
                high, low = errors[i]
                point = (b, centre + offset) if self.horizontal else (centre + offset, b)
                letter = "x" if self.horizontal else "y"
                error = trace.error_x if self.horizontal else trace.error_y
                stroke = xml_attr(error.color or "currentColor")
                self.parts.append(self._whisker(letter, point, high, low, stroke))

    def _draw_cells(self, trace) -> None:
        """A heat map's cells: colour from its colour scale, a gap between cells, hover words as tooltips."""
        xs, ys = data_values(trace.x), data_values(trace.y)
        width, height = self.x.band_px(), self.y.band_px()
        for row, (y, values) in enumerate(zip(ys, trace.z, strict=False)):
            for column, (x, z) in enumerate(zip(xs, values, strict=False)):
                if z is None or (isinstance(z, float) and math.isnan(z)):
                    continue
                share = (z - trace.zmin) / ((trace.zmax - trace.zmin) or 1)
                cx, cy = self.x.at(x), self.y.at(y)
                gap_x, gap_y = (trace.xgap or 0), (trace.ygap or 0)
                box = (f'x="{cx - width / 2 + gap_x / 2:.1f}" y="{cy - height / 2 + gap_y / 2:.1f}" '
                       f'width="{width - gap_x:.1f}" height="{height - gap_y:.1f}"')
                tip = _hover(_Cell(trace, row), column, x, y)
                colour = _colour_at(trace.colorscale, share)
                tooltip = _tooltip(tip) if tip else ""
                self.parts.append(f"<g>{tooltip}<rect {box} fill={xml_attr(colour)}/></g>")

    def _bar_errors(self, trace, amounts: list) -> list | None:
        error = trace.error_x if self.horizontal else trace.error_y
        if error is None or error.array is None:
            return None
        plus = data_values(error.array)
        minus = data_values(error.arrayminus) if error.arrayminus is not None else plus
        return [None if None in (v, p, m) else (v + p, v - m)
                for v, p, m in zip(amounts, plus, minus, strict=False)]

    def _box(self, centre: float, thickness: float, a: float, b: float) -> str:
        low, high = min(a, b), max(a, b)
        if self.horizontal:
            return (f'x="{low:.1f}" y="{centre - thickness / 2:.1f}" width="{high - low:.1f}" '
                    f'height="{thickness:.1f}"')
        return (f'x="{centre - thickness / 2:.1f}" y="{low:.1f}" width="{thickness:.1f}" '
                f'height="{high - low:.1f}"')

    def _bar_text(self, text: str, trace, centre: float, a: float, b: float) -> str:
        words = plain_text(text)
        size = font_size(trace.textfont.size if trace.textfont else None, FONT_SIZE - 1)
        room, needed = abs(b - a), (text_width(words, size) if self.horizontal else size) + 6
        if room < needed:
            return ""
        colour = trace.textfont.color if trace.textfont and trace.textfont.color else "#FFFFFF"
        fill = f" fill={xml_attr(colour)}"
        if self.horizontal:
            start_anchor = trace.insidetextanchor == "start"
            x = (min(a, b) + 5) if start_anchor else (a + b) / 2
            anchor = "start" if start_anchor else "middle"
            return (f'<text x="{x:.1f}" y="{centre + size * 0.35:.1f}" font-size="{size}" '
                    f'text-anchor="{anchor}"{fill}>{xml_text(words)}</text>')
        return (f'<text x="{centre:.1f}" y="{min(a, b) + size + 3:.1f}" font-size="{size}" '
                'text-anchor="middle"'
                f"{fill}>{xml_text(words)}</text>")

    def pattern(self, shape: str, trace) -> str:
        ident = f"{self.ident}-hatch-{len(self.defs)}"
        path = PATTERN_PATHS.get(shape, PATTERN_PATHS["/"])
        pattern = trace.marker.pattern
        colour = pattern.fgcolor or "#000000"
        opacity = 0.35 if pattern.solidity is None else min(1.0, 0.25 + pattern.solidity)
        self.defs.append(f'<pattern id="{ident}" width="10" height="10" patternUnits="userSpaceOnUse">'
                         f'<path d="{path}" stroke={xml_attr(colour)} stroke-opacity="{opacity:.2f}" '
                         'stroke-width="1.5" fill="none"/></pattern>')
        return ident


def stacked_bars(traces, horizontal: bool) -> tuple[dict[int, list[float]], dict[str, float]]:
    """Where each bar starts when a chart's bars stack, and each stack's total.

    Returns ({index of a visible bar trace in `traces`: the start of each of its bars},
    {key: the stack's total}); a bar starts where the bars drawn before it at its key end.
    Drawing reads the starts; the value axis is sized to take the totals.
    """
    starts: dict[int, list[float]] = {}
    totals: dict[str, float] = {}
    for index, trace in enumerate(traces):
        if trace.type != "bar" or trace.visible is False:
            continue
        starts[index] = []
        for key, amount in zip(*bar_keys_and_amounts(trace, horizontal), strict=False):
            start = totals.get(str(key), 0.0)
            starts[index].append(start)
            if key is not None and amount is not None:
                totals[str(key)] = start + amount
    return starts, totals


def bar_keys_and_amounts(trace, horizontal: bool) -> tuple[list, list]:
    """A bar trace's categories (or dates) and its bar lengths, whichever way the bars run."""
    if horizontal:
        return data_values(trace.y), data_values(trace.x)
    return data_values(trace.x), data_values(trace.y)


def _format(value, sign: str, spec: str) -> str:
    if value is None:
        return ""
    try:
        if sign == "|":
            return pd.Timestamp(value).strftime(spec)
        if sign == ":" and spec:
            return format(value, spec)
    except (TypeError, ValueError):
        pass
    if kind_of(value) == "date":
        return pd.Timestamp(value).strftime("%d %b %Y")
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def _hover(trace, index: int, x, y) -> str:
    """The trace's hover template filled in for one point, as plain text ('' when hover is off)."""
    if trace.hoverinfo == "skip":
        return ""
    template = trace.hovertemplate
    if template is None:
        name = f"{trace.name}: " if trace.name else ""
        return plain_text(f"{name}{_format(x, '', '')}, {_format(y, '', '')}")
    template = template[0] if isinstance(template, (list, tuple)) else template
    sources = {"x": x, "y": y, "hovertext": _at(trace, "hovertext", index), "text": _at(trace, "text", index),
               "customdata": _at(trace, "customdata", index)}

    def filled(match: re.Match) -> str:
        name, item, sign, spec = match.groups()
        value = sources.get(name)
        if item is not None and value is not None:
            value = value[int(item)]
        if isinstance(value, np.generic):
            value = value.item()
        return _format(value, sign or "", spec or "")

    text = re.sub(r"<extra>.*?</extra>", "", template, flags=re.DOTALL)
    return plain_text(_TOKEN.sub(filled, text)).strip()


def _at(trace, name: str, index: int):
    values = getattr(trace, name, None)
    if values is None or isinstance(values, str):
        return values
    return values[index] if index < len(values) else None


def _each(value, count: int) -> list:
    """A per-point style: a list as given, or one value repeated."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    return [value] * count


class _Cell:
    """One row of a heat map seen as a trace, so `_hover` fills its template cell by cell."""

    def __init__(self, trace, row: int) -> None:
        self.hoverinfo, self.hovertemplate, self.name = trace.hoverinfo, trace.hovertemplate, trace.name
        self.hovertext = _row(trace.hovertext, row)
        self.text = _row(trace.text, row)
        self.customdata = _row(trace.customdata, row)


def _row(grid, row: int):
    return None if grid is None or isinstance(grid, str) else grid[row]


def _colour_at(scale: tuple, share: float) -> str:
    """The colour of a Plotly colour scale (pairs of position and '#RRGGBB') at `share` (0 to 1)."""
    stops = [(float(position), colour) for position, colour in scale]
    share = min(max(share, 0.0), 1.0)
    for (low, low_colour), (high, high_colour) in zip(stops, stops[1:], strict=False):
        if low <= share <= high:
            if high == low or low_colour == high_colour:
                return low_colour
            t = (share - low) / (high - low)
            a, b = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in (low_colour, high_colour))
            return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(a, b, strict=True))
    return stops[-1][1]


def xml_text(text: str) -> str:
    """Text for an SVG element: XML-escaped, and no raw line break, which would end the Markdown
    HTML block the chart is shown in and let what follows be read as Markdown. A tooltip's
    breaks become character references, which are still line breaks once parsed."""
    return escape(str(text)).replace("\r", "").replace("\n", "&#10;")


def xml_attr(value: object) -> str:
    """A quoted XML attribute value, escaped the same way as `xml_text`."""
    return '"' + xml_text(value).replace('"', "&quot;") + '"'


def _data(x, y) -> str:
    return f"data-x={xml_attr(x)} data-y={xml_attr(y)}"


def point_pairs(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _tooltip(text: str) -> str:
    return f"<title>{xml_text(text)}</title>"


def marker_symbol(symbol: str, point: tuple[float, float], size: float, colour: str, outline: float) -> str:
    """A Plotly marker symbol ('circle', 'square-open', 'x-thin-open', ...) centred on `point`."""
    x, y = point
    r = size / 2
    hollow = symbol.endswith("-open")
    base = symbol.removesuffix("-open")
    paint = (f'fill="none" stroke={xml_attr(colour)} stroke-width="{max(outline, 2)}"' if hollow
             else f'fill={xml_attr(colour)} stroke="none"')
    if base == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {paint}/>'
    if base == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{size:.1f}" height="{size:.1f}" {paint}/>'
    if base in ("x", "x-thin", "cross", "cross-thin"):
        if base.startswith("x"):
            d = (f"M{x - r:.1f} {y - r:.1f}L{x + r:.1f} {y + r:.1f}"
                 f"M{x - r:.1f} {y + r:.1f}L{x + r:.1f} {y - r:.1f}")
        else:
            d = f"M{x - r:.1f} {y:.1f}H{x + r:.1f}M{x:.1f} {y - r:.1f}V{y + r:.1f}"
        width = max(outline, 2.5 if base.endswith("thin") else size / 3.5)
        return f'<path d="{d}" stroke={xml_attr(colour)} stroke-width="{width:.1f}" fill="none"/>'
    shapes = {
        "diamond": [(0, -1.2), (1.2, 0), (0, 1.2), (-1.2, 0)],
        "triangle-up": [(0, -1.15), (1.1, 0.85), (-1.1, 0.85)],
        "triangle-down": [(0, 1.15), (1.1, -0.85), (-1.1, -0.85)],
        "star": [(math.sin(a) * (1.25 if k % 2 == 0 else 0.5), -math.cos(a) * (1.25 if k % 2 == 0 else 0.5))
                 for k, a in enumerate(i * math.pi / 5 for i in range(10))],
    }
    outline_points = shapes.get(base, shapes["diamond"])
    corners = point_pairs([(x + dx * r, y + dy * r) for dx, dy in outline_points])
    return f'<polygon points="{corners}" {paint}/>'
