"""Numbers and periods written the way the app shows them (UK English, no HTML)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cx.metrics import Estimate


def period_label(start: date, grain: str) -> str:
    """'October 2026', 'Q3 2026', 'week of 5 Oct 2026' or '2026'."""
    stamp = pd.Timestamp(start)
    if grain == "month":
        return stamp.strftime("%B %Y")
    if grain == "quarter":
        return f"Q{stamp.quarter} {stamp.year}"
    if grain == "week":
        return f"week of {stamp.day} {stamp.strftime('%b %Y')}"
    if grain == "year":
        return str(stamp.year)
    raise ValueError(f"Unknown period {grain!r}.")


def shown_decimals(unit: str) -> int:
    """Decimal places a value in `unit` is shown to: none for points, per cent and seconds, one for
    scores on a 1-to-5 or 1-to-7 scale."""
    return 0 if unit in ("points", "%", "seconds") else 1


def format_value(estimate: Estimate, decimals: int | None = None) -> str:
    """The estimate's value with its unit: '+12', '81%', '5.3'; '–' when there is none.

    `decimals` overrides the unit's usual places (`shown_decimals`): '+19.9'."""
    value = estimate.value
    if value is None:
        return "–"
    places = shown_decimals(estimate.unit) if decimals is None else decimals
    if estimate.unit == "points":
        written = f"{value:+.{places}f}"
        return "0" if float(written) == 0 else written
    suffix = {"%": "%", "seconds": " s"}.get(estimate.unit, "")
    return f"{value:.{places}f}{suffix}"


def format_interval(estimate: Estimate) -> str:
    """'95% interval +4 to +19' or '' when there is no interval."""
    if estimate.low is None or estimate.high is None:
        return ""
    low = Estimate(estimate.metric, estimate.low, estimate.n, None, None, estimate.unit)
    high = Estimate(estimate.metric, estimate.high, estimate.n, None, None, estimate.unit)
    return f"95% interval {format_value(low)} to {format_value(high)}"


def format_change(change: float | None, unit: str) -> str:
    """'up 3 points', 'down 1.2', 'no change'; unit as in Estimate."""
    if change is None:
        return "no earlier figure to compare"
    if abs(change) < 0.05:
        return "no change"
    return f"{'up' if change > 0 else 'down'} {_amount(abs(change), unit)}"


def signed_change(change: float, unit: str) -> str:
    """A short signed change for metric cards, '+3 points', '-0.7 points', '+12 s', '-0.2'.

    The leading sign matters: Streamlit points the arrow by it.
    """
    return f"{'-' if change < 0 else '+'}{_amount(abs(change), unit)}"


def _amount(size: float, unit: str) -> str:
    if unit in ("points", "%"):
        amount = f"{size:.0f}" if size >= 1 else f"{size:.1f}"
        return f"{amount} {'point' if amount == '1' else 'points'}"
    if unit == "seconds":
        return f"{size:.0f} s"
    return f"{size:.1f}"


def format_count(n: int | float) -> str:
    return f"{int(n):,}"

def format_date(day: date) -> str:
    """'9 October 2026' (UK order, no leading zero)."""
    return f"{day.day} {day:%B %Y}"


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$:")


def escape_markdown(text: str) -> str:
    """User text made literal for Streamlit's Markdown (headings, captions, alerts).

    Every Markdown, HTML, LaTeX ($) and emoji/colour-directive (:) character gets a
    backslash, so a round called "**Q1** :red[x]" shows exactly those characters.
    """
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def blank_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` for showing, where a missing value is an empty cell, never "None" or "nan".

    Columns without missing values keep their type (so numbers still sort as numbers);
    a column with any becomes text, whole numbers written without ".0".
    """
    shown = frame.copy()
    for name in shown.columns:
        column = shown[name]
        if column.isna().any():
            shown[name] = pd.Series([_cell_text(value) for value in column.tolist()], index=column.index,
                                    dtype="str")
    return shown


def _cell_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
