"""Axes for charts drawn as SVG (`cx.figure_svg`): sizes, text measures, and where a value lands.

An axis is a number axis (nice round ticks, from zero for bars), a date axis (month
ticks, at most nine) or a category axis (one slot per category, in the figure's
order). Values come from Plotly figure objects, which hold dates as ISO strings.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

WIDTH = 1100
DEFAULT_HEIGHT = 450
FONT_SIZE = 17
TITLE_SIZE = 20
# The base size the figures' own font sizes were chosen against (cx.charts.FONT): a figure's
# note at 12 is drawn at 12 * FONT_SIZE / 15, so it keeps its size beside the rest.
FIGURE_FONT_SIZE = 15
CHAR_WIDTH = 0.56  # average character width as a share of the font size (Arial/Source Sans)
LINE_GAP = 1.3
MONTH_STRIDES = (1, 2, 3, 6, 12, 24, 60)
MAX_DATE_TICKS = 9
DAY_MS = 86_400_000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def plain_text(text: object) -> str:
    """Plotly label text as plain text: line breaks kept as newlines, tags dropped, entities decoded."""
    text = re.sub(r"<br\s*/?>", "\n", str(text), flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def font_size(size: float | None, default: float = FONT_SIZE) -> float:
    """A figure's own font size (or `default` when it sets none) in this drawing's units."""
    return default if not size else round(size * FONT_SIZE / FIGURE_FONT_SIZE, 1)


def text_width(text: str, size: float) -> float:
    """Estimated drawn width of one line of text at `size` px."""
    return len(text) * size * CHAR_WIDTH


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` broken at spaces into lines no wider than `width` (a longer word gets its own line)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and text_width(candidate, size) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def data_values(values) -> list:
    if values is None:
        return []
    listed = values.tolist() if isinstance(values, np.ndarray) else values
    return [None if _missing(v) else v for v in listed]


def kind_of(value) -> str:
    if isinstance(value, (datetime, date, np.datetime64)):
        return "date"
    if isinstance(value, str):
        return "date" if _ISO_DATE.match(value) else "category"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return "linear"
    return "category"


def date_ms(value) -> float:
    return pd.Timestamp(value).value / 1e6


def _nice_step(span: float, target: int = 6) -> float:
    raw = span / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _number_label(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    text = f"{value:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else text


@dataclass
class Axis:
    """One axis: its kind, the range of values it shows, where those land in pixels, and its ticks."""

    kind: str
    title: str = ""
    low: float = 0.0
    high: float = 1.0
    categories: list[str] = field(default_factory=list)
    reversed: bool = False
    ticks: list[tuple[float, str]] = field(default_factory=list)
    start_px: float = 0.0
    end_px: float = 1.0
    slot_fraction: float = 1.0  # a bar's share of the gap between neighbouring dates

    def value(self, raw) -> float | None:
        """The axis coordinate of a data value (a category's index for a category axis)."""
        if raw is None:
            return None
        if self.kind == "category":
            return float(self.categories.index(str(raw)))
        if self.kind == "date":
            return date_ms(raw)
        return float(raw)

    def px(self, coordinate: float) -> float:
        share = (coordinate - self.low) / ((self.high - self.low) or 1)
        if self.reversed:
            share = 1 - share
        return self.start_px + share * (self.end_px - self.start_px)

    def at(self, raw) -> float | None:
        coordinate = self.value(raw)
        return None if coordinate is None else self.px(coordinate)

    def band_px(self) -> float:
        """Pixel width of one category slot, or of the narrowest gap between dates for date bars."""
        span = abs(self.end_px - self.start_px)
        if self.kind == "category":
            return span / max(len(self.categories), 1)
        return span * self.slot_fraction

    def fraction(self, share: float) -> float:
        """Pixel position of a share of the axis length (Plotly's 'paper' and 'domain' references)."""
        start, end = (self.start_px, self.end_px)
        return start + share * (end - start)


def number_scale(axis_layout, values: list, *, zero: bool) -> tuple[float, float, list[tuple[float, str]]]:
    """Range and ticks of a number axis over `values` (from zero for bars), or its set range."""
    if axis_layout.range is not None:
        low, high = (float(v) for v in axis_layout.range)
    else:
        numbers = [float(v) for v in values if v is not None] or [0.0, 1.0]
        low, high = min(numbers), max(numbers)
        if zero or axis_layout.rangemode == "tozero":
            low, high = min(low, 0.0), max(high, 0.0)
        if high == low:
            low, high = low - 1, high + 1
        margin = (high - low) * 0.06
        low = low if (zero and low == 0) else low - margin
        high = high + margin
    if axis_layout.tickvals is not None:
        labels = axis_layout.ticktext or [str(v) for v in axis_layout.tickvals]
        return low, high, [(float(v), plain_text(t))
                           for v, t in zip(axis_layout.tickvals, labels, strict=True)]
    step = float(axis_layout.dtick) if isinstance(axis_layout.dtick, (int, float)) else _nice_step(high - low)
    first = math.ceil(low / step - 1e-9) * step
    ticks, value = [], first
    while value <= high + 1e-9 and len(ticks) < 40:
        ticks.append((value, _number_label(value, step)))
        value += step
    return low, high, ticks


def date_scale(axis_layout, values: list, *, bars: bool) -> tuple[float, float, list, float]:
    """Range, month ticks and narrowest gap (as a share of the range) of a date axis."""
    times = sorted({date_ms(v) for v in values if v is not None}) or [date_ms("2000-01-01")]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)] or [30 * DAY_MS]
    narrowest = min(gaps)
    if axis_layout.range is not None:
        low, high = (date_ms(v) for v in axis_layout.range)
    else:
        pad = narrowest / 2 if bars else max((times[-1] - times[0]) * 0.03, 15 * DAY_MS)
        low, high = times[0] - pad, times[-1] + pad
    fmt = axis_layout.tickformat or "%b %Y"
    first, last = pd.Timestamp(low, unit="ms"), pd.Timestamp(high, unit="ms")
    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    months = [m for m in months if low <= m.value / 1e6 <= high]
    stride = next((s for s in MONTH_STRIDES if math.ceil(len(months) / s) <= MAX_DATE_TICKS),
                  MONTH_STRIDES[-1])
    if stride >= 12:
        months = [m for m in months if m.month == 1] or months
        stride = max(stride // 12, 1)
    ticks = [(m.value / 1e6, m.strftime(fmt)) for m in months[::stride]]
    return low, high, ticks, narrowest / ((high - low) or 1)
