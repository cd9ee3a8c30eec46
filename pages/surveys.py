"""Surveys: the council's surveys, their kind and services, and which feed the headline measures."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

import cx_ui
from cx import surveys as survey_rules
from cx.formatting import format_count
from cx_ui import identity, state

cx_ui.page_title("Surveys")
store = cx_ui.store()
me = identity.me()
cx_ui.show_notice()
st.caption("Every upload of survey answers belongs to one survey. The Overview's customer measures come only "
           "from the surveys marked as headline surveys; Trends shows one survey at a time, or the headline "
           "surveys together.")

catalogue = cx_ui.cached(store.catalogue.all)
if catalogue.empty:
    st.info("No survey has been uploaded yet. Surveys appear here after their first upload.")
    st.stop()


def date_range(first, last) -> str:
    if pd.isna(first):
        return "no dates"
    return f"{first:%d/%m/%Y} to {last:%d/%m/%Y}"


st.dataframe(pd.DataFrame({
    "Survey": catalogue["name"],
    "Kind": catalogue["kind"].map(survey_rules.KINDS),
    "Headline": ["✓ feeds the headline measures" if h else "– not in the headline measures"
                 for h in catalogue["headline"]],
    "Services": [", ".join(s) if len(s) else "(none named)" for s in catalogue["services"]],
    "Responses": [format_count(n) for n in catalogue["responses"]],
    "Answers from": [date_range(f, last) for f, last in
                     zip(catalogue["first_response"], catalogue["last_response"], strict=True)],
}), hide_index=True, width="stretch")

st.header("Change a survey")
names = dict(zip(catalogue["source"], catalogue["name"], strict=True))
chosen = st.selectbox("Survey to change", list(names), format_func=names.get, key="surveys-chosen")
held = catalogue[catalogue["source"] == chosen].iloc[0]
found_services = cx_ui.cached(store.catalogue.services_of, chosen)
service_options = sorted({*found_services, *held["services"]})
prefix = f"surveys-{held['survey_id']}-"
seen = state.form_base(f"surveys-{held['survey_id']}", {
    "name": held["name"], "kind": held["kind"], "services": list(held["services"]),
    "headline": bool(held["headline"])}, marker=prefix + "name")


def save(overwrite: bool = False) -> None:
    def value(name: str):
        return state.widget_value(prefix + name)

    saved = cx_ui.save(lambda writer: survey_rules.save_survey(
        writer, chosen, name=value("name") or "", kind=value("kind"), services=value("services") or [],
        headline=bool(value("headline")), updated_by=me.person_id, now=datetime.now(), based_on=seen,
        overwrite=overwrite), done="Survey saved.", form="surveys")
    if saved.ok:
        state.close_form("surveys", prefix)
        state.close_form(f"surveys-{held['survey_id']}")


with st.form("surveys-form"):
    st.text_input("Name", value=held["name"], key=prefix + "name", max_chars=survey_rules.NAME_LIMIT)
    st.selectbox("Kind of survey", list(survey_rules.KINDS),
                 index=list(survey_rules.KINDS).index(held["kind"]), format_func=survey_rules.KINDS.get,
                 key=prefix + "kind")
    st.multiselect("Services it covers", service_options, default=list(held["services"]),
                   key=prefix + "services", help="Offered from the services named in the survey's answers.")
    st.checkbox("Feeds the council's headline measures (Overview)", value=bool(held["headline"]),
                key=prefix + "headline")
    cx_ui.show_form_error("surveys")
    st.form_submit_button("Save survey", type="primary", disabled=not me.may("surveys"), on_click=save)
cx_ui.offer_overwrite("surveys", save, (True,))
if me.person_id is None and not me.may("surveys"):
    st.caption("Choose your name under 'You are' to change surveys.")
elif not me.may("surveys"):
    st.caption("Surveys are changed by analysts and admins.")
