"""Heat map presentation: the team map large, for a projector at the back of a meeting room."""

from __future__ import annotations

import streamlit as st

import cx_ui
from cx import assessment, charts
from cx.formatting import escape_markdown, format_date
from cx.framework import LEVEL_BY_CODE
from cx.store import Store

cx_ui.page_title("Heat map presentation")
st.set_page_config(initial_sidebar_state="collapsed")
store = cx_ui.store()

rounds = cx_ui.cached(store, Store.assessment_rounds)
if rounds.empty:
    st.info("There is no assessment round to present yet. Set one up on the Heat map page.")
    st.stop()

round_names = dict(zip(rounds["round_id"].tolist(), rounds["name"].tolist(), strict=True))
saved = st.session_state.get("heatmap_round")
round_id = saved if saved in round_names else next(iter(round_names))
ratings = cx_ui.cached(store, Store.round_ratings, round_id)
summary = assessment.summarise(ratings)
held_on = rounds.set_index("round_id").loc[round_id, "held_on"]
raters = ratings["person_id"].nunique()
st.header(escape_markdown(f"{round_names[round_id]}: {raters} raters, meeting on {format_date(held_on)}"))
st.caption("Showing the round chosen on the Heat map page (the newest if none was chosen).")

if ratings.empty:
    st.info("Nobody has submitted ratings for this round yet.")
    st.stop()

differ = int(summary["views_differ"].sum())
critical = int((summary["consensus"] == "critical").sum())
figures = st.columns(3)
figures[0].metric("Cells where views differ", f"{differ} of 15")
figures[1].metric(f"{LEVEL_BY_CODE['critical'].tag} cells", f"{critical} of 15")
ids = list(round_names)
earlier_ids = ids[ids.index(round_id) + 1:]
if earlier_ids:
    earlier = assessment.summarise(cx_ui.cached(store, Store.round_ratings, earlier_ids[0]))
    comparison = assessment.compare_rounds(earlier, summary)
    improved = int((comparison["change"] == "better").sum())
    figures[2].metric(f"Cells improved since {round_names[earlier_ids[0]]}", f"{improved} of 15")

cx_ui.chart_with_table(
    charts.heat_map(summary, f"Team heat map: {round_names[round_id]}", scale=1.45),
    assessment.team_map_table(summary), key="present-map",
)

st.header("Discuss first")
for number, row in enumerate(assessment.discussion_list(summary).head(5).itertuples(), start=1):
    st.subheader(f"{number}. {row.cell}: {row.team_level} ({row.votes})")
