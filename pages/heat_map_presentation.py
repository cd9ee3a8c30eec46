"""Heat map presentation: the team map large, for a projector at the back of a meeting room."""

from __future__ import annotations

from datetime import date

import streamlit as st

import cx_ui
from cx import assessment, heat_map
from cx.formatting import format_date
from cx.framework import LEVEL_BY_CODE
from cx.heat_map import CELL_COUNT
from cx.map_image import team_map_svg
from cx_ui import glance, identity, state

cx_ui.page_title("Heat map presentation")
st.set_page_config(initial_sidebar_state="collapsed")
glance.style("present")
store = cx_ui.store()

view = cx_ui.cached(heat_map.round_view, store, state.HEAT_MAP_ROUND.get(), identity.me(), date.today(),
                    reads=("assessment", "people"))
if view is None:
    st.info("There is no assessment round to present yet. Set one up on the Heat map page.")
    st.stop()

st.header(cx_ui.literal(f"{view.name}: meeting on {format_date(view.held_on)}"))
st.text(view.raters_sentence())
st.caption("Showing the round chosen on the Heat map page; if none was chosen, the newest round with "
           "submissions.")

if view.withheld:
    st.info("This round is still open and you have not submitted your own ratings yet: the team map "
            "appears here once you have, so that nobody's view is shaped by anyone else's.")
    st.stop()
if not view.rated:
    st.info("Nobody has submitted ratings for this round yet.")
    st.stop()

figures = st.columns(3)
figures[0].metric("Cells where views differ", f"{view.differing_cells} of {CELL_COUNT}")
figures[1].metric(f"{LEVEL_BY_CODE['critical'].tag} cells", f"{view.critical_cells} of {CELL_COUNT}")
if view.improved_cells is not None:
    figures[2].metric(cx_ui.literal(f"Cells improved since {view.earlier_name}"),
                      f"{view.improved_cells} of {CELL_COUNT}")

# The map as a picture that shrinks to the screen's height, so its fifth row and key are never
# cut off; every cell's level is also in the table below and in the discussion list.
st.image(team_map_svg(view.summary, f"Team heat map: {view.name}", view.raters_sentence()), width="content",
         alt="The team heat map: every cell's level and votes are in the table below.")
with st.expander("Table: the team heat map"):
    st.dataframe(assessment.team_map_table(view.summary), hide_index=True, width="stretch")

st.header("Discuss first")
for number, row in enumerate(assessment.discussion_list(view.summary).head(5).itertuples(), start=1):
    st.subheader(f"{number}. {row.cell}: {row.team_level} ({row.votes})")
