"""Audit trail: every change, who made it and when (admins only)."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

import cx_ui
from cx import audit
from cx_ui import identity

cx_ui.page_title("Audit trail")
store = cx_ui.store()
if identity.me().role != "admin":
    st.info("Only PlaceCX admins can read the audit trail.")
    st.stop()
st.caption("Every saved change is one line: when, who (the person signed in), and what they did. "
           "Changes made by PlaceCX itself, such as the demo data or files from the inbox, say so.")
people = store.people.all()
names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
left, middle, right = st.columns(3)
dates = left.date_input("Between", value=(date.today() - timedelta(days=90), date.today()),
                        format="DD/MM/YYYY", key="audit-dates", help=cx_ui.DATE_HELP)
person = middle.selectbox("Who", [None, *names], format_func=lambda p: "Everyone" if p is None else names[p],
                          key="audit-person")
area = right.selectbox("Area", [None, *audit.FEATURE_WORDS],
                       format_func=lambda f: "Everything" if f is None else audit.FEATURE_WORDS[f],
                       key="audit-area")
start, end = dates if isinstance(dates, tuple | list) and len(dates) == 2 else (None, None)
table = audit.trail(store, start=start, end=end, person_id=person, feature=area)
st.text(f"{len(table):,} changes.")
st.dataframe(table, hide_index=True, width="stretch")
cx_ui.download_buttons(table, file_stem=f"placecx-audit-{date.today().isoformat()}",
                       title="PlaceCX audit trail", key="audit-dl")
