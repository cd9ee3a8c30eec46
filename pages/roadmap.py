"""Roadmap: the programme's actions by stage, who owns them, how far along they are, and what changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import streamlit as st

import cx_ui
from cx import assessment, charts, roadmap
from cx.formatting import escape_markdown, format_date
from cx.framework import BLOCK_BY_CODE, BLOCKS, STAGE_BY_CODE, STAGES
from cx.roadmap import METRICS, STATUS_BY_CODE, STATUSES, ActionInput
from cx.store import Store

cx_ui.page_title("Roadmap")
store = cx_ui.store()
me = cx_ui.current_person(store)
today = date.today()

NO_OWNER = 0  # person ids start at 1, so 0 stands for "no owner yet" in pickers


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


def who() -> int | None:
    return st.session_state.get("person_id")


# --------------------------------------------------------------- the action form


def action_fields(prefix: str, initial: ActionInput, owners: dict[int, str]) -> None:
    """The widgets of one action; their values live under keys starting with `prefix`."""
    st.text_input("Title", value=initial.title, max_chars=roadmap.MAX_TITLE, key=f"{prefix}-title")
    left, right = st.columns(2)
    left.selectbox("Stage", options=[s.code for s in STAGES], format_func=lambda c: STAGE_BY_CODE[c].label,
                   index=[s.code for s in STAGES].index(initial.stage), key=f"{prefix}-stage")
    right.multiselect("Building blocks", options=[b.code for b in BLOCKS],
                      format_func=lambda c: BLOCK_BY_CODE[c].label, default=list(initial.blocks),
                      key=f"{prefix}-blocks")
    owner_options = [NO_OWNER, *owners]
    left.selectbox("Owner", options=owner_options,
                   format_func=lambda pid: owners.get(pid, "No owner yet"),
                   index=owner_options.index(initial.owner_id or NO_OWNER), key=f"{prefix}-owner")
    right.selectbox("Status", options=[s.code for s in STATUSES], format_func=lambda c: STATUS_BY_CODE[c].tag,
                    index=[s.code for s in STATUSES].index(initial.status), key=f"{prefix}-status")
    left.date_input("Start date", value=initial.start_date, format="DD/MM/YYYY", key=f"{prefix}-start",
                    help=cx_ui.DATE_HELP)
    right.date_input("Due date", value=initial.due_date, format="DD/MM/YYYY", key=f"{prefix}-due",
                     help=cx_ui.DATE_HELP)
    metric_options = ["", *METRICS]
    left.selectbox("Metric it should move (optional)", options=metric_options,
                   format_func=lambda c: METRICS[c].label if c else "No metric",
                   index=metric_options.index(initial.metric or ""), key=f"{prefix}-metric")
    right.number_input("Target (optional)", value=initial.target, step=1.0, key=f"{prefix}-target",
                       help="For example 80 for 80% of calls answered within 20 seconds, or 10 for an "
                            "NPS of +10.")
    st.text_area("Notes", value=initial.notes, max_chars=roadmap.MAX_NOTES, key=f"{prefix}-notes")


def read_fields(prefix: str) -> ActionInput:
    state = st.session_state
    owner = state.get(f"{prefix}-owner")
    return ActionInput(
        title=state.get(f"{prefix}-title", ""),
        stage=state.get(f"{prefix}-stage"),
        blocks=tuple(state.get(f"{prefix}-blocks", ())),
        owner_id=None if owner in (None, NO_OWNER) else owner,
        status=state.get(f"{prefix}-status"),
        start_date=state.get(f"{prefix}-start"),
        due_date=state.get(f"{prefix}-due"),
        notes=state.get(f"{prefix}-notes", ""),
        metric=state.get(f"{prefix}-metric") or None,
        target=state.get(f"{prefix}-target"),
    )


def add_action() -> None:
    """Form callback: runs before the page, so progress and lists show the new action."""
    try:
        with cx_ui.store().transaction() as writer:
            action_id = writer.create_roadmap_action(read_fields("new"), by=who(), now=now())
    except ValueError as error:
        st.session_state["new-error"] = str(error)
        return
    cx_ui.notice(f"Action #{action_id} added to the plan.")
    for suffix in ("title", "notes", "target"):
        st.session_state.pop(f"new-{suffix}", None)


def save_action(action_id: int) -> None:
    prefix = f"edit-{action_id}"
    try:
        with cx_ui.store().transaction() as writer:
            diffs = writer.update_roadmap_action(action_id, read_fields(prefix), by=who(), now=now())
    except ValueError as error:
        st.session_state[f"{prefix}-error"] = str(error)
        return
    fields = ", ".join(field.lower() for field, _, _ in diffs)
    cx_ui.notice(f"Action #{action_id} saved: {fields} changed." if diffs
                 else f"Action #{action_id}: nothing had changed.")


def set_archived(action_id: int, archived: bool) -> None:
    with cx_ui.store().transaction() as writer:
        writer.set_roadmap_action_archived(action_id, archived, by=who(), now=now())
    verb = "archived; it no longer counts in the plan" if archived else "restored to the plan"
    cx_ui.notice(f"Action #{action_id} {verb}.")


def form_error(key: str) -> None:
    message = st.session_state.pop(key, None)
    if message:
        st.error(message, icon=":material/error:")


# ------------------------------------------------------------- the heat map link

rounds = cx_ui.cached(store, Store.assessment_rounds)
latest_round = None if rounds.empty else rounds.iloc[0]
summary = (assessment.summarise(cx_ui.cached(store, Store.round_ratings, int(latest_round["round_id"])))
           if latest_round is not None else None)
rated = summary is not None and bool((summary["n"] > 0).any())
critical = roadmap.critical_cells(summary) if rated else set()
suggestions = roadmap.suggest_entry_stages(summary) if rated else {}


def programme_form(programme: dict | None, entry: dict[str, str], *, first_time: bool) -> None:
    """Start, length and entry stages; on first use, optionally the toolkit's starter actions."""
    with st.form("programme"):
        left, right = st.columns(2)
        left.date_input("Programme start", value=programme["start_date"] if programme else today,
                        format="DD/MM/YYYY", key="programme-start", help=cx_ui.DATE_HELP)
        right.number_input("Length in years", min_value=roadmap.MIN_YEARS, max_value=roadmap.MAX_YEARS,
                           value=programme["years"] if programme else 4, step=1, key="programme-years")
        st.header("Where each building block steps in")
        if rated:
            st.caption(escape_markdown(
                f"Suggested from the {latest_round['name']} heat map: the first stage the team does not "
                "rate a strength."))
        else:
            st.caption("No heat-map round has been rated yet, so there is no suggestion; every block "
                       "starts at Fix the basics unless you choose otherwise.")
        for block in BLOCKS:
            suggested, reason = suggestions.get(block.code, ("basics", ""))
            current = entry.get(block.code, suggested)
            st.selectbox(
                block.label, options=[s.code for s in STAGES], format_func=lambda c: STAGE_BY_CODE[c].label,
                index=[s.code for s in STAGES].index(current), key=f"entry-{block.code}",
                help=f"Suggested: {STAGE_BY_CODE[suggested].label} ({reason})." if reason else None,
            )
            if reason and suggested != current:
                st.caption(f"Suggested: {STAGE_BY_CODE[suggested].label}, because {reason}.")
        if first_time:
            st.checkbox("Start the plan with the toolkit's typical actions for each stage", value=True,
                        key="programme-starters")
        form_error("programme-error")
        st.form_submit_button("Save the programme", type="primary", on_click=save_programme,
                              disabled=me is None)


def save_programme() -> None:
    state = st.session_state
    stages = {b.code: state[f"entry-{b.code}"] for b in BLOCKS}
    start, years = state.get("programme-start"), state.get("programme-years")
    try:
        with cx_ui.store().transaction() as writer:
            writer.set_roadmap_programme(start, years, by=who(), now=now())
            writer.set_roadmap_entry_stages(stages, by=who(), now=now())
            added = 0
            if state.pop("programme-starters", False):
                for key, action in roadmap.starter_plan(start, int(years), stages):
                    writer.create_roadmap_action(action, by=who(), now=now(), toolkit_key=key)
                    added += 1
    except ValueError as error:
        state["programme-error"] = str(error)
        return
    cx_ui.notice("Programme saved." + (f" {added} starter actions added to the plan." if added else ""))


# -------------------------------------------------------------------- the page

cx_ui.show_notice()
if me is None:
    st.info("Choose your name under 'You are' in the sidebar to change the plan: every change is "
            "recorded with the name of the person who made it.")

programme = store.roadmap_programme()
if programme is None:
    st.info("The programme has not been set up yet. Choose its start, its length and where each "
            "building block steps in; the toolkit's typical actions can start the plan.")
    programme_form(None, {}, first_time=True)
    st.stop()

start, years = programme["start_date"], int(programme["years"])
end = roadmap.programme_end(start, years)
year_now = min(years, max(1, (today - start).days // 365 + 1))
where = "not started yet" if today < start else f"now in year {year_now}"
st.caption(f"Programme from {format_date(start)} to {format_date(end)} ({years} years); {where}. "
           f"Today is {format_date(today)}.")

actions = cx_ui.cached(store, Store.roadmap_actions)
latest = cx_ui.cached(store, roadmap.latest_figures)
people = store.people()
owners = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))

filters = st.columns(3)
owner_filter = filters[0].multiselect("Owner", options=[*owners, NO_OWNER],
                                      format_func=lambda pid: owners.get(pid, "No owner yet"),
                                      key="roadmap-filter-owner")
block_filter = filters[1].multiselect("Building block", options=[b.code for b in BLOCKS],
                                      format_func=lambda c: BLOCK_BY_CODE[c].label,
                                      key="roadmap-filter-block")
stage_filter = filters[2].multiselect("Stage", options=[s.code for s in STAGES],
                                      format_func=lambda c: STAGE_BY_CODE[c].label,
                                      key="roadmap-filter-stage")
shown = roadmap.filter_actions(actions, owners=[None if o == NO_OWNER else o for o in owner_filter],
                               blocks=block_filter, stages=stage_filter)
if len(shown) < len(actions):
    st.caption(f"Showing {len(shown)} of {len(actions)} actions on every tab; the board-pack download "
               "holds the whole plan.")
marked = roadmap.with_attention(shown, today)
overdue_count = int(marked["overdue"].sum())
blocked_count = int((marked["status"] == "blocked").sum())
done_count = int((marked["status"] == "done").sum())

progress_tab, actions_tab, timeline_tab, add_tab, programme_tab, history_tab = st.tabs(
    ["Progress", "Actions", "Timeline", "Add an action", "Programme", "History"]
)

with progress_tab:
    cards = st.columns(4)
    cards[0].metric("Actions in the plan", f"{len(shown)}", border=True)
    share = f" ({round(100 * done_count / len(shown))}%)" if len(shown) else ""
    cards[1].metric(f"{STATUS_BY_CODE['done'].tag}", f"{done_count}{share}", border=True)
    cards[2].metric("Overdue", f"{overdue_count}", border=True,
                    help="Not done, and the due date has passed.")
    cards[3].metric(f"{STATUS_BY_CODE['blocked'].tag}", f"{blocked_count}", border=True)
    st.header("Needs attention: overdue or blocked")
    attention = roadmap.action_table(shown[shown["action_id"].isin(marked.loc[marked["attention"],
                                                                              "action_id"])],
                                     today, critical)
    if attention.empty:
        st.text("Nothing is overdue or blocked.")
    else:
        st.dataframe(attention[["ID", "Action", "Owner", "Status", "Due", "Overdue", "Heat map"]],
                     hide_index=True, width="stretch", key="attention-table")
    by_stage = roadmap.progress(shown, "stage")
    cx_ui.chart_with_table(charts.roadmap_progress(by_stage, "Actions by roadmap stage and status", "Stage"),
                           roadmap.progress_table(by_stage, "Stage"), key="progress-stage")
    by_block = roadmap.progress(shown, "block")
    cx_ui.chart_with_table(
        charts.roadmap_progress(by_block, "Actions by building block and status (an action can "
                                "serve several blocks)", "Building block"),
        roadmap.progress_table(by_block, "Building block"), key="progress-block",
    )

with actions_tab:
    st.caption("Overdue and blocked actions come first, then the soonest due. '! Critical focus' marks "
               "actions at a stage the latest heat map rates a critical focus for one of their "
               "building blocks.")
    st.dataframe(roadmap.action_table(shown, today, critical, latest), hide_index=True, width="stretch",
                 key="actions-table")
    st.download_button(
        "Download the plan for the board pack (XLSX)",
        data=lambda: roadmap.plan_xlsx(actions, today, critical,
                                       f"Customer experience roadmap, {format_date(today)}", latest),
        file_name=f"roadmap-{today.isoformat()}.xlsx", on_click="ignore", icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="plan-xlsx",
    )

    st.header("Change an action")
    if actions.empty:
        st.text("There are no actions in the plan yet.")
    else:
        titles = dict(zip(actions["action_id"].tolist(), actions["title"].tolist(), strict=True))
        chosen = st.selectbox("Action", options=list(titles), format_func=lambda i: f"#{i} {titles[i]}",
                              key="roadmap-edit-choice")
        with st.form(f"edit-{chosen}"):
            action_fields(f"edit-{chosen}", store.roadmap_action(chosen), owners)
            form_error(f"edit-{chosen}-error")
            st.form_submit_button("Save changes", type="primary", on_click=save_action, args=(chosen,),
                                  disabled=me is None)
        st.button("Archive this action", key=f"archive-{chosen}", on_click=set_archived, args=(chosen, True),
                  disabled=me is None, help="Archived actions leave the plan and its progress figures; "
                                            "they can be restored.")
        st.subheader("History of this action")
        st.dataframe(roadmap.history_table(store.roadmap_history(chosen)), hide_index=True, width="stretch",
                     key="action-history")
    archived = store.roadmap_actions(archived=True)
    if not archived.empty:
        with st.expander(f"Archived actions ({len(archived)})"):
            st.dataframe(archived[["action_id", "title", "owner"]].rename(
                columns={"action_id": "ID", "title": "Action", "owner": "Owner"}), hide_index=True)
            names = dict(zip(archived["action_id"].tolist(), archived["title"].tolist(), strict=True))
            restore = st.selectbox("Restore", options=list(names), format_func=lambda i: f"#{i} {names[i]}",
                                   key="roadmap-restore-choice")
            st.button("Restore to the plan", key="restore", on_click=set_archived, args=(restore, False),
                      disabled=me is None)

with timeline_tab:
    if shown.empty:
        st.text("There are no actions to show.")
    else:
        flags = roadmap.critical_flags(shown, critical)
        fig = charts.roadmap_timeline(shown, f"Actions over the programme, {format_date(start)} to "
                                      f"{format_date(end)}", start=start, end=end, today=today, flags=flags)
        cx_ui.chart_with_table(fig, roadmap.action_table(shown, today, critical)[
            ["ID", "Action", "Stage", "Status", "Start", "Due", "Overdue", "Heat map"]], key="timeline")

with add_tab, st.form("new-action"):
    first_day = max(today, start)
    action_fields("new", ActionInput("", "basics", (), None, "not_started", first_day,
                                     first_day + timedelta(days=90)), owners)
    form_error("new-error")
    st.form_submit_button("Add the action", type="primary", on_click=add_action, disabled=me is None)

with programme_tab:
    programme_form(programme, store.roadmap_entry_stages(), first_time=False)
    present = set(actions["toolkit_key"].dropna()) | set(
        store.roadmap_actions(archived=True)["toolkit_key"].dropna())
    missing = [key for key, _ in roadmap.starter_plan(start, years, store.roadmap_entry_stages())
               if key not in present]
    if missing:
        st.caption(f"{len(missing)} of the toolkit's typical actions for your entry stages are not in the "
                   "plan.")
        if st.button("Add them", key="add-starters", disabled=me is None):
            with store.transaction():
                for key, action in roadmap.starter_plan(start, years, store.roadmap_entry_stages()):
                    if key in missing:
                        store.create_roadmap_action(action, by=who(), now=now(), toolkit_key=key)
            cx_ui.notice(f"{len(missing)} starter actions added.")
            st.rerun()

with history_tab:
    st.caption("Every change to the plan, newest first: who made it, when, and the value before and after.")
    st.dataframe(roadmap.history_table(store.roadmap_recent_changes()), hide_index=True, width="stretch",
                 key="history-table")
