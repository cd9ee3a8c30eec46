"""Leadership checklist: a leader's own answers to the seven questions, with their history.

A leader sees only their own answers here, plus the newest answers other leaders
have chosen to share. Answers are shown with st.text and widget values, never as
Markdown.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

import cx_ui
from cx import checklist
from cx.exports import file_stem
from cx_ui import identity, state

cx_ui.page_title("Leadership checklist")
store = cx_ui.store()
me = identity.me()
if me.open_mode:
    st.caption(
        "Seven questions to answer for yourself. PlaceCX is in open mode, so anyone using this computer "
        "can read these answers; sharing one puts it in the team's list. Every save is kept with its "
        "date, so you can set what you think now beside what you wrote before."
    )
else:
    st.caption(
        "Seven questions to answer for yourself. Only you read your answers unless you choose to share "
        "one with the rest of the leadership team. Every save is kept with its date, so you can set "
        "what you think now beside what you wrote before."
    )
NOT_SHARED = "not shared" if me.open_mode else "private"
if me.person_id is None:
    st.info("Choose your name under 'You are' in the sidebar to see and answer your checklist.")
    st.stop()
if not me.may("checklist"):
    st.info("The leadership checklist is for leaders: your PlaceCX role does not include it.")
    st.stop()
person_id, person_name = me.person_id, me.name
cx_ui.show_notice()
history = checklist.my_answers(store, person_id)


def save(question: checklist.Question, saved: list[checklist.SavedAnswer], text: str, shared: bool) -> None:
    """Store the form's answer (or only its sharing), then rerun so the history shows it."""
    saved = cx_ui.save(lambda store: checklist.save(store, person_id, question.code, text, shared=shared,
                                                    now=datetime.now()), form=question.code)
    if not saved.ok:
        cx_ui.show_form_error(question.code)
        return
    action = saved.value
    if action is checklist.SaveAction.NOTHING:
        st.info("Nothing has changed since you last saved this answer.")
        return
    if action is checklist.SaveAction.SHARING_ONLY:
        state.notice(f"“{question.topic}”: your latest answer is now "
                     f"{'shared with the team' if shared else NOT_SHARED}.")
    else:
        state.notice(f"“{question.topic}”: answer saved.")
    st.rerun()


def status_line(saved: list[checklist.SavedAnswer]) -> str:
    if not saved:
        return "Not answered yet."
    latest = saved[0]
    sharing = "✓ Shared with the team" if latest.shared else (
        "Not shared" if me.open_mode else "🔒 Private: only you can read it")
    versions = f" · {len(saved)} saved versions" if len(saved) > 1 else ""
    return f"Last saved {checklist.saved_label(latest.saved_at)} · {sharing}{versions}"


def earlier_answers(question: checklist.Question, saved: list[checklist.SavedAnswer]) -> None:
    """An earlier answer (chosen by date) beside the newest one."""
    with st.expander(f"Compare with an earlier answer ({len(saved) - 1})"):
        pick = st.selectbox(
            "Earlier answer saved on",
            options=list(range(1, len(saved))),
            format_func=lambda i: checklist.saved_label(saved[i].saved_at),
            key=f"compare-{question.code}-{person_id}",
        )
        then, now = st.columns(2)
        then.markdown(f"**Then** · {checklist.saved_label(saved[pick].saved_at)}")
        then.text(saved[pick].answer)
        now.markdown(f"**Now** · {checklist.saved_label(saved[0].saved_at)}")
        now.text(saved[0].answer)


mine, team = st.tabs(["My answers", "Shared by the team"])
with mine:
    for number, question in enumerate(checklist.QUESTIONS, start=1):
        saved = history[question.code]
        with st.container(border=True):
            st.header(f"{number}. {question.topic}")
            st.write(question.text)
            st.caption(status_line(saved))
            # Keys carry the person, so switching "You are" never shows one leader's
            # draft to another.
            with st.form(f"form-{question.code}-{person_id}", border=False):
                text = st.text_area(
                    "Your answer", value=saved[0].answer if saved else "", height=130,
                    max_chars=checklist.MAX_ANSWER_LENGTH, key=f"answer-{question.code}-{person_id}",
                )
                shared = st.checkbox(
                    "Share this answer with the team", value=saved[0].shared if saved else False,
                    key=f"share-{question.code}-{person_id}",
                    help="The team sees your newest answer to this question; not your earlier ones.",
                )
                submitted = st.form_submit_button("Save answer", key=f"save-{question.code}-{person_id}")
            if submitted:
                save(question, saved, text, shared)
            if len(saved) > 1:
                earlier_answers(question, saved)

    st.header("Download your reflections")
    st.caption("Every question with your newest answer and the earlier ones, dated.")
    stem = f"leadership-checklist-{file_stem(person_name, 'leader')}"
    buttons = st.container(horizontal=True)
    buttons.download_button(
        "Download as Markdown", key="reflections-md", on_click="ignore", icon=":material/download:",
        data=lambda: checklist.reflections_markdown(person_name, history, datetime.now()),
        file_name=f"{stem}.md", mime="text/markdown",
    )
    buttons.download_button(
        "Download as text", key="reflections-txt", on_click="ignore", icon=":material/download:",
        data=lambda: checklist.reflections_text(person_name, history, datetime.now()),
        file_name=f"{stem}.txt", mime="text/plain",
    )

with team:
    shared_answers = checklist.shared_answers_table(store.leadership.shared_answers(person_id))
    if shared_answers.empty:
        st.info("Nobody else has shared an answer yet.")
    else:
        st.caption("The newest answer of each leader who chose to share it. Your own answers are "
                   "under My answers.")
        st.dataframe(
            shared_answers, hide_index=True, width="stretch", height="content", row_height=90,
            column_config={"Answer": st.column_config.TextColumn(width="large")},
        )
