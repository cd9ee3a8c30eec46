"""Session state through named accessors: what a person chose, kept while they move between pages.

Streamlit forgets a widget's value when a page without that widget runs, so a
choice that other pages use (who you are, the heat-map round, the open journey)
lives under its own key here, read and written only through these names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import streamlit as st

T = TypeVar("T")


class Remembered(Generic[T]):
    """One value kept in the session under a fixed key."""

    def __init__(self, key: str) -> None:
        self.key = key

    def get(self) -> T | None:
        return st.session_state.get(self.key)

    def set(self, value: T) -> None:
        st.session_state[self.key] = value

    def pop(self) -> T | None:
        return st.session_state.pop(self.key, None)


PERSON: Remembered[int] = Remembered("person_id")
HEAT_MAP_ROUND: Remembered[int] = Remembered("heatmap_round")
JOURNEY: Remembered[int] = Remembered("journey_id")
# (upload id, cx.importers.staging.StagedUpload or the sentence refusing the file): what the Upload
# page knows about its file, never the file's rows.
UPLOAD_STAGED: Remembered[tuple] = Remembered("upload_staged")
UPLOAD_CONFIRM: Remembered[int] = Remembered("upload_confirm")
# The tabs (by page and name) opened so far in this session.
TABS_OPENED: Remembered[set] = Remembered("tabs_opened")
JOURNEY_GRID_REVISION: Remembered[int] = Remembered("journey_editor_revision")


def view_setting(name: str) -> Remembered:
    """A setting of what a page shows (a window, a comparison), kept across pages and closed tabs."""
    return Remembered(f"view_{name}")


def trends_filter(name: str) -> Remembered:
    """A Trends filter or choice (dates, services, measure, ...), kept across pages."""
    return Remembered(f"trends_{name}")


def remember(widget_key: str, saved_key: str) -> None:
    """on_change callback: copy a widget's value to the key that survives page changes."""
    st.session_state[saved_key] = st.session_state[widget_key]


def persistent(widget: Callable[..., Any], label: str, saved: Remembered, default: Any, *, draw: bool = True,
               **kwargs: Any) -> Any:
    """Draw `widget` so that its value survives moving to another page and back.

    The value lives under `saved`; the widget gets its own key, set from `saved`
    before it is drawn and copied back when it changes. With `draw` false nothing is
    drawn and the kept value (or `default`) is returned: the widget sits in a part of
    the page drawn only when opened.
    """
    if saved.key not in st.session_state:
        saved.set(default)
    if not draw:
        return saved.get()
    widget_key = f"widget_{saved.key}"
    st.session_state[widget_key] = saved.get()
    return widget(label, key=widget_key, on_change=remember, args=(widget_key, saved.key), **kwargs)


def widget_value(key: str, default: Any = None) -> Any:
    """A form widget's current value, read by a form callback before the page reruns."""
    return st.session_state.get(key, default)


def set_widget(key: str, value: Any) -> None:
    """Set a widget's value from a callback, before the widget is drawn again."""
    st.session_state[key] = value


def forget_widgets(*keys: str) -> None:
    """Clear form widgets so the form opens empty next time."""
    for key in keys:
        st.session_state.pop(key, None)


# --- Messages that outlive a rerun ------------------------------------------
# Form callbacks run before the page; a message they leave here is shown once, at
# the top of the next run (or beside its form), so every part of the page already
# shows the new data.

_NOTICE = Remembered[tuple[str, str]]("cx_ui_notice")


def notice(message: str, *, error: bool = False) -> None:
    """Leave a success (or error) message for the next run of the page."""
    _NOTICE.set(("error" if error else "success", message))


def take_notice() -> tuple[str, str] | None:
    """The message left by `notice` (kind, text), once."""
    return _NOTICE.pop()


# --- Forms that someone else may change meanwhile ---------------------------
# A save states what it was based on: the record as the form was first drawn. The
# base is kept while the form's widgets keep their values, and taken afresh when
# the form opens anew (after a save, or after the person looked elsewhere).


def form_base(form: str, record: T, *, marker: str) -> T:
    """The record this form's save is based on; `marker` is one of the form's widget keys."""
    key = f"form_base_{form}"
    if marker not in st.session_state or key not in st.session_state:
        st.session_state[key] = record
    return st.session_state[key]


def close_form(form: str, *widget_prefixes: str) -> None:
    """After a save: forget the form's base, widgets and conflict, so it reopens from the stored record."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(widget_prefixes)]:
        del st.session_state[key]
    st.session_state.pop(f"form_base_{form}", None)
    st.session_state.pop(f"form_conflict_{form}", None)


def mark_conflict(form: str, conflicted: bool) -> None:
    st.session_state[f"form_conflict_{form}"] = conflicted


def has_conflict(form: str) -> bool:
    return bool(st.session_state.get(f"form_conflict_{form}"))


def set_form_error(form: str, message: str) -> None:
    """Keep an error to show beside the form `form` on the next run."""
    st.session_state[f"form_error_{form}"] = message


def take_form_error(form: str) -> str | None:
    return st.session_state.pop(f"form_error_{form}", None)
