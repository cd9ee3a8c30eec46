"""Meetings: each review meeting, its decisions, what changed since the last one, and the board pack."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd
import streamlit as st

import cx_ui
from cx import meetings, roadmap
from cx.formatting import format_date, period_label
from cx.framework import BLOCK_BY_CODE, BLOCKS, STAGE_BY_CODE, STAGES
from cx.meetings import MeetingInput
from cx.pack import build_pack, render
from cx.roadmap import ActionInput
from cx.status import STATUS_BY_CODE, STATUSES
from cx_ui import identity, state

cx_ui.page_title("Meetings")
store = cx_ui.store()
me = identity.me()
today = date.today()
may_write = me.may("meetings")
NO_OWNER = 0  # person ids start at 1
NO_ROUND = 0


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


def who() -> int | None:
    return identity.me().person_id


cx_ui.show_notice()
recorded = cx_ui.cached(store.meetings.all)
people = store.people.all()
names = dict(zip(people["person_id"].astype(int), people["name"], strict=True))
rounds = store.assessment.rounds()
round_names = dict(zip(rounds["round_id"].astype(int), rounds["name"], strict=True))

# ------------------------------------------------------------------ the meeting form


def meeting_fields(prefix: str, initial: MeetingInput) -> None:
    """The widgets of one meeting; their values live under keys starting with `prefix`."""
    left, right = st.columns(2)
    left.date_input("Date of the meeting", value=initial.held_on, format="DD/MM/YYYY", key=f"{prefix}-held",
                    help=cx_ui.DATE_HELP)
    right.text_input("Title", value=initial.title, max_chars=meetings.MAX_TITLE, key=f"{prefix}-title")
    st.multiselect("Attendees", options=list(names), default=list(initial.attendees),
                   format_func=lambda pid: names.get(pid, "?"), key=f"{prefix}-attendees")
    round_options = [NO_ROUND, *round_names]
    left.selectbox("Heat-map round reviewed", options=round_options,
                   format_func=lambda rid: round_names.get(rid, "None"),
                   index=round_options.index(initial.round_id or NO_ROUND), key=f"{prefix}-round")
    right.selectbox("Period reviewed is a", options=list(meetings.GRAINS),
                    index=list(meetings.GRAINS).index(initial.period_grain), key=f"{prefix}-grain")
    left.date_input("A day in the period reviewed", value=initial.period_start, format="DD/MM/YYYY",
                    key=f"{prefix}-period",
                    help="Any day in the month or quarter the meeting looked at. " + cx_ui.DATE_HELP)
    st.text_area("Notes", value=initial.notes, max_chars=meetings.MAX_NOTES, key=f"{prefix}-notes")


def read_meeting(prefix: str) -> MeetingInput:
    def value(name: str, default=None):
        return state.widget_value(f"{prefix}-{name}", default)

    chosen_round = value("round")
    return MeetingInput(value("held"), value("title", ""), tuple(value("attendees", ())),
                        None if chosen_round in (None, NO_ROUND) else chosen_round, value("period"),
                        value("grain", "month"), value("notes", ""))


def add_meeting() -> None:
    meeting = read_meeting("new-meeting")
    saved = cx_ui.save(lambda s: meetings.create_meeting(s, meeting, by=who(), now=now()),
                       done=lambda mid: f"Meeting #{mid} recorded.", form="new-meeting")
    if saved.ok:
        state.close_form("new-meeting", "new-meeting-")


def save_meeting(meeting_id: int, overwrite: bool = False) -> None:
    form = f"meeting-{meeting_id}"
    meeting, base = read_meeting(form), state.form_base(form, None, marker=f"{form}-title")
    saved = cx_ui.save(
        lambda s: meetings.update_meeting(s, meeting_id, meeting, by=who(), now=now(), based_on=base,
                                          overwrite=overwrite),
        done=lambda fields: f"Meeting saved: {', '.join(fields).lower()} changed." if fields
        else "Nothing had changed.", form=form)
    if saved.ok:
        state.close_form(form, f"{form}-")


# ---------------------------------------------------------------- the decision form


def decision_fields(meeting_id: int, kind: str, current: ActionInput | None) -> None:
    """The decision's widgets; for a change, the action's owner, due date and status as they stand."""
    prefix = f"decision-{meeting_id}"
    st.text_area("Decision", max_chars=meetings.MAX_DECISION, key=f"{prefix}-text")
    if kind == "none":
        return
    left, right = st.columns(2)
    owners = [NO_OWNER, *names]
    statuses = [s.code for s in STATUSES]
    if kind == "create":
        st.text_input("New action's title", max_chars=roadmap.MAX_TITLE, key=f"{prefix}-title")
        left.selectbox("Stage", options=[s.code for s in STAGES],
                       format_func=lambda c: STAGE_BY_CODE[c].label, key=f"{prefix}-stage")
        right.multiselect("Building blocks", options=[b.code for b in BLOCKS],
                          format_func=lambda c: BLOCK_BY_CODE[c].label, key=f"{prefix}-blocks")
    start = current or ActionInput("", "basics", (), None, "not_started", today, today + timedelta(days=90))
    left.selectbox("Owner", options=owners, format_func=lambda pid: names.get(pid, "No owner"),
                   index=owners.index(start.owner_id or NO_OWNER), key=f"{prefix}-owner")
    right.date_input("Due date", value=start.due_date, format="DD/MM/YYYY", key=f"{prefix}-due",
                     help=cx_ui.DATE_HELP)
    left.selectbox("Status", options=statuses, format_func=lambda c: STATUS_BY_CODE[c].tag,
                   index=statuses.index(start.status), key=f"{prefix}-status")


def add_decision(meeting_id: int, kind: str, held_on: date) -> None:
    prefix = f"decision-{meeting_id}"

    def value(name: str, default=None):
        return state.widget_value(f"{prefix}-{name}", default)

    owner = value("owner")
    owner = None if owner in (None, NO_OWNER) else owner
    text = value("text", "")

    def unit(s):
        if kind == "create":
            action = ActionInput(value("title", ""), value("stage"), tuple(value("blocks", ())), owner,
                                 value("status"), held_on, value("due"))
            return meetings.record_decision(s, meeting_id, text, new_action=action, by=who(), now=now())
        if kind == "change":
            action_id = state.widget_value(f"decision-action-{meeting_id}")
            current = roadmap.load_action(s.roadmap, action_id)
            changed = replace(current, owner_id=owner, status=value("status"), due_date=value("due"))
            return meetings.record_decision(s, meeting_id, text, action_id=action_id, changed_action=changed,
                                            based_on=current, by=who(), now=now())
        return meetings.record_decision(s, meeting_id, text, by=who(), now=now())

    saved = cx_ui.save(unit, done="Decision recorded.", form=prefix)
    if saved.ok:
        state.forget_widgets(*(f"{prefix}-{n}" for n in ("text", "title", "blocks")))


# ------------------------------------------------------------------------ the page

if recorded.empty:
    st.info("No review meeting is recorded yet. Record one below: its date, who came, and which heat-map "
            "round and period it reviewed; then add its decisions.")
    chosen = None
else:
    labels = {int(r.meeting_id): f"{r.title} ({format_date(pd.Timestamp(r.held_on).date())})"
              for r in recorded.itertuples()}
    chosen = st.selectbox("Meeting", options=list(labels), format_func=lambda mid: labels[mid],
                          help="Newest first. The board pack and the lists below are for this meeting.")

if chosen is not None:
    row = recorded.set_index("meeting_id").loc[chosen]
    start, grain = meetings.reviewed_period(row)
    attendees = ", ".join(row["attendees"]) or "nobody recorded"
    round_words = row["round_name"] if isinstance(row["round_name"], str) else "none"
    st.markdown(cx_ui.literal(
        f"Held on {format_date(pd.Timestamp(row['held_on']).date())}. Reviewed {period_label(start, grain)} "
        f"and heat-map round {round_words}. Attendees: {attendees}."))
    if isinstance(row["notes"], str) and row["notes"]:
        st.caption(cx_ui.literal(row["notes"]))

    st.header("Board pack")
    database, min_n = cx_ui.database(), cx_ui.settings().min_n
    st.caption("The pack holds the figures the Overview shows today, this meeting's heat-map round, the "
               "roadmap, culture change, the decisions and what changed since the last meeting. The council "
               "name, meeting and date are on every page.")
    buttons = st.container(horizontal=True)
    for suffix, word, mime in ((".pptx", "PowerPoint",
                                "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
                               (".pdf", "PDF", "application/pdf")):
        buttons.download_button(
            f"Download the board pack ({word})", key=f"pack{suffix}", on_click="ignore", mime=mime,
            icon=":material/download:", file_name=f"board-pack-{pd.Timestamp(row['held_on']).date()}{suffix}",
            # Built when clicked, in a server thread, with a store of its own.
            data=lambda suffix=suffix, mid=chosen: render(build_pack(database.store(), today, min_n, mid),
                                                          suffix))

    since = cx_ui.cached(meetings.since_last, store, chosen, today, reads=("meetings", "roadmap", "surveys",
                                                                          "kpis"))
    st.header("Since the last meeting")
    st.markdown(cx_ui.literal(since.sentence()))
    moved, done, slipped = st.tabs(["What moved", "What was done", "What slipped"])
    moved.dataframe(since.moved.rename(columns={"Then": f"Then: {since.then_period}",
                                                "Now": f"Now: {since.now_period}"}),
                    hide_index=True, width="stretch")
    done.dataframe(since.done, hide_index=True, width="stretch")
    slipped.dataframe(since.slipped, hide_index=True, width="stretch")

    st.header("Decisions")
    decisions = meetings.decision_table(cx_ui.cached(store.meetings.decisions, chosen), today)
    if decisions.empty:
        st.caption("No decisions recorded for this meeting yet.")
    else:
        st.dataframe(decisions, hide_index=True, width="stretch")

    if may_write:
        with st.expander("Record a decision"):
            kind = st.radio("The decision", options=["none", "create", "change"], horizontal=True,
                            format_func={"none": "needs no roadmap action", "create": "creates an action",
                                         "change": "changes an action"}.get, key=f"decision-kind-{chosen}")
            held_on = pd.Timestamp(row["held_on"]).date()
            current = None
            if kind == "change":
                actions = store.roadmap.actions()
                titles = dict(zip(actions["action_id"].astype(int), actions["title"], strict=True))
                picked = st.selectbox("Action the decision changes", options=list(titles),
                                      format_func=titles.get, key=f"decision-action-{chosen}")
                current = roadmap.load_action(store.roadmap, picked) if picked is not None else None
            with st.form(f"decision-form-{chosen}-{kind}-{getattr(current, 'title', '')}"):
                decision_fields(chosen, kind, current)
                cx_ui.show_form_error(f"decision-{chosen}")
                st.form_submit_button("Record the decision", type="primary", on_click=add_decision,
                                      args=(chosen, kind, held_on))
        form = f"meeting-{chosen}"
        with st.expander("Edit this meeting"):
            state.form_base(form, meetings.load_meeting(store, chosen), marker=f"{form}-title")
            with st.form(form):
                meeting_fields(form, meetings.load_meeting(store, chosen))
                cx_ui.show_form_error(form)
                st.form_submit_button("Save the meeting", on_click=save_meeting, args=(chosen,))
            cx_ui.offer_overwrite(form, save_meeting, (chosen, True))

if may_write:
    with st.expander("Record a new meeting", expanded=recorded.empty), st.form("new-meeting"):
        meeting_fields("new-meeting", MeetingInput(today, f"Quarterly review, {today:%B %Y}"))
        cx_ui.show_form_error("new-meeting")
        st.form_submit_button("Record the meeting", type="primary", on_click=add_meeting)
else:
    st.caption("Leaders and admins record meetings and decisions; you can read them and download the pack.")

if me.may("meta"):
    with st.expander("Council name on the board pack"), st.form("council-name"):
        st.text_input("Council name", value=store.admin.meta(meetings.COUNCIL_NAME_KEY) or "",
                      max_chars=meetings.MAX_TITLE, key="council-name-text")
        cx_ui.show_form_error("council-name")
        st.form_submit_button("Save the name", on_click=lambda: cx_ui.save(
            lambda s: meetings.set_council_name(s, state.widget_value("council-name-text", "")),
            done=lambda name: f"The board pack now names {name}.", form="council-name"))
