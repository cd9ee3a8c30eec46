"""Culture change: the team's checklist of the eleven leadership steps, with progress at a glance."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

import cx_ui
from cx import culture
from cx.formatting import format_date
from cx.status import OVERDUE_TAG, STATUS_BY_CODE
from cx_ui import identity, state

cx_ui.page_title("Culture change")
store = cx_ui.store()
me = identity.me()
st.caption(
    "Eleven things the leadership team does itself so that putting customers first becomes how "
    "the council works. A culture takes years to change: record small steps as they happen."
)
cx_ui.show_notice()

steps = culture.roadmap(store.leadership.culture_steps(), date.today())
progress = culture.progress(steps)

st.header("Progress")
done, doing, waiting, late = st.columns(4)
done.metric(STATUS_BY_CODE["done"].tag, f"{progress.done} of {progress.total}", border=True)
doing.metric(STATUS_BY_CODE["in_progress"].tag, progress.in_progress, border=True)
waiting.metric(STATUS_BY_CODE["not_started"].tag, progress.not_started, border=True)
late.metric(OVERDUE_TAG, progress.overdue, border=True,
            help="Not done, and the step's date has passed.")
st.progress(progress.share_done, text=progress.sentence())

st.header("The eleven steps")
table = culture.display_table(steps)
st.dataframe(
    table, hide_index=True, width="stretch", height="content", row_height=80,
    column_config={
        "Step": st.column_config.NumberColumn(width=50),
        "What the team does": st.column_config.TextColumn(width="large"),
        "Status": st.column_config.TextColumn(width=120),
        "Date": st.column_config.TextColumn(width=150),
        "Evidence": st.column_config.TextColumn(width="medium"),
    },
)
cx_ui.download_buttons(table, file_stem=f"culture-change-{date.today().isoformat()}",
                       title=f"Culture change: the eleven steps, {format_date(date.today())}",
                       key="culture-dl")

st.header("Update a step")
people = store.people.all()
names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
number = st.selectbox(
    "Step", options=list(culture.STEP_NUMBERS), key="culture_step",
    format_func=lambda n: f"{n}. {culture.step(n).title}",
)
record = culture.step_record(steps, number)
st.write(culture.step(number).text)
if record.updated_at is not None:
    st.text(f"Last changed on {record.updated_at.day} {record.updated_at:%B %Y} by "
            f"{record.updated_by_name or 'PlaceCX itself (demo or import)'}.")

def save_step(number: int, overwrite: bool = False) -> None:
    """Form callback: save what the form holds, based on the step as the form first showed it."""
    form = f"culture-{number}"

    def value(name: str):
        return state.widget_value(f"{form}-{name}")

    base = state.form_base(form, None, marker=f"{form}-status")
    saved = cx_ui.save(
        lambda store: culture.save_step(store, number, value("status"), value("owner"), value("date"),
                                        value("evidence"), updated_by=me.person_id,
                                        now=datetime.now(), based_on=base, overwrite=overwrite),
        done=f"Step {number} saved: {culture.status(value('status')).tag}.", form=form)
    if saved.ok:
        state.close_form(form, f"{form}-")


# Keys carry the step, so choosing another step shows that step's saved values.
form = f"culture-{number}"
state.form_base(form, record, marker=f"{form}-status")
with st.form(f"culture-form-{number}"):
    st.radio(
        "Status", options=list(culture.STATUS_CODES), horizontal=True, key=f"{form}-status",
        index=culture.STATUS_CODES.index(record.status),
        format_func=lambda c: culture.status(c).tag,
    )
    owner_options = [None, *names]
    st.selectbox(
        "Owner", options=owner_options, key=f"{form}-owner",
        index=owner_options.index(record.owner_id) if record.owner_id in owner_options else 0,
        format_func=lambda pid: "Nobody yet" if pid is None else names[pid],
    )
    st.date_input(
        "Date: the target, or the day it was done", value=record.step_date, format="DD/MM/YYYY",
        key=f"{form}-date", help=cx_ui.DATE_HELP,
    )
    st.text_area(
        "Evidence", value=record.evidence or "",
        max_chars=culture.MAX_EVIDENCE_LENGTH, key=f"{form}-evidence",
        help="What shows the step is under way or done: a paper, a link, a date it was agreed.",
    )
    cx_ui.show_form_error(form)
    st.form_submit_button("Save step", type="primary", key=f"culture-save-{number}", on_click=save_step,
                          args=(number,))
cx_ui.offer_overwrite(form, save_step, (number, True))
