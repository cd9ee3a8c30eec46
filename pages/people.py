"""People: who can sign in to PlaceCX and what each person may do (admins only)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

import cx_ui
from cx import access
from cx_ui import identity, state

cx_ui.page_title("People")
store = cx_ui.store()
me = identity.me()
if me.role != "admin":
    st.info("Only PlaceCX admins manage people and roles.")
    st.stop()
cx_ui.show_notice()
st.caption("Everyone who can use PlaceCX, the email they sign in with and their role. People who were "
           "named before sign-in was set up keep everything they recorded: give them their email here.")
with st.expander("What each role may do", icon=":material/badge:"):
    st.text("\n".join(access.ROLES.values()))

people = store.people.all()
st.dataframe(pd.DataFrame({
    "Name": people["name"], "Job title": people["role"].fillna(""),
    "Email": people["email"].fillna("not linked"),
    "Role": people["access"].str.capitalize(),
    "Can sign in": ["yes" if active and isinstance(email, str) else "no"
                    for active, email in zip(people["active"], people["email"], strict=True)],
}), hide_index=True, width="stretch")

st.header("Add a person")


def add() -> None:
    def value(name: str):
        return state.widget_value(f"people-new-{name}")

    saved = cx_ui.save(lambda writer: access.add_person(writer, value("email"), value("name") or "",
                                                        value("role"), job_title=value("title"),
                                                        now=datetime.now()),
                       done="Added. They can sign in now.", form="people-new")
    if saved.ok:
        state.close_form("people-new", "people-new-")


with st.form("people-new"):
    left, right = st.columns(2)
    left.text_input("Email they sign in with", key="people-new-email", max_chars=254)
    right.text_input("Name", key="people-new-name", max_chars=120)
    left.text_input("Job title (optional)", key="people-new-title", max_chars=120)
    right.selectbox("Role", list(access.ROLES), index=2, key="people-new-role", format_func=str.capitalize)
    cx_ui.show_form_error("people-new")
    st.form_submit_button("Add person", type="primary", on_click=add)

st.header("Change a person's sign-in or role")
names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
if names:
    chosen = st.selectbox("Person", list(names), format_func=names.get, key="people-edit-choice")
    row = people[people["person_id"] == chosen].iloc[0]

    def change(person_id: int) -> None:
        prefix = f"people-edit-{person_id}-"
        saved = cx_ui.save(
            lambda writer: access.update_person(writer, person_id, state.widget_value(prefix + "email"),
                                                state.widget_value(prefix + "role"),
                                                active=bool(state.widget_value(prefix + "active"))),
            done="Saved.", form=f"people-edit-{person_id}")
        if saved.ok:
            state.close_form(f"people-edit-{person_id}", prefix)

    with st.form(f"people-edit-{chosen}"):
        st.text_input("Email they sign in with (empty: cannot sign in)",
                      value=row["email"] if isinstance(row["email"], str) else "",
                      key=f"people-edit-{chosen}-email", max_chars=254)
        st.selectbox("Role", list(access.ROLES), index=list(access.ROLES).index(row["access"]),
                     key=f"people-edit-{chosen}-role", format_func=str.capitalize)
        st.checkbox("May sign in", value=bool(row["active"]), key=f"people-edit-{chosen}-active",
                    help="Switch off for someone who has left: what they recorded stays, named.")
        cx_ui.show_form_error(f"people-edit-{chosen}")
        st.form_submit_button("Save", type="primary", on_click=change, args=(chosen,))
