"""Heat map: leaders rate the 15 cells; the team sees its consensus, where views differ, and change."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

import cx_ui
from cx import assessment, charts
from cx.assessment import IncompleteSubmission, RatingEntry
from cx.exports import to_csv_bytes
from cx.formatting import escape_markdown, format_date
from cx.framework import BLOCKS, LEVEL_BY_CODE, LEVELS, STAGES, cell_label
from cx.map_image import team_map_svg
from cx.store import Store

cx_ui.page_title("Heat map")
store = cx_ui.store()
me = cx_ui.current_person(store)

def level_key(round_id: int, person_id: int, block: str, stage: str, part: str) -> str:
    return f"rate-{round_id}-{person_id}-{block}-{stage}-{part}"


def form_entries(round_id: int, person_id: int) -> list[RatingEntry]:
    """The rater's answers as the form holds them (read from the widgets' state)."""
    state = st.session_state
    return [
        RatingEntry(
            block.code, stage.code,
            state.get(level_key(round_id, person_id, block.code, stage.code, "level")),
            state.get(level_key(round_id, person_id, block.code, stage.code, "comment"), ""),
            state.get(level_key(round_id, person_id, block.code, stage.code, "evidence"), ""),
        )
        for block in BLOCKS for stage in STAGES
    ]


def save_answers(round_id: int, person_id: int, submit: bool) -> None:
    """Form callback (runs before the page, so every tab shows the new answers)."""
    writer = cx_ui.store()
    entries = form_entries(round_id, person_id)
    now = datetime.now().replace(microsecond=0)
    try:
        if submit:
            with writer.transaction():
                writer.submit_ratings(round_id, person_id, entries, now=now)
            cx_ui.notice("Your ratings are submitted and now count in the team map.")
        else:
            with writer.transaction():
                writer.save_rating_draft(round_id, person_id, entries, now=now)
            cx_ui.notice("Draft saved. Nothing counts until you submit.")
    except IncompleteSubmission as error:
        with writer.transaction():
            writer.save_rating_draft(round_id, person_id, entries, now=now)
        cx_ui.notice(f"{error} Your answers so far are saved as a draft.", error=True)
    except ValueError as error:
        cx_ui.notice(str(error), error=True)


def new_round_form(people) -> None:
    """Create a round: name, meeting date, raters from the team, and anyone new."""
    names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
    with st.form("new-round"):
        st.text_input("Round name", placeholder="Q1 2027 review", key="new_round_name")
        st.date_input("Meeting date", value=date.today(), format="DD/MM/YYYY", key="new_round_date",
                      help=cx_ui.DATE_HELP)
        st.multiselect("Raters", options=list(names), default=list(names), format_func=names.get,
                       key="new_round_raters",
                       help="Everyone who will rate the 15 cells before the meeting.")
        st.caption("Someone new to the team? Add them here and they join the raters.")
        st.text_input("New rater's name", key="new_round_person")
        st.text_input("New rater's role", key="new_round_role")
        error = st.session_state.pop("new_round_error", None)
        if error:
            st.error(error, icon=":material/error:")
        st.form_submit_button("Create round", type="primary", on_click=create_round)


def create_round() -> None:
    """Form callback: runs before the page, so the round picker can switch to the new round."""
    state = st.session_state
    writer = cx_ui.store()
    now = datetime.now().replace(microsecond=0)
    raters = list(state.get("new_round_raters", []))
    try:
        with writer.transaction():
            if state.get("new_round_person", "").strip():
                raters.append(writer.add_person(state["new_round_person"], state.get("new_round_role"),
                                                now=now))
            round_id = writer.create_assessment_round(
                state.get("new_round_name", ""), state.get("new_round_date"), raters,
                created_by=state.get("person_id"), now=now)
    except ValueError as error:
        state["new_round_error"] = str(error)
        return
    state["heatmap_round"] = state["heatmap_round_widget"] = round_id
    cx_ui.notice("Round created. Raters can now rate the cells.")


cx_ui.show_notice()
rounds = cx_ui.cached(store, Store.assessment_rounds)
people = store.people()

if rounds.empty:
    st.info("No assessment round has been set up yet. Create one below; each rater then rates the "
            "15 cells of the heat map before the meeting.")
    new_round_form(people)
    st.stop()

round_names = dict(zip(rounds["round_id"].tolist(), rounds["name"].tolist(), strict=True))
saved = st.session_state.get("heatmap_round")
round_id = st.selectbox(
    "Round", options=list(round_names), format_func=round_names.get,
    index=list(round_names).index(saved) if saved in round_names else 0,
    key="heatmap_round_widget", on_change=cx_ui.remember, args=("heatmap_round_widget", "heatmap_round"),
    help="Rounds are listed newest meeting first.",
)
round_row = rounds.set_index("round_id").loc[round_id]
round_name = round_names[round_id]
ratings = cx_ui.cached(store, Store.round_ratings, round_id)
raters = store.round_raters(round_id)
summary = assessment.summarise(ratings)
waiting = raters[raters["status"] != "submitted"]
st.caption(
    f"Meeting on {format_date(round_row['held_on'])} · {int(round_row['submitted'])} of "
    f"{int(round_row['raters'])} raters have submitted · team level = the median of the raters' "
    "levels; when they split evenly, the more critical of the two."
)

team_tab, rate_tab, talk_tab, compare_tab, rounds_tab = st.tabs(
    ["Team map", "Your ratings", "Discussion list", "Compare rounds", "Rounds and raters"]
)

with team_tab:
    if ratings.empty:
        st.info("Nobody has submitted ratings for this round yet. The team map appears with the "
                "first submission.")
    else:
        if not waiting.empty:
            st.text("Still to submit: " + ", ".join(
                f"{row.name} ({row.status})" for row in waiting.itertuples()))
        differ = int(summary["views_differ"].sum())
        critical = int((summary["consensus"] == "critical").sum())
        left, middle, right = st.columns(3)
        left.metric("Raters who submitted", f"{ratings['person_id'].nunique()}", border=True)
        middle.metric("Cells where views differ", f"{differ} of 15", border=True)
        right.metric(f"{LEVEL_BY_CODE['critical'].tag} cells", f"{critical} of 15", border=True)
        title = f"Team heat map: {round_name} ({ratings['person_id'].nunique()} raters)"
        cx_ui.chart_with_table(charts.heat_map(summary, title), assessment.team_map_table(summary),
                               key="team-map")
        cx_ui.chart_with_table(
            charts.rater_maps(ratings, "Each rater's own map (hover a cell for their comment)"),
            assessment.rater_table(ratings), key="rater-maps",
        )
        st.header("Comments on a cell")
        order = assessment.discussion_list(summary)
        cell = st.selectbox(
            "Cell", options=list(zip(order["block"], order["stage"], strict=True)),
            format_func=lambda c: cell_label(*c), key="heatmap_cell",
            help="Cells are listed in discussion order: most disagreement first.",
        )
        st.dataframe(assessment.cell_comments(ratings, *cell), hide_index=True, width="stretch")

        st.header("Download")
        stem = "heat-map-" + "".join(ch if ch.isalnum() else "-" for ch in round_name.lower()).strip("-")
        subtitle = f"{ratings['person_id'].nunique()} raters · meeting on {format_date(round_row['held_on'])}"
        buttons = st.container(horizontal=True)
        buttons.download_button(
            "Team map (XLSX)", data=lambda: assessment.team_map_xlsx(summary, f"Team heat map: {round_name}"),
            file_name=f"{stem}.xlsx", on_click="ignore", icon=":material/download:", key="dl-map-xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        buttons.download_button(
            "Team map (SVG image)",
            data=lambda: team_map_svg(summary, f"Team heat map: {round_name}", subtitle).encode("utf-8"),
            file_name=f"{stem}.svg", mime="image/svg+xml", on_click="ignore",
            icon=":material/image:", key="dl-map-svg",
        )
        buttons.download_button(
            "Raw ratings (CSV)",
            data=lambda: to_csv_bytes(assessment.labelled_history(store.rating_history(round_id))),
            file_name=f"{stem}-ratings.csv", mime="text/csv", on_click="ignore",
            icon=":material/download:", key="dl-ratings-csv",
        )
        st.caption("The image is an SVG: it opens in any browser and can be inserted into Word or "
                   "PowerPoint. The CSV includes earlier answers that raters later replaced.")

with rate_tab:
    if me is None:
        st.info("Choose your name under 'You are' in the sidebar to rate the cells.")
    elif me[0] not in set(raters["person_id"]):
        st.info("You are not one of this round's raters.")
        if st.button("Add me as a rater of this round", key="join-round"):
            with store.transaction():
                store.add_assessment_raters(round_id, [me[0]])
            st.rerun()
    else:
        person_id = me[0]
        mine = raters.set_index("person_id").loc[person_id]
        sheet = store.rating_sheet(round_id, person_id).set_index(["block", "stage"])
        if mine["status"] == "submitted" and (sheet.empty or sheet["source"].iloc[0] == "submitted"):
            st.text(f"You submitted on {format_date(mine['submitted_at'])} at {mine['submitted_at']:%H:%M}. "
                    "Submitting again "
                    "replaces your answer; the earlier one is kept in the history.")
        elif mine["status"] != "not started" or not sheet.empty:
            st.text(f"Your draft was saved on {format_date(mine['draft_saved_at'])} at "
                    f"{mine['draft_saved_at']:%H:%M}. "
                    "It does not count until you submit.")
        st.caption(
            "For each cell choose one level. "
            + " · ".join(f"{lv.tag}: {lv.meaning}" for lv in LEVELS)
            + " Use Tab to move between cells and the arrow keys to choose."
        )
        with st.form(f"rating-form-{round_id}-{person_id}", enter_to_submit=False):
            for block in BLOCKS:
                st.header(block.label)
                st.caption(block.question)
                for stage in STAGES:
                    stored = sheet.loc[(block.code, stage.code)] if (block.code, stage.code) in sheet.index \
                        else None
                    level = stored["level"] if stored is not None else None
                    choice, comment, evidence = st.columns([4, 3, 3])
                    choice.radio(
                        stage.label, options=[lv.code for lv in LEVELS],
                        format_func=lambda code: LEVEL_BY_CODE[code].tag,
                        index=[lv.code for lv in LEVELS].index(level) if isinstance(level, str) else None,
                        horizontal=True, help=stage.summary,
                        key=level_key(round_id, person_id, block.code, stage.code, "level"),
                    )
                    comment.text_input(
                        f"Comment on {stage.label.lower()}",
                        value=stored["comment"] if stored is not None and isinstance(stored["comment"], str)
                        else "",
                        max_chars=assessment.MAX_TEXT,
                        key=level_key(round_id, person_id, block.code, stage.code, "comment"),
                    )
                    evidence.text_input(
                        f"Evidence for {stage.label.lower()}",
                        value=stored["evidence"] if stored is not None and isinstance(stored["evidence"], str)
                        else "",
                        max_chars=assessment.MAX_TEXT,
                        key=level_key(round_id, person_id, block.code, stage.code, "evidence"),
                    )
            buttons = st.container(horizontal=True)
            buttons.form_submit_button("Save draft", on_click=save_answers,
                                         args=(round_id, person_id, False), icon=":material/save:")
            buttons.form_submit_button("Submit ratings", type="primary", on_click=save_answers,
                                          args=(round_id, person_id, True), icon=":material/send:")

with talk_tab:
    if ratings.empty:
        st.info("The discussion list appears once ratings have been submitted.")
    else:
        st.caption("Walk the list from the top: cells where the raters disagree most come first; "
                   "among equal disagreement, the cells the team sees as most critical.")
        order = assessment.discussion_list(summary)
        talk = order.assign(
            comments=["\n".join(assessment.comment_lines(c)) for c in order["comments"]],
        )[["cell", "team_level", "votes", "disagreement", "comments"]]
        talk.insert(0, "#", range(1, len(talk) + 1))
        talk.columns = ["#", "Cell", "Team level", "Votes", "Disagreement (0 to 1)", "Comments"]
        st.dataframe(talk, hide_index=True, width="stretch", row_height=70)
        cx_ui.download_buttons(talk, file_stem="discussion-list", title=f"Discussion list: {round_name}",
                               key="talk")

with compare_tab:
    others = {rid: name for rid, name in round_names.items() if rid != round_id}
    if not others:
        st.info("Comparing needs a second round. Create one under 'Rounds and raters'.")
    else:
        ids = list(round_names)
        older = ids[ids.index(round_id) + 1:]
        earlier_id = st.selectbox(
            "Compare with", options=list(others), format_func=others.get,
            index=list(others).index(older[0]) if older else 0, key="heatmap_compare",
        )
        earlier = assessment.summarise(cx_ui.cached(store, Store.round_ratings, earlier_id))
        comparison = assessment.compare_rounds(earlier, summary)
        st.header(escape_markdown(assessment.change_summary(comparison, others[earlier_id])))
        counts = comparison["change"].value_counts()
        for column, code in zip(st.columns(3), ("better", "same", "worse"), strict=True):
            change = assessment.CHANGES[code]
            count = int(counts.get(code, 0))
            column.metric(change.tag, f"{count} {'cell' if count == 1 else 'cells'}", border=True)
        st.caption("Better or worse means the team level moved up or down a step since the earlier "
                   "round; the arrows show the earlier and current team levels.")
        st.dataframe(assessment.comparison_table(comparison), hide_index=True, width="stretch")

with rounds_tab:
    st.header("Raters of this round")
    st.dataframe(
        raters.assign(status=raters["status"].str.capitalize())[
            ["name", "role", "status", "submitted_at", "submissions"]
        ].rename(columns={"name": "Name", "role": "Role", "status": "Status",
                          "submitted_at": "Last submitted", "submissions": "Times submitted"}),
        hide_index=True, width="stretch",
    )
    names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
    outside = [pid for pid in names if pid not in set(raters["person_id"])]
    if outside:
        with st.form("add-raters"):
            extra = st.multiselect("Add raters to this round", options=outside, format_func=names.get,
                                   key="heatmap_add_raters")
            if st.form_submit_button("Add raters"):
                try:
                    with store.transaction():
                        store.add_assessment_raters(round_id, extra)
                except ValueError as error:
                    st.error(str(error))
                else:
                    st.rerun()
    history = store.rating_history(round_id)
    replaced = history[~history["current"]]
    if not replaced.empty:
        st.header("Earlier answers, since replaced")
        st.dataframe(assessment.labelled_history(replaced), hide_index=True, width="stretch")
    st.header("All rounds")
    st.dataframe(rounds.rename(columns={"name": "Round", "held_on": "Meeting", "raters": "Raters",
                                        "submitted": "Submitted"}).drop(columns="round_id"),
                 hide_index=True, width="stretch")
    st.header("Start a new round")
    new_round_form(people)
