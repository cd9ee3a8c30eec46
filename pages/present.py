"""Presentation: the quarterly review as a sequence of one-screen views for the projector.

The view shown is in the address (`?view=2`), so a view can be bookmarked or sent
round; Previous and Next move with the left and right arrow keys.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

import cx_ui
from cx import assessment
from cx.formatting import format_date
from cx.glance import build_glance
from cx.heat_map import CELL_COUNT
from cx.map_image import team_map_svg
from cx.overview import build_overview
from cx_ui import glance as cards
from cx_ui import identity, state

VIEWS = ("At a glance", "Customer measures", "Heat map and discussion list",
         "Roadmap and what needs attention")

cx_ui.page_title("Presentation")
st.set_page_config(initial_sidebar_state="collapsed")
cards.style("present")
store = cx_ui.store()
min_n = cx_ui.settings().min_n


def chosen_view() -> int:
    """The view in the address, 1 to len(VIEWS); anything else is the first view."""
    try:
        number = int(st.query_params.get("view", "1"))
    except ValueError:
        return 1
    return number if 1 <= number <= len(VIEWS) else 1


def move(step: int) -> None:
    st.query_params["view"] = str((chosen_view() - 1 + step) % len(VIEWS) + 1)


view = chosen_view()
bar = st.container(horizontal=True, vertical_alignment="center")
bar.button("Previous view", icon=":material/arrow_back:", on_click=move, args=(-1,), shortcut="left",
           help="Left arrow key")
bar.button("Next view", icon=":material/arrow_forward:", on_click=move, args=(1,), shortcut="right",
           help="Right arrow key", type="primary")
bar.markdown(f"**View {view} of {len(VIEWS)}: {VIEWS[view - 1]}**")

overview = cx_ui.cached(build_overview, store, "month", reads=("surveys", "kpis", "targets"))
glance = cx_ui.cached(build_glance, store, date.today(), state.HEAT_MAP_ROUND.get(), identity.me(), 8)
kpis = [] if overview is None else (list(overview.contact_centre)
                                    + ([overview.engagement] if overview.engagement else []))


def at_a_glance() -> None:
    if overview is not None:
        st.caption(overview.comparison_words)
        for column, headline in zip(st.columns(3), overview.headlines, strict=True):
            with column:
                cards.headline_card(headline, min_n)
    st.header("Programme")
    heat, plan, change = st.columns(3)
    if glance.heat_map:
        heat.metric("! Critical focus cells", f"{glance.heat_map.critical_cells} of {CELL_COUNT}",
                    border=True)
    if glance.roadmap and glance.roadmap.progress.total:
        progress = glance.roadmap.progress
        plan.metric("● Done roadmap actions", f"{progress.done} of {progress.total}", border=True)
    if glance.culture:
        change.metric("● Done culture-change steps", f"{glance.culture.done} of {glance.culture.total}",
                      border=True)


def customer_measures() -> None:
    if overview is None:
        st.info("There are no survey or contact-centre figures in this database yet.")
        return
    st.markdown("  \n".join(cx_ui.literal(h.sentence(min_n)) for h in overview.headlines))
    if kpis:
        for column, kpi in zip(st.columns(len(kpis)), kpis, strict=True):
            with column:
                cards.kpi_card(kpi)


def heat_map_view() -> None:
    shown = glance.heat_map
    if shown is None:
        st.info("No heat-map ratings to present yet: the team map appears once raters have submitted.")
        return
    st.markdown(cx_ui.literal(f"{shown.name} ({format_date(shown.held_on)}): {shown.raters_sentence()}"))
    picture, talk = st.columns([3, 2])
    picture.image(team_map_svg(shown.summary, shown.name), width="stretch",
                  alt="The team heat map; every cell's level is in the table on the Heat map page.")
    with talk:
        st.header("Discuss first")
        rows = assessment.discussion_list(shown.summary).head(5)
        st.markdown("\n".join(f"{number}. {row.cell}: {row.team_level} ({row.votes})"
                              for number, row in enumerate(rows.itertuples(), start=1)))
        st.markdown(f"≠ views differ on {shown.differing_cells} of {CELL_COUNT} cells; "
                    f"{shown.critical_cells} are a critical focus.")


def roadmap_view() -> None:
    if glance.roadmap is None:
        st.info("There is no roadmap yet.")
        return
    st.markdown(cx_ui.literal(glance.roadmap.sentence()))
    if glance.culture:
        st.markdown(cx_ui.literal(f"Culture change: {glance.culture.sentence()}"))
    st.header("What needs attention")
    st.markdown(cards.attention_markdown(glance.roadmap.attention))


(at_a_glance, customer_measures, heat_map_view, roadmap_view)[view - 1]()
