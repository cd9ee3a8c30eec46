"""Who is at the keyboard: the signed-in person (st.login), or in open mode whoever chose their name.

With an `[auth]` section in `.streamlit/secrets.toml` PlaceCX signs people in
through the council's identity provider (OpenID Connect) and knows them by the
email their provider gives; without one it runs in open mode for one person on
one machine. The router calls `establish` once per run, before any page; pages
ask `me()`.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from cx.access import ROLES, Actor, actor_for_email
from cx.formatting import escape_markdown
from cx_ui import state

ACTOR: state.Remembered[Actor] = state.Remembered("cx_ui_actor")
# An unset address means every interface, so it is not local.
_LOCAL_ADDRESSES = {"localhost", "127.0.0.1", "::1"}


def sign_in_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an [auth] section."""
    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return False


def establish(system_store) -> Actor:
    """Decide who is using PlaceCX for this run, or stop the run with the page they need.

    Signed-in mode: not signed in → a sign-in page; signed in but unknown or
    switched off → an "ask your admin" page; both show no data. Open mode: the
    "You are" picker in the sidebar, and refusal to serve other machines.
    """
    actor = _signed_in(system_store) if sign_in_configured() else _open_mode(system_store)
    ACTOR.set(actor)
    return actor


def me() -> Actor:
    """The person using PlaceCX in this run (set by the router)."""
    actor = ACTOR.get()
    return actor if actor is not None else Actor(None, "", "viewer")


def _signed_in(system_store) -> Actor:
    if not st.user.is_logged_in:
        st.title("Sign in to PlaceCX")
        st.write("PlaceCX holds the council's customer-experience programme, including leaders' own "
                 "reflections, so everyone signs in with their council account.")
        st.button("Sign in with your council account", type="primary", on_click=st.login,
                  icon=":material/login:")
        st.stop()
    actor = actor_for_email(system_store, st.user.get("email"))
    if actor is None:
        st.title("PlaceCX does not know you yet")
        st.text(f"You are signed in as {st.user.get('email') or 'an account without an email address'}, "
                "but nobody has added that address to PlaceCX.")
        st.write("Ask your PlaceCX admin to add you; they will choose what you can see and do. "
                 "Until then PlaceCX shows you nothing.")
        st.button("Sign out", on_click=st.logout, icon=":material/logout:")
        st.stop()
    with st.sidebar:
        st.text(f"Signed in as {actor.name}")
        st.caption(ROLES[actor.role].split(":")[0])
        st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign-out")
    return actor


def _open_mode(system_store) -> Actor:
    address = st.get_option("server.address") or ""
    if address not in _LOCAL_ADDRESSES:
        st.title("Sign-in is needed first")
        st.write("This PlaceCX server can be reached from other computers, but sign-in is not set up, so "
                 "anyone could act in anyone's name. Configure sign-in (see the README), or run PlaceCX "
                 "on this computer only.")
        st.stop()
    st.caption("Open mode: no sign-in is set up, so this copy of PlaceCX is for one person on this "
               "computer. Set up sign-in (see the README) before other people use it.")
    people = system_store.people.all()
    if people.empty:
        _first_name_form(system_store)
        return Actor(None, "", "admin", open_mode=True)
    names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
    titles = dict(zip(people["person_id"].tolist(), people["role"].tolist(), strict=True))
    saved = state.PERSON.get()
    chosen = st.sidebar.selectbox(
        "You are", options=list(names), index=list(names).index(saved) if saved in names else None,
        format_func=lambda pid: f"{names[pid]} ({titles[pid]})" if isinstance(titles[pid], str)
        else names[pid],
        placeholder="Choose your name", key="person_widget", on_change=state.remember,
        args=("person_widget", state.PERSON.key),
        help="In open mode you say who you are; your name is saved with every change you make.",
    )
    return Actor(chosen, names.get(chosen, ""), "admin", open_mode=True)


def _first_name_form(system_store) -> None:
    """In open mode on a new, empty database: let the one person add their name, so changes carry it."""
    def add() -> None:
        try:
            state.PERSON.set(system_store.people.add(state.widget_value("first-name", ""), None,
                                                     now=datetime.now()))
        except ValueError as error:
            state.set_form_error("first-name", str(error))

    with st.sidebar.form("first-name-form"):
        st.text_input("Your name", key="first-name", max_chars=120,
                      help="Nobody has been added yet. Your name is saved with every change you make.")
        message = state.take_form_error("first-name")
        if message:
            st.error(escape_markdown(message))
        st.form_submit_button("Start", on_click=add)
