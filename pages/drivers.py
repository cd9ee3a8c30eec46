"""Key drivers: which facets of the service (speed, being kept informed, ...) move satisfaction most.

Facet names come from imported survey columns: they are shown through
cx_ui.literal, st.dataframe and charts.plain, never as Markdown.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

import cx_ui
from cx import drivers, evidence_charts
from cx.store.filters import DIMENSION_LABELS, Slice
from cx_ui import state

cx_ui.page_title("Key drivers")
store = cx_ui.store()
min_n = cx_ui.settings().min_n
cx_ui.show_notice()
st.caption(
    "Some surveys ask customers to rate parts of the service as well as the service overall: how quickly "
    "it was done, whether they were kept informed, how helpful staff were. This page works out which of "
    "those parts moves the overall score most, so the team knows where to act first."
)

surveys = store.surveys
facets = cx_ui.cached(surveys.facets)
if facets.empty:
    st.info("None of the imported surveys has rating questions about parts of the service. Import an "
            "export whose extra columns hold 1 to 5 (or 0 to 10) ratings, such as 'Kept informed', and "
            "they appear here.")
    st.stop()

fresh = surveys.freshness()
newest = fresh.newest_response.date() if fresh.newest_response else date.today()
default_range = (date(newest.year - 1, newest.month, 1), newest)
names = facets["name"].tolist()
outcome = st.segmented_control("Overall measure to explain", options=list(drivers.OUTCOMES),
                               format_func=drivers.OUTCOME_LABEL.get,
                               default="csat", key="drivers-outcome",
                               help=" ".join(drivers.OUTCOMES.values())) or "csat"


def kept(widget, label: str, name: str, default, *, draw: bool, **kwargs):
    """A choice kept across pages and while the choices are closed (state.persistent)."""
    return state.persistent(widget, label, state.view_setting(f"drivers_{name}"), default, draw=draw,
                            **kwargs)


# Drawn only while open (a new session's first screen is spared three widgets); closed, the kept
# choices apply and the line under it says what they are.
with st.expander("Choices: which responses and which facets", icon=":material/tune:", key="drivers_choices",
                 on_change="rerun") as choices_box:
    left, right = cx_ui.columns_if(choices_box.open, 2)
    with left:
        dates = kept(st.date_input, "Completed between", "dates", default_range, draw=choices_box.open,
                     format="DD/MM/YYYY", help=f"Both dates are included. {cx_ui.DATE_HELP}")
    service_options = cx_ui.cached(surveys.values, "service")
    with right:
        services = kept(st.multiselect, DIMENSION_LABELS["service"], "services", [], draw=choices_box.open,
                        options=service_options, placeholder="All")
        chosen = kept(st.multiselect, "Facets to compare", "facets", names[:drivers.MAX_FACETS],
                      draw=choices_box.open, options=names, max_selections=drivers.MAX_FACETS,
                      help=f"Rating questions found in the imported surveys; choose {drivers.MIN_FACETS} to "
                           f"{drivers.MAX_FACETS}.")
services = [s for s in services if s in service_options]
chosen = [f for f in chosen if f in names]
start, end = dates if isinstance(dates, tuple | list) and len(dates) == 2 else default_range
st.caption(cx_ui.literal(f"Showing: {drivers.choice_words(outcome, chosen, start, end, services)}"))
if len(chosen) < drivers.MIN_FACETS:
    st.info(f"Choose at least {drivers.MIN_FACETS} facets to compare (under 'Choices' above).")
    st.stop()
try:
    where = Slice(start=start, end=end, service=tuple(services))
    result = cx_ui.cached(drivers.analyse, store, outcome, tuple(chosen), where, min_n=min_n,
                          reads=("surveys",))
except ValueError as error:
    st.info(cx_ui.literal(str(error)))
    st.stop()

st.header("Which facet matters most")
st.markdown(cx_ui.literal(result.sentence()))
for warning in result.warnings:
    st.warning(cx_ui.literal(warning), icon=":material/warning:")
table = result.table()
cx_ui.chart_with_table(evidence_charts.drivers_chart, table, drivers.OUTCOME_SHORT[outcome], result.n,
                       result.too_few, table=table, key="drivers")
cx_ui.download_buttons(table, file_stem=f"key-drivers-{outcome}", title="Key drivers", key="drivers-dl")

with st.expander("How this is worked out", icon=":material/info:"):
    st.markdown(
        f"PlaceCX fits the overall score to every combination of the chosen facets and asks how much each "
        f"facet adds, on average, over all the orders in which the facets could be added (the Shapley or "
        f"LMG share of R²). The shares add up to what the facets explain together. Only responses that "
        f"answered the overall question and every chosen facet count (n = {result.n:,}). The 95% "
        f"intervals come from {result.reps:,} resamples of those responses. Facets that customers rate "
        f"almost alike (correlation above {drivers.COLLINEAR_R}) share their credit unreliably, and "
        f"ranking needs at least {drivers.ANSWERS_PER_FACET} complete answers per facet and never fewer "
        f"than {min_n}. This shows association in survey answers, not proof of cause."
    )
