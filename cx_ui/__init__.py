"""The only Streamlit glue: the cached database, cached queries and shared widgets.

Pages import this module and `cx`; `cx` itself never imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from cx.bootstrap import open_app_database
from cx.config import Settings
from cx.errors import PlaceCXError
from cx.store import Database, Store

T = TypeVar("T")


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


def cached(store_: Store, query: Callable[..., T], *args: Any) -> T:
    """Run `query(store, *args)` through st.cache_data, keyed on the data version.

    Only use it for functions that return small aggregated results: every cache hit
    returns an unpickled copy. Any committed write bumps the data version, so no
    stale figure survives an import.
    """
    key = f"{query.__module__}.{query.__qualname__}"
    return _cached_call(key, str(settings().db_path), store_.data_version(), args, store_, query)


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_call(key: str, db_path: str, version: int, args: tuple, _store: Store, _query: Callable) -> Any:
    del key, db_path, version  # part of the cache key only; leading underscores are not hashed
    return _query(_store, *args)


def page_title(title: str) -> None:
    """The page's heading and its browser-tab title ("Trends · PlaceCX"), unique per page.

    Every page starts with this call, so it is also where a page notices it was run
    without the router (see `_run_through_router`).
    """
    _run_through_router()
    st.set_page_config(page_title=f"{title} · PlaceCX")
    st.title(title)


def _run_through_router() -> None:
    """Re-run through app.py when Streamlit ran a page file directly.

    Streamlit decides once per server process, from the mere existence of a
    `pages/` folder, to use its legacy folder-based navigation, and only leaves that
    mode when app.py calls st.navigation. If the first request after a start is a
    deep link (/trends), the page file runs alone: no router, no shared sidebar,
    the wrong page list. Clearing the flag and re-running sends the request through
    app.py, which then routes to the same page by its URL.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def chart_with_table(fig: go.Figure, table: pd.DataFrame, *, key: str) -> None:
    """Draw a chart and, under it, the same numbers as a table a screen reader can read."""
    st.plotly_chart(fig, width="stretch", key=f"chart-{key}", config={"displaylogo": False})
    with st.expander(f"Table: {fig.layout.title.text}"):
        st.dataframe(table, hide_index=True, width="stretch")
