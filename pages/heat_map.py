"""Heat map: leaders rate the 15 cells; the team sees its consensus, where views differ, and change."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

import cx_ui
from cx import assessment, charts, heat_map
from cx.assessment import IncompleteSubmission, RatingEntry
from cx.exports import to_csv_bytes
from cx.formatting import format_date
from cx.framework import BLOCKS, LEVEL_BY_CODE, LEVELS, STAGES, cell_label
from cx.heat_map import CELL_COUNT
from cx.map_image import team_map_svg
from cx_ui import identity, state

cx_ui.page_title("Heat map")
store = cx_ui.store()
me = identity.me()

def level_key(round_id: int, person_id: int, block: str, stage: str, part: str) -> str:
    return f"rate-{round_id}-{person_id}-{block}-{stage}-{part}"


def form_entries(round_id: int, person_id: int) -> list[RatingEntry]:
    """The rater's answers as the form holds them (read from the widgets' state)."""
    def value(block: str, stage: str, part: str, default=None):
        return state.widget_value(level_key(round_id, person_id, block, stage, part), default)

    return [
        RatingEntry(block.code, stage.code, value(block.code, stage.code, "level"),
                    value(block.code, stage.code, "comment", ""),
                    value(block.code, stage.code, "evidence", ""))
        for block in BLOCKS for stage in STAGES
    ]


def save_answers(round_id: int, person_id: int, submit: bool) -> None:
    """Form callback (runs before the page, so every tab shows the new answers)."""
    entries = form_entries(round_id, person_id)
    now = datetime.now().replace(microsecond=0)

    def draft(store) -> None:
        heat_map.save_draft(store.assessment, round_id, person_id, entries, now=now)

    if not submit:
        cx_ui.save(draft, done="Draft saved. Nothing counts until you submit.")
        return
    try:
        assessment.check_complete(entries)
    except IncompleteSubmission as error:
        if not cx_ui.save(draft).ok:
            return
        state.notice(f"{error} Your answers so far are saved as a draft.", error=True)
        return
    except ValueError as error:
        state.notice(str(error), error=True)
        return
    cx_ui.save(lambda store: heat_map.submit(store.assessment, round_id, person_id, entries, now=now),
               done="Your ratings are submitted and now count in the team map.")


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
        cx_ui.show_form_error("new-round")
        st.form_submit_button("Create round", type="primary", on_click=create_round)


def create_round() -> None:
    """Form callback: runs before the page, so the round picker can switch to the new round."""
    now = datetime.now().replace(microsecond=0)
    saved = cx_ui.save(
        lambda store: heat_map.create_round(
            store, state.widget_value("new_round_name", ""), state.widget_value("new_round_date"),
            state.widget_value("new_round_raters", []), created_by=identity.me().person_id, now=now,
            new_person=(state.widget_value("new_round_person", ""), state.widget_value("new_round_role"))),
        done="Round created. Raters can now rate the cells.", form="new-round")
    if saved.ok:
        state.HEAT_MAP_ROUND.set(saved.value)
        state.set_widget("heatmap_round_widget", saved.value)


cx_ui.show_notice()
rounds = cx_ui.cached(store.assessment.rounds)
people = store.people.all()

if rounds.empty:
    st.info("No assessment round has been set up yet. Create one below; each rater then rates the "
            "15 cells of the heat map before the meeting.")
    new_round_form(people)
    st.stop()

round_names = dict(zip(rounds["round_id"].tolist(), rounds["name"].tolist(), strict=True))
shown_round = heat_map.current_round(rounds, state.HEAT_MAP_ROUND.get())
round_id = st.selectbox(
    "Round", options=list(round_names), format_func=round_names.get,
    index=list(round_names).index(shown_round),
    key="heatmap_round_widget", on_change=state.remember,
    args=("heatmap_round_widget", state.HEAT_MAP_ROUND.key),
    help="Rounds are listed newest meeting first. Unless you choose one, every page shows the newest round "
         "that has submissions.",
)
view = cx_ui.cached(heat_map.round_view, store, round_id, me, date.today(), reads=("assessment", "people"))
round_name, ratings, raters, summary = view.name, view.ratings, view.raters, view.summary
st.caption(
    f"Meeting on {format_date(view.held_on)} · {view.submitted} of {view.rater_count} raters have "
    "submitted · team level = the median of the raters' levels; when they split evenly, the more "
    "critical of the two."
)

# The discussion list, each rater's map, the comparison and the rounds' tables are computed and
# drawn only when their tab is chosen, so a new session's first screen (the team map) does not wait.
team_tab, rate_tab, talk_tab, each_tab, compare_tab, rounds_tab = st.tabs(
    ["Team map", "Your ratings", "Discussion list", "Each rater's map", "Compare rounds",
     "Rounds and raters"],
    key="heatmap_tab", on_change="rerun",
)


def team_map_withheld() -> bool:
    """Say why there is no team map yet (the round is open to this person, or nobody submitted)."""
    if view.withheld:
        st.info(f"This round is open until its meeting on {format_date(view.held_on)}. You will see your "
                "colleagues' ratings once you have submitted your own, so that nobody's view is shaped by "
                "anyone else's.")
    elif ratings.empty:
        st.info("Nobody has submitted ratings for this round yet. The team map appears with the "
                "first submission.")
    return view.withheld or ratings.empty


with team_tab:
    if not team_map_withheld():
        st.text(view.raters_sentence())
        left, middle, right = st.columns(3)
        left.metric("Raters who submitted", f"{view.submitted} of {view.rater_count}", border=True)
        middle.metric("Cells where views differ", f"{view.differing_cells} of {CELL_COUNT}", border=True)
        right.metric(f"{LEVEL_BY_CODE['critical'].tag} cells", f"{view.critical_cells} of {CELL_COUNT}",
                     border=True)
        title = f"Team heat map: {round_name} ({view.submitted} of {view.rater_count} raters)"
        cx_ui.chart_with_table(charts.heat_map, summary, title, table=assessment.team_map_table(summary),
                               key="team-map")
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
        subtitle = f"{view.submitted} of {view.rater_count} raters · meeting on {format_date(view.held_on)}"
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
            data=lambda: to_csv_bytes(assessment.labelled_history(heat_map.rating_history(store, view))),
            file_name=f"{stem}-ratings.csv", mime="text/csv", on_click="ignore",
            icon=":material/download:", key="dl-ratings-csv",
        )
        st.caption("The image is an SVG: it opens in any browser and can be inserted into Word or "
                   "PowerPoint. The CSV includes earlier answers that raters later replaced.")

def rating_section() -> None:
    """This person's ratings for the round: the form, or why they cannot rate."""
    if me.person_id is None:
        st.info("Choose your name under 'You are' in the sidebar to rate the cells.")
    elif not me.may("assessment"):
        st.info("Your PlaceCX role lets you see the team map, not rate it.")
    elif me.person_id not in set(raters["person_id"]):
        st.info("You are not one of this round's raters.")
        st.button("Add me as a rater of this round", key="join-round",
                  on_click=cx_ui.save, args=(lambda s: s.assessment.add_raters(round_id, [me.person_id]),),
                  kwargs={"done": "You are now one of this round's raters."})
    else:
        person_id = me.person_id
        mine = raters.set_index("person_id").loc[person_id]
        sheet = store.assessment.sheet(round_id, person_id).set_index(["block", "stage"])
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



with rate_tab:
    if cx_ui.opened_before(rate_tab, "heat_map/rate"):
        rating_section()

def discussion_section() -> None:
    """The cells in the order the meeting should discuss them, with every comment."""
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
        # Every cell at once (no small scroll box): the meeting walks the whole list.
        st.dataframe(talk, hide_index=True, width="stretch", row_height=70, height="content")
        cx_ui.download_buttons(talk, file_stem="discussion-list", title=f"Discussion list: {round_name}",
                               key="talk")


def each_rater_section() -> None:
    """Every rater's own map side by side."""
    if not team_map_withheld():
        cx_ui.chart_with_table(charts.rater_maps, ratings,
                               "Each rater's own map (hover a cell for their comment)",
                               table=assessment.rater_table(ratings), key="rater-maps")


def compare_section() -> None:
    """The team map against an earlier round: cells better, the same or worse."""
    others = {rid: name for rid, name in round_names.items() if rid != round_id}
    if not others:
        st.info("Comparing needs a second round. Create one under 'Rounds and raters'.")
    else:
        default = heat_map.earlier_round(rounds, round_id)
        earlier_id = st.selectbox(
            "Compare with", options=list(others), format_func=others.get,
            index=list(others).index(default) if default in others else 0, key="heatmap_compare",
        )
        earlier = assessment.summarise(cx_ui.cached(store.assessment.ratings, earlier_id))
        comparison = assessment.compare_rounds(earlier, summary)
        st.header(cx_ui.literal(assessment.change_summary(comparison, others[earlier_id])))
        counts = comparison["change"].value_counts()
        for column, code in zip(st.columns(3), ("better", "same", "worse"), strict=True):
            change = assessment.CHANGES[code]
            count = int(counts.get(code, 0))
            column.metric(change.tag, f"{count} {'cell' if count == 1 else 'cells'}", border=True)
        st.caption("Better or worse means the team level moved up or down a step since the earlier "
                   "round; the arrows show the earlier and current team levels.")
        st.dataframe(assessment.comparison_table(comparison), hide_index=True, width="stretch")


def raters_table() -> None:
    """This round's raters and where each has got to."""
    st.header("Raters of this round")
    st.dataframe(
        raters.assign(status=raters["status"].str.capitalize())[
            ["name", "role", "status", "submitted_at", "submissions"]
        ].rename(columns={"name": "Name", "role": "Role", "status": "Status",
                          "submitted_at": "Last submitted", "submissions": "Times submitted"}),
        hide_index=True, width="stretch",
    )


def add_raters_form() -> None:
    """Add people who are not yet raters of this round."""
    names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
    outside = [pid for pid in names if pid not in set(raters["person_id"])]
    if outside:
        with st.form("add-raters"):
            st.multiselect("Add raters to this round", options=outside, format_func=names.get,
                           key="heatmap_add_raters")
            st.form_submit_button("Add raters", on_click=lambda: cx_ui.save(
                lambda s: s.assessment.add_raters(round_id, state.widget_value("heatmap_add_raters", [])),
                done="Raters added."))


def rounds_history() -> None:
    """Answers since replaced in this round, and every round."""
    history = heat_map.rating_history(store, view)
    replaced = history[~history["current"]]
    if not replaced.empty:
        st.header("Earlier answers, since replaced")
        st.dataframe(assessment.labelled_history(replaced), hide_index=True, width="stretch")
    st.header("All rounds")
    st.dataframe(rounds.rename(columns={"name": "Round", "held_on": "Meeting", "raters": "Raters",
                                        "submitted": "Submitted"}).drop(columns="round_id"),
                 hide_index=True, width="stretch")


cx_ui.draw_if_open(talk_tab, discussion_section)
cx_ui.draw_if_open(each_tab, each_rater_section)
cx_ui.draw_if_open(compare_tab, compare_section)
# Once shown, the forms are drawn on every tab, so what someone typed survives a look at another.
with rounds_tab:
    forms_shown = cx_ui.opened_before(rounds_tab, "heat_map/rounds")
    if rounds_tab.open:
        raters_table()
    if forms_shown:
        add_raters_form()
    if rounds_tab.open:
        rounds_history()
    if forms_shown:
        st.header("Start a new round")
        new_round_form(people)
