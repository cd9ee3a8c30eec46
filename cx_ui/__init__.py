"""The only Streamlit glue: the cached database, cached queries and shared widgets.

Pages import this module and `cx`; `cx` itself never imports Streamlit.
"""

from __future__ import annotations

import contextlib
import functools
import html
import runpy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.elements.lib.streamlit_plotly_theme import BG_COLOR as _THEME_BACKGROUND
from streamlit.elements.lib.streamlit_plotly_theme import GRAY_70 as _THEME_MUTED
from streamlit.elements.lib.streamlit_plotly_theme import GRAY_90 as _THEME_TEXT
from streamlit.errors import StreamlitSecretNotFoundError

from cx.access import open_store
from cx.bootstrap import open_app_database
from cx.config import Settings
from cx.edits import EditConflict
from cx.errors import PlaceCXError
from cx.exports import to_csv_bytes, to_xlsx_bytes
from cx.figure_svg import Unsupported, figure_svg
from cx.formatting import escape_markdown
from cx.inbox import InboxWorker, start_worker, stop_worker
from cx.store import Database, FeatureStore, Store
from cx_ui import identity, state

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
        st.error(literal(f"PlaceCX cannot start: {error}"))
        st.stop()


@st.cache_resource(show_spinner="Opening the database (a first start also adds the demo council, "
                              "which takes about 15 seconds)…")
def _database(db_path: str, demo: bool) -> Database:
    """One Database (one DuckDB connection) per file per server process."""
    from pathlib import Path

    return open_app_database(Settings(db_path=Path(db_path), demo=demo))


@st.cache_resource(show_spinner=False, on_release=stop_worker)
def _inbox_worker(db_path: str, demo: bool, folder: str) -> InboxWorker:
    """The one thread per server process that watches the inbox folder (cx.inbox) with its own cursor.

    It starts with the cached Database and stops with it (or when the server
    process ends); it never raises into a page.
    """
    return start_worker(_database(db_path, demo), Path(folder))


def database() -> Database:
    """The process's Database, with its inbox worker running (unless the inbox is switched off).

    Code that runs outside the page (a download built when clicked) takes its own
    `database().store()` there, rather than the page's store.

    When the database cannot be opened (locked by another process, not a DuckDB
    file, newer schema) the page shows the reason in one sentence and stops.
    """
    config = settings()
    try:
        opened = _database(str(config.db_path), config.demo)
    except PlaceCXError as error:
        st.error(literal(str(error)))
        st.stop()
    inbox_worker()
    return opened


def warm() -> None:
    """Open the database and start the inbox worker before any page runs (`python -m cx_ui.serve`).

    Fills the same process-wide cache the pages use. Bad settings or a database
    that cannot be opened are left for the first page to explain in a sentence.
    """
    try:
        secrets = dict(st.secrets)
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        secrets = {}
    try:
        config = Settings.load(secrets)
        _database(str(config.db_path), config.demo)
    except (ValueError, PlaceCXError):
        return
    folder = config.inbox_folder()
    if folder is not None:
        _inbox_worker(str(config.db_path), config.demo, str(folder))


def inbox_worker() -> InboxWorker | None:
    """The inbox worker of this server process, or None when the inbox is switched off."""
    config = settings()
    folder = config.inbox_folder()
    if folder is None:
        return None
    return _inbox_worker(str(config.db_path), config.demo, str(folder))


def store() -> Store:
    """A Store over a fresh cursor, acting for the person using PlaceCX; take it once per page run.

    Every write through it is checked against that person's role (cx.access).
    """
    return open_store(database(), identity.me())


def system_store() -> Store:
    """A Store acting for PlaceCX itself, for the router to find out who is signing in."""
    return database().store()


def cached(query: Callable[..., T], *args: Any, reads: Sequence[str] = (), **kwargs: Any) -> T:
    """Run a query through st.cache_data, keyed on its arguments and the data it reads.

    `query` is a feature store's bound method (`store.surveys.metrics`), whose
    class says which features it reads, or a function taking the `Store` among its
    arguments (`build_overview, store, grain`), with `reads` naming the features it
    depends on (empty: any change). A committed write to one of those features
    changes the key, so no stale figure survives an import. Only use it for
    small aggregated results: every cache hit returns an unpickled copy.
    """
    owner = getattr(query, "__self__", None)
    if isinstance(owner, FeatureStore):
        session, reads, name = owner._session, owner.READS, f"{type(owner).__qualname__}.{query.__name__}"
    else:
        session = next(a._session for a in args if isinstance(a, Store))
        name = f"{query.__module__}.{query.__qualname__}"
    key_args = tuple("<store>" if isinstance(a, Store) else a for a in args)
    key = (str(settings().db_path), session.data_version(reads), key_args, tuple(sorted(kwargs.items())))
    return _cached_call(name, key, functools.partial(query, *args, **kwargs))


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_call(name: str, key: tuple, _call: Callable[[], Any]) -> Any:
    """`_call()`, kept under (name, key); Streamlit hashes the key by value (data frames too)."""
    del name, key  # the cache key only; the leading underscore is not hashed
    return _call()


_FOCUS_CSS = "".join((Path(__file__).with_name(name)).read_text(encoding="utf-8")
                     for name in ("focus.css", "wrap.css"))


def style_focus() -> None:
    """Add the app's focus-ring and text-wrapping stylesheets (our own files, never user text) to the page."""
    st.html(f"<style>{_FOCUS_CSS}</style>")


# Two things the keyboard needs that Streamlit's own markup does not give, installed once per
# browser tab by an observer that watches for Streamlit redrawing (our own code, no user text):
# - The menu scrolls when it is taller than the window; a scrolling region must take the keyboard
#   focus itself so it can be scrolled from the keyboard (WCAG 2.1.1, axe
#   "scrollable-region-focusable"). Streamlit draws the menu's container anew at times, so the
#   observer marks it whenever it appears.
# - A tab chosen with the keyboard reruns the page, and while its contents are redrawn Streamlit
#   disables the tab, which takes away its tabindex. On a busy server that lasts long enough for
#   the browser to drop the focus to the page, and the keyboard user to the top of it (WCAG 2.4.3).
#   A tab that loses the focus that way gets it back as soon as it can take it again; any other
#   move of the focus (a click elsewhere, Tab) cancels that.
_KEYBOARD_AIDS = """<script>
(() => {
  if (window.placecxKeyboardAids) return;
  window.placecxKeyboardAids = true;
  let disabledTab = null;
  document.addEventListener('focusout', (event) => {
    const tab = event.target.closest ? event.target.closest('[role="tab"]') : null;
    disabledTab = tab && !event.relatedTarget && !tab.hasAttribute('tabindex') ? tab : null;
  }, true);
  document.addEventListener('focusin', () => { disabledTab = null; }, true);
  const tend = () => {
    document.querySelectorAll('[data-testid="stSidebarContent"]:not([tabindex])')
      .forEach((menu) => { menu.tabIndex = 0; });
    if (disabledTab && disabledTab.isConnected && disabledTab.hasAttribute('tabindex')
        && (document.activeElement === document.body || !document.activeElement)) {
      const tab = disabledTab;
      disabledTab = null;
      tab.focus({preventScroll: true});
    }
  };
  tend();
  new MutationObserver(tend).observe(document.body,
    {childList: true, subtree: true, attributes: true, attributeFilter: ['tabindex']});
})();
</script>"""


def keyboard_aids() -> None:
    """Let the keyboard reach (and scroll) the menu when it is taller than the window, and give a
    tab back the focus Streamlit takes from it while the page redraws (see _KEYBOARD_AIDS)."""
    st.html(_KEYBOARD_AIDS, unsafe_allow_javascript=True)


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


def chart_with_table(build: Callable[..., go.Figure], *args: Any, table: pd.DataFrame, key: str,
                     **kwargs: Any) -> None:
    """Draw the chart `build(*args, **kwargs)` and, under it, the same numbers as a table a screen
    reader can read.

    The chart is drawn on the server as SVG (`cx.figure_svg`) whenever the figure
    allows, so the page needs none of Plotly's 4.7 MB of browser code, which costs a
    new session about two seconds; its text takes the page's own colour in light
    and dark themes. Figures it cannot draw go to Plotly (`_plotly_chart`).
    """
    picture, title = chart_picture(build, *args, key=key, **kwargs)
    if picture is None:
        _plotly_chart(build(*args, **kwargs), key)
    else:
        # Markdown, not st.html: st.html's sanitiser keeps HTML only and drops every SVG element.
        # Every text and attribute in the picture is escaped by figure_svg.
        st.markdown(f'<div class="placecx-chart" id="chart-{key}">{picture}</div>', unsafe_allow_html=True)
    with st.expander(literal(f"Table: {title}")):
        st.dataframe(table, hide_index=True, width="stretch")


def chart_picture(build: Callable[..., go.Figure], *args: Any, key: str,
                  **kwargs: Any) -> tuple[str | None, str]:
    """(SVG of `build(*args, **kwargs)`, or None when figure_svg cannot draw it; its title as plain text).

    Kept through `_cached_call` on the builder's name and the contents of its arguments, so
    the next session shown the same numbers is spared building the figure and drawing it
    (most of the server's time on the Heat map, Roadmap and Themes pages), and changed
    numbers make a new picture: none goes stale.
    """
    name = f"chart {build.__module__}.{build.__qualname__}"
    return _cached_call(name, (args, tuple(sorted(kwargs.items())), key),
                        functools.partial(_draw_picture, build, args, kwargs, key))


def _draw_picture(build: Callable[..., go.Figure], args: tuple, kwargs: dict[str, Any],
                  key: str) -> tuple[str | None, str]:
    fig = build(*args, **kwargs)
    title = html.unescape(fig.layout.title.text)
    try:
        return figure_svg(fig, ident=key), title
    except Unsupported:
        return None, title


def _plotly_chart(fig: go.Figure, key: str) -> None:
    """An interactive Plotly chart in the theme's colours.

    Axis, legend and annotation text take the theme's strong grey, which Streamlit
    swaps in for its placeholder colour in light and dark themes alike; its default
    faded grey for tick labels and hover labels falls short of 4.5:1 on white. The toolbar (modebar) gets
    the same treatment: plotly's own icon grey is about 1.7:1 on white, under the 3:1 a
    control needs. Its icons take the theme's muted grey (3.7:1 on white), the active and
    hovered tool the strong grey, on the page's own background.
    """
    # In place: every caller passes a figure built for this call, and copying one is a good
    # part of the cost of drawing it.
    fig.update_layout(
        font_color=_THEME_TEXT, legend_font_color=_THEME_TEXT, hoverlabel_font_color=_THEME_TEXT,
        modebar_color=_THEME_MUTED, modebar_activecolor=_THEME_TEXT, modebar_bgcolor=_THEME_BACKGROUND,
    )
    fig.update_xaxes(tickfont_color=_THEME_TEXT, title_font_color=_THEME_TEXT)
    fig.update_yaxes(tickfont_color=_THEME_TEXT, title_font_color=_THEME_TEXT)
    st.plotly_chart(fig, width="stretch", key=f"chart-{key}", config={"displaylogo": False})


def columns_if(drawn: bool, spec: int | Sequence[float]) -> Sequence[Any]:
    """`st.columns(spec)` when the widgets in them are drawn; otherwise as many empty contexts, so the
    same `with column:` code runs and draws nothing (widgets with `state.persistent(draw=False)`)."""
    if drawn:
        return st.columns(spec)
    return [contextlib.nullcontext()] * (spec if isinstance(spec, int) else len(spec))


def draw_if_open(tab: Any, draw: Callable[[], None]) -> None:
    """Draw a tab's contents only while it is the open tab (`st.tabs(..., on_change="rerun")`).

    A closed tab costs the browser nothing to draw. Streamlit forgets the value of a
    widget a run leaves out, so a choice inside such a tab that should survive goes
    through `state.persistent`; forms belong outside the lazy part, since what someone
    typed and has not saved lives only in the browser.
    """
    if tab.open:
        with tab:
            draw()


def opened_before(tab: Any, name: str) -> bool:
    """Whether a form in `tab` (a tab, or an expander with `on_change="rerun"`) is drawn in this
    run: from the first time the tab is open, on every later run of the session, whichever tab
    is open then.

    What someone typed into a form and has not saved lives only in the browser, so a form once
    shown stays drawn and keeps it through a look at another tab; a form never shown holds
    nothing yet, and leaving it out spares a new session's first screen the drawing of its
    widgets. `name` is unique per page and tab ("roadmap/add").
    """
    opened = state.TABS_OPENED.get() or set()
    if tab.open and name not in opened:
        state.TABS_OPENED.set(opened | {name})
        return True
    return name in opened


def download_buttons(frame: pd.DataFrame | Callable[[], pd.DataFrame], *, file_stem: str, title: str,
                     key: str) -> None:
    """'Download CSV' and 'Download XLSX' for a table; files are built only when clicked.

    `frame` may be a function that returns the table, for tables too big to hold
    until someone clicks: the buttons keep only the function. It is called from a
    server thread, not the page's run, so it must not use Streamlit or the page's store.
    Text cells that a spreadsheet would run as formulas are neutralised (cx.exports).
    """
    load = frame if callable(frame) else (lambda: frame)
    # st.columns refuses width="content"; a horizontal container keeps the buttons side by side.
    row = st.container(horizontal=True)
    row.download_button(
        "Download CSV", data=lambda: to_csv_bytes(load()), file_name=f"{file_stem}.csv",
        mime="text/csv", key=f"{key}-csv", on_click="ignore", icon=":material/download:",
    )
    row.download_button(
        "Download XLSX", data=lambda: to_xlsx_bytes({"Data": load()}, titles={"Data": title}),
        file_name=f"{file_stem}.xlsx", key=f"{key}-xlsx", on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


def literal(text: object) -> str:
    """Text a person or a file typed, made literal for anything Streamlit renders as Markdown."""
    return escape_markdown(str(text))


@dataclass(frozen=True)
class Saved(Generic[T]):
    """The outcome of `save`: whether it was saved, and what the unit of work returned."""

    ok: bool
    value: T | None = None


def save(unit: Callable[[Store], T], *, done: str | Callable[[T], str] | None = None,
         form: str | None = None) -> Saved[T]:
    """Run a unit of work in one transaction (retried on a write conflict) and report the outcome.

    On success leaves `done` (text, or a function of the result) as a notice. On a
    ValueError or PlaceCXError nothing is saved, the error's sentence is kept to show
    beside `form` (or as a notice), and what the person typed stays in the form; an
    EditConflict also marks the form so that `offer_overwrite` can offer to save
    the person's version over the other change.
    """
    try:
        result = store().run(unit)
    except (ValueError, PlaceCXError) as error:
        if form is None:
            state.notice(str(error), error=True)
        else:
            state.set_form_error(form, str(error))
            state.mark_conflict(form, isinstance(error, EditConflict))
        return Saved(False)
    if form is not None:
        state.mark_conflict(form, False)
    if done is not None:
        state.notice(done(result) if callable(done) else done)
    return Saved(True, result)


def save_here(unit: Callable[[Store], T], *, done: str | Callable[[T], str] | None = None) -> None:
    """`save` for a button handled in the page body: rerun on success, else show the error here."""
    if save(unit, done=done, form="_here").ok:
        st.rerun()
    show_form_error("_here")


def show_notice() -> None:
    """Show, once, the message left by a save; call near the top of a page."""
    kept = state.take_notice()
    if kept is None:
        return
    kind, message = kept
    if kind == "success":
        st.success(literal(message), icon=":material/check_circle:")
    else:
        st.error(literal(message), icon=":material/error:")


def offer_overwrite(form: str, on_click: Callable[..., None] | None = None, args: tuple = ()) -> bool:
    """After an EditConflict on `form`: a button that saves the person's version over the other change.

    With `on_click` the button calls it; without, the page checks the returned
    click itself (for saves handled in the page body).
    """
    if not state.has_conflict(form):
        return False
    return st.button("Save my version over theirs", key=f"overwrite-{form}", on_click=on_click, args=args,
                     icon=":material/published_with_changes:",
                     help="Writes the fields you changed; fields only the other person changed stay as "
                          "they left them.")


def show_form_error(form: str) -> None:
    """Show, once, the error a save left for this form."""
    message = state.take_form_error(form)
    if message:
        st.error(literal(message), icon=":material/error:")
