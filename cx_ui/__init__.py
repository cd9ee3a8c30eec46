"""The only Streamlit glue: the cached database, cached queries and shared widgets.

Pages import this module and `cx`; `cx` itself never imports Streamlit.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.elements.lib.streamlit_plotly_theme import BG_COLOR as _THEME_BACKGROUND
from streamlit.elements.lib.streamlit_plotly_theme import GRAY_70 as _THEME_MUTED
from streamlit.elements.lib.streamlit_plotly_theme import GRAY_90 as _THEME_TEXT
from streamlit.errors import StreamlitSecretNotFoundError

from cx.bootstrap import open_app_database
from cx.config import Settings
from cx.errors import PlaceCXError
from cx.exports import to_csv_bytes, to_xlsx_bytes
from cx.store import Database, Store

T = TypeVar("T")
ROUTER = Path(__file__).resolve().parent.parent / "app.py"
# Help for every st.date_input. Its day and month boxes are small targets (18 x 20 px,
# WCAG 2.5.8); the calendar does the same job with targets that pass, so say where it is.
DATE_HELP = ("Type the date, or choose it from the calendar: the button at the right-hand end "
             "of the field, or Alt and the down arrow.")


def settings() -> Settings:
    """Settings from the environment and `.streamlit/secrets.toml`; stops the page on a bad value."""
    try:
        secrets = dict(st.secrets)
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        secrets = {}
    try:
        return Settings.load(secrets)
    except ValueError as error:
        st.error(f"PlaceCX cannot start: {error}")
        st.stop()


@st.cache_resource(show_spinner="Opening the database…")
def _database(db_path: str, demo: bool) -> Database:
    """One Database (one DuckDB connection) per file per server process."""
    from pathlib import Path

    return open_app_database(Settings(db_path=Path(db_path), demo=demo))


def store() -> Store:
    """A Store over a fresh cursor for this rerun; take it once at the top of a page.

    When the database cannot be opened (locked by another process, not a DuckDB
    file, newer schema) the page shows the reason in one sentence and stops.
    """
    config = settings()
    try:
        return _database(str(config.db_path), config.demo).store()
    except PlaceCXError as error:
        st.error(str(error))
        st.stop()


def cached(store_: Store, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `query(store, *args, **kwargs)` through st.cache_data, keyed on the data version.

    Only use it for functions that return small aggregated results: every cache hit
    returns an unpickled copy. Any committed write bumps the data version, so no
    stale figure survives an import.
    """
    key = f"{query.__module__}.{query.__qualname__}"
    return _cached_call(key, str(settings().db_path), store_.data_version(), args,
                        tuple(sorted(kwargs.items())), store_, query)


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_call(key: str, db_path: str, version: int, args: tuple, kwargs: tuple, _store: Store,
                 _query: Callable) -> Any:
    del key, db_path, version  # part of the cache key only; leading underscores are not hashed
    return _query(_store, *args, **dict(kwargs))


_FOCUS_CSS = (Path(__file__).with_name("focus.css")).read_text(encoding="utf-8")


def style_focus() -> None:
    """Add the app's focus-ring stylesheet (our own file, never user text) to the page."""
    st.html(f"<style>{_FOCUS_CSS}</style>")


def page_title(title: str) -> None:
    """The page's heading and its browser-tab title ("Trends · PlaceCX"), unique per page.

    Every page starts with this call, so it is also where a page notices it was run
    without the router (see `_run_through_router`).
    """
    _run_through_router()
    st.set_page_config(page_title=f"{title} · PlaceCX")
    st.title(title)


def _run_through_router() -> None:
    """Run app.py, the router, when Streamlit ran a page file on its own.

    Streamlit decides once per server process, from the mere existence of a
    `pages/` folder, to use its legacy folder-based navigation, and leaves that mode
    only when app.py calls st.navigation (AppTest even resets it before every run).
    In that mode a request for /roadmap runs pages/roadmap.py alone: no router, no
    shared sidebar, the wrong page list. Every page's file name therefore equals its
    url_path (a test checks it), so the legacy mode always finds the page; this
    function then leaves the legacy mode and runs the router in the same script run,
    which routes to the same page, and stops the outer run. Running in place rather
    than with st.rerun() keeps the button click or form submission that started it.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(ROUTER), run_name="__main__")
        st.stop()


def chart_with_table(fig: go.Figure, table: pd.DataFrame, *, key: str) -> None:
    """Draw a chart and, under it, the same numbers as a table a screen reader can read.

    Axis, legend and annotation text take the theme's strong grey, which Streamlit
    swaps in for its placeholder colour in light and dark themes alike; its default
    faded grey for tick labels and hover labels falls short of 4.5:1 on white. The toolbar (modebar) gets
    the same treatment: plotly's own icon grey is about 1.7:1 on white, under the 3:1 a
    control needs. Its icons take the theme's muted grey (3.7:1 on white), the active and
    hovered tool the strong grey, on the page's own background.
    """
    fig = go.Figure(fig).update_layout(
        font_color=_THEME_TEXT, legend_font_color=_THEME_TEXT, hoverlabel_font_color=_THEME_TEXT,
        modebar_color=_THEME_MUTED, modebar_activecolor=_THEME_TEXT, modebar_bgcolor=_THEME_BACKGROUND,
    )
    fig.update_xaxes(tickfont_color=_THEME_TEXT, title_font_color=_THEME_TEXT)
    fig.update_yaxes(tickfont_color=_THEME_TEXT, title_font_color=_THEME_TEXT)
    st.plotly_chart(fig, width="stretch", key=f"chart-{key}", config={"displaylogo": False})
    with st.expander(f"Table: {fig.layout.title.text}"):
        st.dataframe(table, hide_index=True, width="stretch")


def download_buttons(frame: pd.DataFrame, *, file_stem: str, title: str, key: str) -> None:
    """'Download CSV' and 'Download XLSX' for a table; files are built only when clicked.

    Text cells that a spreadsheet would run as formulas are neutralised (cx.exports).
    """
    # st.columns refuses width="content"; a horizontal container keeps the buttons side by side.
    row = st.container(horizontal=True)
    row.download_button(
        "Download CSV", data=lambda: to_csv_bytes(frame), file_name=f"{file_stem}.csv",
        mime="text/csv", key=f"{key}-csv", on_click="ignore", icon=":material/download:",
    )
    row.download_button(
        "Download XLSX", data=lambda: to_xlsx_bytes({"Data": frame}, titles={"Data": title}),
        file_name=f"{file_stem}.xlsx", key=f"{key}-xlsx", on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


def remember(widget_key: str, saved_key: str) -> None:
    """on_change callback: copy a widget's value to a key that survives page changes.

    Streamlit forgets a widget's state when a page without that widget runs, so
    values that must persist across pages live under a separate, non-widget key.
    """
    st.session_state[saved_key] = st.session_state[widget_key]


def current_person(store_: Store) -> tuple[int, str] | None:
    """The sidebar "You are" picker; returns (person_id, name) or None until one is chosen.

    Until sign-in exists, people say who they are; the choice is kept while they
    move between pages and is recorded with what they save.
    """
    people = store_.people()
    if people.empty:
        st.sidebar.info("Nobody has been added to the team yet.")
        return None
    names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
    roles = dict(zip(people["person_id"].tolist(), people["role"].tolist(), strict=True))
    saved = st.session_state.get("person_id")
    chosen = st.sidebar.selectbox(
        "You are",
        options=list(names),
        index=list(names).index(saved) if saved in names else None,
        format_func=lambda pid: f"{names[pid]} ({roles[pid]})" if isinstance(roles[pid], str) else names[pid],
        placeholder="Choose your name",
        key="person_widget",
        on_change=remember,
        args=("person_widget", "person_id"),
        help="Until sign-in exists, choose who you are. Your name is saved with your answers.",
    )
    return None if chosen is None else (chosen, names[chosen])


# --- Messages that outlive a rerun (heat map, roadmap) ------------------------
# Form callbacks run before the page; a message they leave here is shown once, at
# the top of the next run, so every part of the page already shows the new data.

_NOTICE = "cx_ui_notice"


def notice(message: str, *, error: bool = False) -> None:
    """Leave a success (or error) message for the next run of the page."""
    st.session_state[_NOTICE] = ("error" if error else "success", message)


def show_notice() -> None:
    """Show, once, the message left by `notice`; call near the top of a page."""
    kind, message = st.session_state.pop(_NOTICE, (None, None))
    if kind == "success":
        st.success(message, icon=":material/check_circle:")
    elif kind == "error":
        st.error(message, icon=":material/error:")
