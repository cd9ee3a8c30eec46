"""Roadmap: the programme's actions by stage, who owns them, how far along they are, and what changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import streamlit as st

import cx_ui
from cx import charts, evidence_charts, impact, journey_actions, roadmap, roadmap_view
from cx.formatting import format_date
from cx.framework import BLOCK_BY_CODE, BLOCKS, STAGE_BY_CODE, STAGES
from cx.measures import MEASURES
from cx.roadmap import ActionInput
from cx.status import STATUS_BY_CODE, STATUSES
from cx_ui import identity, state

cx_ui.page_title("Roadmap")
store = cx_ui.store()
me = identity.me()
today = date.today()

NO_OWNER = 0  # person ids start at 1, so 0 stands for "no owner yet" in pickers


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


def who() -> int | None:
    return identity.me().person_id


# --------------------------------------------------------------- the action form


def scope_options(known: list[str], chosen: tuple[str, ...]) -> list[str]:
    """The names seen in the survey data, plus any the action already names."""
    return list(dict.fromkeys([*known, *chosen]))


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
    metric_options = ["", *MEASURES]
    left.selectbox("Metric it should move (optional)", options=metric_options,
                   format_func=lambda c: MEASURES[c].label if c else "No metric",
                   index=metric_options.index(initial.metric or ""), key=f"{prefix}-metric")
    right.number_input("Target (optional)", value=initial.target, step=1.0, key=f"{prefix}-target",
                       help="For example 80 for 80% of calls answered within 20 seconds, or 10 for an "
                            "NPS of +10.")
    left.multiselect("Services it covers (none chosen: all)", options=scope_options(known_services,
                     initial.services), default=list(initial.services), key=f"{prefix}-services",
                     help="Its baseline and before-and-after figures are measured for these services; the "
                          "other services are the comparison.")
    right.multiselect("Channels it covers (none chosen: all)", options=scope_options(known_channels,
                      initial.channels), default=list(initial.channels), key=f"{prefix}-channels")
    st.text_area("Notes", value=initial.notes, max_chars=roadmap.MAX_NOTES, key=f"{prefix}-notes")


def read_fields(prefix: str) -> ActionInput:
    def value(name: str, default=None):
        return state.widget_value(f"{prefix}-{name}", default)

    owner = value("owner")
    return ActionInput(
        title=value("title", ""),
        stage=value("stage"),
        blocks=tuple(value("blocks", ())),
        owner_id=None if owner in (None, NO_OWNER) else owner,
        status=value("status"),
        start_date=value("start"),
        due_date=value("due"),
        notes=value("notes", ""),
        metric=value("metric") or None,
        target=value("target"),
        services=tuple(value("services", ())),
        channels=tuple(value("channels", ())),
    )


def add_action() -> None:
    """Form callback: runs before the page, so progress and lists show the new action."""
    action = read_fields("new")
    added = cx_ui.save(lambda store: roadmap.create_action(store, action, by=who(), now=now()),
                       done=lambda action_id: f"Action #{action_id} added to the plan.", form="new")
    if added.ok:
        state.forget_widgets("new-title", "new-notes", "new-target")


def save_action(action_id: int, overwrite: bool = False) -> None:
    form = f"edit-{action_id}"
    action, base = read_fields(form), state.form_base(form, None, marker=f"{form}-title")

    def said(diffs: list) -> str:
        fields = ", ".join(field.lower() for field, _, _ in diffs)
        if not diffs:
            return f"Action #{action_id}: nothing had changed."
        return f"Action #{action_id} saved: {fields} changed."

    saved = cx_ui.save(lambda store: roadmap.update_action(store, action_id, action, by=who(), now=now(),
                                                           based_on=base, overwrite=overwrite),
                       done=said, form=form)
    if saved.ok:
        state.close_form(form, f"{form}-")


def set_archived(action_id: int, archived: bool) -> None:
    verb = "archived; it no longer counts in the plan" if archived else "restored to the plan"
    cx_ui.save(lambda store: roadmap.set_archived(store, action_id, archived, by=who(), now=now()),
               done=f"Action #{action_id} {verb}.")


# ------------------------------------------------------------- the page model

page = cx_ui.cached(roadmap_view.roadmap_page, store, state.HEAT_MAP_ROUND.get(), me)
known_services = cx_ui.cached(store.surveys.values, "service")
known_channels = cx_ui.cached(store.surveys.values, "channel")
critical, suggestions = page.critical, page.suggestions


def programme_form(programme: dict | None, entry: dict[str, str], *, first_time: bool) -> None:
    """Start, length and entry stages; on first use, optionally the toolkit's starter actions."""
    state.form_base("programme", roadmap.programme_fields(programme, entry), marker="programme-start")
    with st.form("programme"):
        left, right = st.columns(2)
        left.date_input("Programme start", value=programme["start_date"] if programme else today,
                        format="DD/MM/YYYY", key="programme-start", help=cx_ui.DATE_HELP)
        right.number_input("Length in years", min_value=roadmap.MIN_YEARS, max_value=roadmap.MAX_YEARS,
                           value=programme["years"] if programme else 4, step=1, key="programme-years")
        st.header("Where each building block steps in")
        if page.round is not None:
            st.caption(cx_ui.literal(
                f"Suggested from the {page.round.name} heat map: the first stage the team does not "
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
        cx_ui.show_form_error("programme")
        st.form_submit_button("Save the programme", type="primary", on_click=save_programme,
                              disabled=not me.may("roadmap"))
    cx_ui.offer_overwrite("programme", save_programme, (True,))


def save_programme(overwrite: bool = False) -> None:
    stages = {b.code: state.widget_value(f"entry-{b.code}") for b in BLOCKS}
    start, years = state.widget_value("programme-start"), state.widget_value("programme-years")
    starters = bool(state.widget_value("programme-starters", False))
    base = state.form_base("programme", None, marker="programme-start")
    saved = cx_ui.save(
        lambda store: roadmap.save_programme(store, start, years, stages, by=who(), now=now(),
                                             with_starters=starters, based_on=base, overwrite=overwrite),
        done=lambda added: "Programme saved."
        + (f" {added} starter actions added to the plan." if added else ""),
        form="programme")
    if saved.ok:
        state.close_form("programme", "programme-", "entry-")


# ------------------------------------------------------------------ impact


def impact_section(plan_actions) -> None:
    """Done actions with their before and after, biggest improvement first; baselines to record."""
    st.caption("What worked: each done action linked to NPS, CSAT or CES, its measure over the "
               f"{impact.BASELINE_DAYS} days before it started (its baseline) against the same length of "
               "time after it was done, for the services and channels it covers, with the test that suits "
               "the measure. Where it left some services untouched, they show what would have happened "
               "anyway.")
    min_n = cx_ui.settings().min_n
    settle = int(state.persistent(
        st.number_input, "Settling period: days after an action is done before its after period starts",
        state.view_setting("impact_settle"), impact.SETTLE_DAYS, min_value=0, max_value=impact.MAX_DAYS,
        step=1))
    found = cx_ui.cached(impact.impacts, store, today, min_n=min_n, settle_days=settle,
                         reads=("roadmap", "surveys"))
    done = impact.by_effect([item for item in found if item.status == "done"])
    if not done:
        st.text("No done action is linked to a measure yet. Link an action to NPS, CSAT or CES to see "
                "whether it moved the figure.")
    else:
        points = impact.chart_points(done)
        if not points.empty:
            cx_ui.chart_with_table(evidence_charts.impact_chart, points, min_n,
                                   table=impact.points_table(points), key="impact-chart")
        st.dataframe(impact.impact_table(done), hide_index=True, width="stretch", key="impact-table")
        st.caption(impact.EVIDENCE_NOT_PROOF + f" Below {min_n} answers on either side there is no verdict.")
    under_way = [item for item in found if item.status != "done"]
    if under_way:
        st.subheader("Actions under way (interim figures)")
        st.dataframe(impact.impact_table(under_way), hide_index=True, width="stretch", key="impact-under-way")
    baseline_form(plan_actions)


def baseline_form(plan_actions) -> None:
    """Record a baseline again (after old data was imported, or with another window)."""
    linked = plan_actions[plan_actions["metric"].map(impact.is_tested)]
    if linked.empty:
        return
    st.subheader("Record a baseline")
    titles = dict(zip(linked["action_id"].tolist(), linked["title"].tolist(), strict=True))
    chosen = st.selectbox("Action", options=list(titles), format_func=lambda i: f"#{i} {titles[i]}",
                          key="baseline-action")
    days = int(state.persistent(st.number_input, "Baseline window: days before the start",
                                state.view_setting("baseline_days"), impact.BASELINE_DAYS,
                                min_value=impact.MIN_DAYS, max_value=impact.MAX_DAYS, step=1))
    row = st.container(horizontal=True)
    row.button("Record this baseline now", key="baseline-record", disabled=not me.may("roadmap"),
               on_click=cx_ui.save,
               args=(lambda store: impact.record_baseline(store, chosen, days=days, by=who(), now=now()),),
               kwargs={"done": f"Baseline of action #{chosen} recorded over the {days} days before it "
                               "started."})
    row.button("Record every missing baseline", key="baseline-missing", disabled=not me.may("roadmap"),
               on_click=cx_ui.save,
               args=(lambda store: impact.record_missing_baselines(store, by=who(), now=now()),),
               kwargs={"done": lambda count: f"{count} baselines recorded."})


def plan_tables(journey_links) -> None:
    """The plan as a table, the actions made from journey maps, and the board-pack download."""
    st.caption("Overdue and blocked actions come first, then the soonest due. '! Critical focus' marks "
               "actions at a stage the latest heat map rates a critical focus for one of their "
               "building blocks.")
    st.dataframe(roadmap_view.action_table(shown, today, critical, latest), hide_index=True,
                 width="stretch", key="actions-table")
    if not journey_links.empty:
        with st.expander(f"Actions made from journey maps ({len(journey_links)})", icon=":material/route:"):
            st.dataframe(journey_actions.link_table(journey_links), hide_index=True, width="stretch",
                         key="journey-links")
    st.download_button(
        "Download the plan for the board pack (XLSX)",
        data=lambda: roadmap_view.plan_xlsx(actions, today, critical,
                                       f"Customer experience roadmap, {format_date(today)}", latest),
        file_name=f"roadmap-{today.isoformat()}.xlsx", on_click="ignore", icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="plan-xlsx",
    )


def change_action(journey_links, *, details: bool) -> None:
    """The form that changes one action; with `details`, where it came from and its history too."""
    st.header("Change an action")
    if actions.empty:
        st.text("There are no actions in the plan yet.")
        return
    titles = dict(zip(actions["action_id"].tolist(), actions["title"].tolist(), strict=True))
    chosen = st.selectbox("Action", options=list(titles), format_func=lambda i: f"#{i} {titles[i]}",
                          key="roadmap-edit-choice")
    form = f"edit-{chosen}"
    record = roadmap.load_action(store.roadmap, chosen)
    state.form_base(form, record, marker=f"{form}-title")
    with st.form(form):
        action_fields(form, record, owners)
        cx_ui.show_form_error(form)
        st.form_submit_button("Save changes", type="primary", on_click=save_action, args=(chosen,),
                              disabled=not me.may("roadmap"))
    cx_ui.offer_overwrite(form, save_action, (chosen, True))
    st.button("Archive this action", key=f"archive-{chosen}", on_click=set_archived, args=(chosen, True),
              disabled=not me.may("roadmap"),
              help="Archived actions leave the plan and its progress figures; they can be restored.")
    if not details:
        return
    link = journey_links[journey_links["action_id"] == chosen]
    if not link.empty:
        made = journey_actions.link_table(link).iloc[0]
        st.text(f"Made from a journey map: {made['Journey']} · {made['Step']}.")
    st.subheader("History of this action")
    st.dataframe(roadmap_view.history_table(store.roadmap.history(chosen)), hide_index=True, width="stretch",
                 key="action-history")


def archived_actions() -> None:
    """Archived actions, each of which can be put back in the plan."""
    archived = store.roadmap.actions(archived=True)
    if archived.empty:
        return
    with st.expander(f"Archived actions ({len(archived)})"):
        st.dataframe(archived[["action_id", "title", "owner"]].rename(
            columns={"action_id": "ID", "title": "Action", "owner": "Owner"}), hide_index=True)
        names = dict(zip(archived["action_id"].tolist(), archived["title"].tolist(), strict=True))
        restore = st.selectbox("Restore", options=list(names), format_func=lambda i: f"#{i} {names[i]}",
                               key="roadmap-restore-choice")
        st.button("Restore to the plan", key="restore", on_click=set_archived, args=(restore, False),
                  disabled=not me.may("roadmap"))


def starter_actions() -> None:
    """The toolkit's typical actions: add those missing from the plan, and where each comes from."""
    missing = roadmap.missing_starters(store)
    if missing:
        st.caption(f"{len(missing)} of the toolkit's typical actions for your entry stages are not in the "
                   "plan.")
        st.button("Add them", key="add-starters", disabled=not me.may("roadmap"), on_click=cx_ui.save,
                  args=(lambda store: roadmap.add_missing_starters(store, by=who(), now=now()),),
                  kwargs={"done": lambda added: f"{added} starter actions added."})
    st.subheader("The toolkit's typical actions and where each comes from")
    st.caption("Most come from the toolkit's roadmap page, which lists typical actions for each stage. Two "
               "come from its pages on building blocks and are marked so.")
    in_plan = (set(actions["toolkit_key"].dropna())
               | set(store.roadmap.actions(archived=True)["toolkit_key"].dropna()))
    st.dataframe(roadmap_view.starter_catalogue(in_plan), hide_index=True, width="stretch",
                 key="starter-list")


def timeline_section() -> None:
    """Every shown action as a bar from its start to its due date."""
    if shown.empty:
        st.text("There are no actions to show.")
        return
    flags = roadmap.critical_flags(shown, critical)
    cx_ui.chart_with_table(
        charts.roadmap_timeline, shown,
        f"Actions over the programme, {format_date(start)} to {format_date(end)}",
        start=start, end=end, today=today, flags=flags, key="timeline",
        table=roadmap_view.action_table(shown, today, critical)[
            ["ID", "Action", "Stage", "Status", "Start", "Due", "Overdue", "Heat map"]])


def history_section() -> None:
    """Every change to the plan, newest first."""
    st.caption("Every change to the plan, newest first: who made it, when, and the value before and after.")
    st.dataframe(roadmap_view.history_table(store.roadmap.recent_changes()), hide_index=True, width="stretch",
                 key="history-table")


# -------------------------------------------------------------------- the page

cx_ui.show_notice()
if me.person_id is not None and not me.may("roadmap"):
    st.info(f"Your PlaceCX role ({me.role}) lets you read the plan; leaders and admins change it.")
if me.person_id is None:
    st.info("Choose your name under 'You are' in the sidebar to change the plan: every change is "
            "recorded with the name of the person who made it.")

programme = page.programme
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

actions, latest = page.actions, page.latest
people = store.people.all()
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
plan = roadmap.plan_progress(shown, today)

# Only the chosen tab's charts and tables are computed and drawn (Progress at first), so a new
# session's first screen does not wait for the other six; a form, once its tab has been opened,
# is drawn on every tab (cx_ui.opened_before).
progress_tab, actions_tab, timeline_tab, impact_tab, add_tab, programme_tab, history_tab = st.tabs(
    ["Progress", "Actions", "Timeline", "Impact", "Add an action", "Programme", "History"],
    key="roadmap_tab", on_change="rerun",
)

with progress_tab:
    cards = st.columns(4)
    cards[0].metric("Actions in the plan", f"{plan.total}", border=True)
    share = f" ({plan.percent_done}%)" if plan.total else ""
    cards[1].metric(f"{STATUS_BY_CODE['done'].tag}", f"{plan.done}{share}", border=True)
    cards[2].metric("Overdue", f"{plan.overdue}", border=True,
                    help="Not done, and the due date has passed.")
    cards[3].metric(f"{STATUS_BY_CODE['blocked'].tag}", f"{plan.blocked}", border=True)
    st.header("Needs attention: overdue or blocked")
    attention = roadmap_view.action_table(roadmap.needs_attention(shown, today), today, critical)
    if attention.empty:
        st.text("Nothing is overdue or blocked.")
    else:
        st.dataframe(attention[["ID", "Action", "Owner", "Status", "Due", "Overdue", "Heat map"]],
                     hide_index=True, width="stretch", key="attention-table")
    by_stage = roadmap.progress(shown, "stage")
    cx_ui.chart_with_table(charts.roadmap_progress, by_stage, "Actions by roadmap stage and status", "Stage",
                           table=roadmap_view.progress_table(by_stage, "Stage"), key="progress-stage")
    by_block = roadmap.progress(shown, "block")
    cx_ui.chart_with_table(
        charts.roadmap_progress, by_block,
        "Actions by building block and status (an action can serve several blocks)", "Building block",
        table=roadmap_view.progress_table(by_block, "Building block"), key="progress-block",
    )

with actions_tab:
    journey_links = cx_ui.cached(store.journey_links.links)
    if actions_tab.open:
        plan_tables(journey_links)
    # Once shown, the form is drawn on every tab, so what someone typed survives a look at another.
    if cx_ui.opened_before(actions_tab, "roadmap/actions"):
        change_action(journey_links, details=actions_tab.open)
    if actions_tab.open:
        archived_actions()

cx_ui.draw_if_open(timeline_tab, timeline_section)
cx_ui.draw_if_open(impact_tab, lambda: impact_section(actions))

if cx_ui.opened_before(add_tab, "roadmap/add"):
    with add_tab, st.form("new-action"):
        first_day = max(today, start)
        action_fields("new", ActionInput("", "basics", (), None, "not_started", first_day,
                                         first_day + timedelta(days=90)), owners)
        cx_ui.show_form_error("new")
        st.form_submit_button("Add the action", type="primary", on_click=add_action,
                              disabled=not me.may("roadmap"))

with programme_tab:
    if cx_ui.opened_before(programme_tab, "roadmap/programme"):
        programme_form(programme, page.entry_stages, first_time=False)
    if programme_tab.open:
        starter_actions()

cx_ui.draw_if_open(history_tab, history_section)
