"""cx_ui.chart_with_table keeps each drawn chart: built once for the same numbers, again for new ones."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

import cx_ui

BUILT: list[pd.DataFrame] = []


def _bars(frame: pd.DataFrame, title: str) -> go.Figure:
    BUILT.append(frame)
    fig = go.Figure(go.Bar(x=frame["service"], y=frame["csat"], name="CSAT"))
    fig.update_layout(title_text=title)
    return fig


def _kept_picture(frame: pd.DataFrame) -> tuple[str, str]:
    """What chart_with_table drew for `frame` (from the cache, or drawn now if it was not kept)."""
    return cx_ui.chart_picture(_bars, frame, "CSAT by service", key="k")


def test_the_same_numbers_are_drawn_once_and_changed_numbers_are_drawn_again():
    cx_ui._cached_call.clear()
    BUILT.clear()
    first = pd.DataFrame({"service": ["Waste", "Parking"], "csat": [71.5, 64.0]})
    cx_ui.chart_with_table(_bars, first, "CSAT by service", table=first, key="k")
    # Another session's frame with equal contents is a different object: the kept picture is used.
    cx_ui.chart_with_table(_bars, first.copy(), "CSAT by service", table=first, key="k")
    picture, title = _kept_picture(first)
    assert len(BUILT) == 1
    assert title == "CSAT by service"
    assert [float(y) for y in re.findall(r'data-y="([^"]+)"', picture)] == [71.5, 64.0]

    changed = first.assign(csat=[71.5, 66.0])
    cx_ui.chart_with_table(_bars, changed, "CSAT by service", table=changed, key="k")
    picture, _ = _kept_picture(changed)
    assert len(BUILT) == 2
    assert [float(y) for y in re.findall(r'data-y="([^"]+)"', picture)] == [71.5, 66.0]
