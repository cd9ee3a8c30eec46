"""Overview: the programme at a glance, from the latest data."""

from __future__ import annotations

from datetime import date

import streamlit as st

import cx_ui
from cx import charts
from cx.formatting import format_count
from cx.glance import Glance, build_glance
from cx.overview import SPARK_MONTHS, build_overview
from cx_ui import glance as cards
from cx_ui import identity, state

cx_ui.page_title("Overview")
cards.style()
store = cx_ui.store()
min_n = cx_ui.settings().min_n

grain = st.session_state.get("overview_grain") or "month"
overview = cx_ui.cached(build_overview, store, grain, reads=("surveys", "kpis", "targets"))
glance = cx_ui.cached(build_glance, store, date.today(), state.HEAT_MAP_ROUND.get(), identity.me())


def programme_section(glance: Glance) -> None:
    """Heat map, roadmap and culture change in cards beside what needs attention, then in sentences."""
    if not (glance.heat_map or glance.roadmap or glance.culture):
        return
    st.header("Programme at a glance")
    cards.programme_cards(glance)


if overview is None:
    st.info(
        "There are no survey responses or contact-centre figures in this database yet, so there "
        "are no customer measures to summarise.\n\n"
        "To see PlaceCX with a worked example, start it against a new database file with the "
        "demo switched on (`PLACECX_DEMO=1`, the default). To use your own figures, load your "
        "survey export and contact-centre figures into the database; once they are in, this "
        "page fills itself."
    )
    programme_section(glance)
    st.markdown(cards.programme_sentences(glance))
    st.stop()


kpis = list(overview.contact_centre) + ([overview.engagement] if overview.engagement else [])
top = st.columns([3, 1], vertical_alignment="center")
top[0].header(f"Customer measures: {overview.period}")
top[1].caption("Compare the latest month or quarter with data against the one before.")
with top[1]:
    st.segmented_control(
        "Compare the latest",
        options=["month", "quarter"],
        format_func=lambda g: {"month": "Month", "quarter": "Quarter"}[g],
        default="month",
        key="overview_grain",
        label_visibility="collapsed",
    )
st.caption(
    f"{overview.comparison_words} ▲ significantly better · ▼ significantly worse · ≈ no significant "
    f"change (95%). Lines: the last {SPARK_MONTHS} months. Under {min_n} answers: not headlined."
)
for column, headline in zip(st.columns(len(overview.headlines)), overview.headlines, strict=True):
    with column:
        cards.headline_card(headline, min_n)
if kpis:
    for column, kpi in zip(st.columns(3), kpis, strict=False):
        with column:
            cards.kpi_card(kpi)
else:
    st.info("No contact-centre or staff-survey figures have been loaded yet.")

programme_section(glance)

st.header("In words")
st.markdown(cx_ui.literal(overview.comparison_words))
st.markdown("  \n".join(cx_ui.literal(h.sentence(min_n)) for h in overview.headlines))
if kpis:
    st.markdown("  \n".join(k.sentence() for k in kpis))
st.markdown(cards.programme_sentences(glance))
with st.expander(f"Table: the last {SPARK_MONTHS} months behind the lines"):
    st.dataframe(cards.history_table(overview.headlines, kpis), hide_index=True, width="stretch")

st.header("Survey responses")
st.metric(
    f"Responses in {overview.period}",
    format_count(overview.responses),
    delta=f"{overview.responses - overview.previous_responses:+,}",
    delta_description=f"on {overview.previous_period}",
    delta_color="off",
)
volume = overview.monthly_volume.rename(columns={"period": "Month", "responses": "Responses"})
cx_ui.chart_with_table(charts.response_volume, overview.monthly_volume, table=volume, key="volume")

st.header("How fresh is this data?")
newest = (
    f"{overview.newest_response:%d %B %Y, %H:%M}" if overview.newest_response else "no responses yet"
)
kpi_month = f"{overview.newest_kpi_period:%B %Y}" if overview.newest_kpi_period else "none yet"
st.markdown(
    f"- Newest survey response: **{newest}**\n"
    f"- Newest contact-centre or staff figures: **{kpi_month}**\n"
    f"- Survey responses in the headline surveys: **{format_count(overview.total_responses)}**"
)
