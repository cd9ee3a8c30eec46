"""Culture change: the team's checklist of the eleven leadership steps, with progress at a glance."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

import cx_ui
from cx import culture
from cx.formatting import format_date

cx_ui.page_title("Culture change")
store = cx_ui.store()
me = cx_ui.current_person(store)
st.caption(
    "Eleven things the leadership team does itself so that putting customers first becomes how "
    "the council works. A culture takes years to change: record small steps as they happen."
)
cx_ui.show_notice()

steps = culture.roadmap(store.culture_steps(), date.today())
progress = culture.progress(steps)

st.header("Progress")
done, doing, waiting, late = st.columns(4)
done.metric("● Done", f"{progress.done} of {progress.total}", border=True)
doing.metric("◐ In progress", progress.in_progress, border=True)
waiting.metric("○ Not started", progress.not_started, border=True)
late.metric(culture.OVERDUE_LABEL, progress.overdue, border=True,
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
people = store.people()
names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))
number = st.selectbox(
    "Step", options=list(culture.STEP_NUMBERS), key="culture_step",
    format_func=lambda n: f"{n}. {culture.step(n).title}",
)
record = culture.step_record(steps, number)
st.write(culture.step(number).text)
if record.updated_at is not None:
    st.text(f"Last changed on {record.updated_at.day} {record.updated_at:%B %Y} by "
            f"{record.updated_by_name or 'someone not named'}.")

# Keys carry the step, so choosing another step shows that step's saved values.
with st.form(f"culture-form-{number}"):
    status_code = st.radio(
        "Status", options=list(culture.STATUS_CODES), horizontal=True, key=f"culture-status-{number}",
        index=culture.STATUS_CODES.index(record.status),
        format_func=lambda c: culture.status(c).label,
    )
    owner_options = [None, *names]
    owner_id = st.selectbox(
        "Owner", options=owner_options, key=f"culture-owner-{number}",
        index=owner_options.index(record.owner_id) if record.owner_id in owner_options else 0,
        format_func=lambda pid: "Nobody yet" if pid is None else names[pid],
    )
    step_date = st.date_input(
        "Date: the target, or the day it was done", value=record.step_date, format="DD/MM/YYYY",
        key=f"culture-date-{number}", help=cx_ui.DATE_HELP,
    )
    evidence = st.text_area(
        "Evidence", value=record.evidence or "",
        max_chars=culture.MAX_EVIDENCE_LENGTH, key=f"culture-evidence-{number}",
        help="What shows the step is under way or done: a paper, a link, a date it was agreed.",
    )
    submitted = st.form_submit_button("Save step", type="primary", key=f"culture-save-{number}")

if submitted:
    try:
        update = culture.clean_update(number, status_code, owner_id, step_date, evidence)
        with store.transaction():
            store.save_culture_step(update, updated_by=me[0] if me else None, now=datetime.now())
    except ValueError as error:
        st.error(str(error))
    else:
        cx_ui.notice(f"Step {number} saved: {culture.status(status_code).label}.")
        st.rerun()
