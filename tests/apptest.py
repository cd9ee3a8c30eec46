"""Helpers for AppTest page tests: run the app through its router and read what it shows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from .conftest import ROOT


def open_page(page: str | None = None, **state) -> AppTest:
    """Run app.py with `state` preset in session state, switch to `page` (e.g. "pages/roadmap.py")
    if given, and fail on any exception the page raised."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label_start: str):
    """The one st.metric whose label starts with `label_start`."""
    matches = [m for m in at.metric if m.label.startswith(label_start)]
    assert len(matches) == 1, [m.label for m in at.metric]
    return matches[0]


def table(at: AppTest, *columns: str):
    """The one dataframe on the page whose columns start with `columns`."""
    found = [d.value for d in at.dataframe if tuple(d.value.columns[: len(columns)]) == columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def messages(elements) -> list[str]:
    """The text of alerts (at.success, at.error, ...) as people read it.

    Messages are shown as literal text, so Markdown characters in them carry a
    backslash in the page source; this takes the backslashes out again.
    """
    return [re.sub(r"\\(.)", r"\1", element.value) for element in elements]


def texts(at: AppTest) -> list[str]:
    """The values of every st.text on the page."""
    return [t.value for t in at.text]


def query(path: Path, sql: str, params=()) -> list[tuple]:
    """Run one SQL statement against a database file and return its rows."""
    con = duckdb.connect(str(path))
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


SVG = "{http://www.w3.org/2000/svg}"
CHART_START = '<div class="placecx-chart" id="chart-'


def charts(at: AppTest) -> dict[str, ET.Element]:
    """The SVG charts on the page (drawn by cx.figure_svg, shown through st.markdown), by key."""
    found = {}
    for element in at.markdown:
        if element.value.startswith(CHART_START):
            root = ET.fromstring(element.value)
            found[root.get("id").removeprefix("chart-")] = root.find(f"{SVG}svg")
    return found


def chart_series(at: AppTest, key: str) -> dict[str, list[tuple[str, str]]]:
    """Each series drawn in the chart `key`: its name -> the (x, y) values its marks carry."""
    svg = charts(at)[key]
    return {group.get("data-series"): [(mark.get("data-x"), mark.get("data-y"))
                                       for mark in group.iter(f"{SVG}g") if mark.get("data-y") is not None]
            for group in svg.iter(f"{SVG}g") if group.get("data-series") is not None}
