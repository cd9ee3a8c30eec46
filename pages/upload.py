"""Upload survey exports: read the file, review the mapping, import all rows or only valid ones, history.

Column names, values and file names come from uploaded files, so they are shown
only through st.text, st.dataframe and widget labels/values, never as Markdown.
The file's rows never stay in session state: it keeps the staged upload's facts and
last check, and the rows wait on disk (cx_ui.uploads).
"""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import streamlit as st

import cx_ui
from cx import surveys as survey_rules
from cx.errors import PlaceCXError
from cx.exports import file_stem
from cx.formatting import blank_missing
from cx.importers import FileRefused
from cx.importers.kpi import GRAINS, KPI_ROLE_LABELS
from cx.importers.mapping import DATE_ORDERS, ROLE_LABELS, Mapping
from cx.importers.reading import MAX_DATA_ROWS, MAX_FILE_BYTES
from cx.importers.run import (
    PROBLEM_COLUMNS,
    ImportRefused,
    columns_signature,
    default_source,
    history_table,
    problems_frame,
    sample_table,
)
from cx.importers.staging import import_staged
from cx_ui import identity, state, uploads

cx_ui.page_title("Upload survey exports")
store = cx_ui.store()
me = identity.me()
if not me.reaches("upload"):
    st.info("Uploads are for analysts and admins. Ask your PlaceCX admin if you need to add survey data.")
    st.stop()
st.caption(
    "Add the export your survey tool gives you, as it comes: CSV, TSV or XLSX from Qualtrics, "
    "SurveyMonkey, Microsoft Forms, Google Forms, LimeSurvey, SmartSurvey, Typeform or any table "
    "with one header row. Check how its columns are used, then import. Rows already imported "
    f"from the same survey are skipped. Files up to {MAX_FILE_BYTES // 1024 // 1024} MB and "
    f"{MAX_DATA_ROWS:,} rows."
)
cx_ui.show_notice()

NOT_USED = "(not in this file)"
NEW_SURVEY = "\x00new survey"  # the choice of a new survey: no stored source can start with NUL
KINDS = {"responses": "Survey responses", "kpi": "Operational KPIs (one row per period)"}

st.header("Add a file")
upload = st.file_uploader("Survey export (CSV, TSV or XLSX)", type=["csv", "tsv", "txt", "xlsx"],
                          key=uploads.UPLOADER_KEY)
staged = None
if upload is None:
    uploads.drop()
else:
    try:
        staged = uploads.staged(upload)
    except FileRefused as error:
        st.error(cx_ui.literal(f"This file was not read: {error}"), icon=":material/error:")

if staged is not None:
    facts = staged.facts
    lines = [f"Survey tool: {facts.tool}",
             f"Header rows: {facts.header_rows} · data rows: {facts.data_rows:,}"]
    if facts.file_format == "csv":
        lines.append(f"Encoding: {facts.encoding} · delimiter: {facts.delimiter_name}")
    else:
        lines.append(f"Workbook sheet: {facts.sheet}")
    st.text("\n".join(lines))

    signature = columns_signature(facts.columns)
    kind = st.radio("What the file holds", list(KINDS), index=list(KINDS).index(facts.kind),
                    format_func=KINDS.get, horizontal=True, key=f"upload-kind-{signature}")
    profiles = store.uploads.profiles()
    profiles = profiles[profiles["kind"] == kind]
    profile_names = ["Proposed mapping", *profiles["name"].tolist()]
    matching = profiles.loc[profiles["columns_signature"] == signature, "name"].tolist()
    chosen_profile = st.selectbox(
        "Mapping profile", profile_names,
        index=profile_names.index(matching[0]) if matching else 0, key=f"upload-profile-{signature}",
        help="A saved profile fills in the mapping and survey name used last time for this survey.",
    )
    if chosen_profile == "Proposed mapping":
        base, base_source = facts.proposed(kind), default_source(facts)
    else:
        row = profiles[profiles["name"] == chosen_profile].iloc[0]
        base, base_source = Mapping.from_dict(json.loads(row["mapping"])), row["source"]

    st.subheader("Columns and what they hold")
    if kind == "responses":
        st.caption("Every column not given a role below is kept as an attribute that other pages can "
                   "filter on.")
    else:
        st.caption("Each KPI needs both of its counts (for example Answered within 20 seconds and "
                   "Calls offered), so that months and services can be added up correctly.")
    columns = list(facts.columns)
    with st.expander("Sample values of each column", expanded=True):
        st.caption("Up to three different values from the first rows of the file, shown exactly as written.")
        st.dataframe(sample_table(facts), hide_index=True, width="stretch", key="upload-samples")
    options = [NOT_USED, *columns]
    roles = {}
    grid = st.columns(3)
    role_labels = ROLE_LABELS if kind == "responses" else KPI_ROLE_LABELS
    for position, role in enumerate(role_labels):
        current = base.roles.get(role)
        picked = grid[position % 3].selectbox(
            role_labels[role], options, index=options.index(current) if current in columns else 0,
            key=f"upload-role-{role}-{signature}-{kind}-{chosen_profile}",
        )
        roles[role] = None if picked == NOT_USED else picked
    ces_scale = grain = None
    if roles.get("ces"):
        ces_scale = st.radio("CES scale used by the survey", [5, 7], horizontal=True,
                             index=1 if base.ces_scale == 7 else 0, format_func=lambda n: f"1 to {n}",
                             key=f"upload-ces-scale-{signature}")
    if kind == "kpi":
        grain = st.radio("Each row covers one", GRAINS, horizontal=True,
                         index=GRAINS.index(base.grain) if base.grain in GRAINS else 0,
                         key=f"upload-grain-{signature}")
    date_order = "auto"
    if roles.get("completed_at"):
        date_order = st.radio("How dates are written", list(DATE_ORDERS), format_func=DATE_ORDERS.get,
                              index=list(DATE_ORDERS).index(base.date_order), horizontal=True,
                              key=f"upload-date-order-{signature}-{chosen_profile}")
    mapping = Mapping(roles, ces_scale, grain, kind, date_order)
    new_survey = None
    if kind == "responses":
        known = cx_ui.cached(store.catalogue.all)
        survey_names = dict(zip(known["source"], known["name"], strict=True))
        survey_options = [*survey_names, NEW_SURVEY]
        survey_choice = st.selectbox(
            "Survey this file belongs to", survey_options,
            index=survey_options.index(base_source if base_source in survey_names else NEW_SURVEY),
            format_func=lambda s: "A new survey" if s == NEW_SURVEY else survey_names[s],
            key=f"upload-survey-{signature}-{chosen_profile}",
            help="Rows this survey already holds are skipped. Name, kind and services can be changed later "
                 "on the Surveys page.")
        source = survey_choice
        if survey_choice == NEW_SURVEY:
            left, right = st.columns(2)
            new_name = left.text_input("Name of the new survey", max_chars=survey_rules.NAME_LIMIT,
                                       value=survey_rules.propose_name(facts.file_name, facts.tool),
                                       key=f"upload-survey-name-{signature}")
            proposed_kind = survey_rules.propose_kind(roles)
            new_kind = right.selectbox("Kind of survey", list(survey_rules.KINDS),
                                       index=list(survey_rules.KINDS).index(proposed_kind),
                                       format_func=survey_rules.KINDS.get,
                                       key=f"upload-survey-kind-{signature}-{proposed_kind}")
            source = survey_rules.source_for_new(store, base_source, new_name or "")
            new_survey = (new_name or "", new_kind)
    else:
        source = st.text_input("Name of these figures (rows already imported under this name are skipped)",
                               value=base_source, key=f"upload-source-{signature}-{chosen_profile}")

    try:
        with st.spinner("Checking the rows…"):
            checked = staged.check(mapping)
    except ValueError as error:
        st.error(cx_ui.literal(str(error)), icon=":material/error:")
        st.stop()
    for note in checked.notes:
        st.text(f"Note: {note}")
    st.text(f"{checked.ready_rows:,} of {checked.data_rows:,} rows are ready to import; "
            f"{checked.rejected_rows:,} have problems.")
    if checked.problems:
        st.subheader("Rows with problems")
        shown = blank_missing(problems_frame(list(checked.problems)).rename(columns=PROBLEM_COLUMNS))
        st.dataframe(shown, hide_index=True, width="stretch")
        if checked.problem_count > len(shown):
            st.text(f"The first {len(shown):,} of {checked.problem_count:,} problems are shown; "
                    "the download has them all.")
        cx_ui.download_buttons(lambda: staged.rejections().rename(columns=PROBLEM_COLUMNS),
                               file_stem=file_stem(f"rejected rows {facts.file_name}"),
                               title=f"Rejected rows of {facts.file_name}", key="upload-rejected")

    with st.form("upload-import"):
        choice = st.radio(
            "If some rows have problems", ["nothing", "valid"], horizontal=True, key="upload-choice",
            format_func={"nothing": "Import nothing", "valid": "Import the valid rows only"}.get,
        )
        save_as = st.text_input("Save this mapping as a profile (optional name)",
                                value=chosen_profile if chosen_profile != "Proposed mapping" else "",
                                key=f"upload-save-profile-{signature}")
        submitted = st.form_submit_button("Import", type="primary", key="upload-import-button")
    if submitted:
        who = me.name or None
        now = datetime.now().replace(microsecond=0)

        def unit(writer, status):
            if new_survey is not None:
                survey_rules.record_upload(writer, source, name=new_survey[0], kind=new_survey[1],
                                           updated_by=me.person_id, now=now)
            result = import_staged(writer, staged, mapping, source=source, uploaded_by=who, now=now,
                                   valid_only=choice == "valid",
                                   progress=lambda stage: status.update(label=f"{stage}…"))
            if save_as.strip():
                writer.uploads.save_profile(save_as, kind=kind, source=result.source,
                                            columns_signature=signature,
                                            mapping=json.dumps(mapping.as_dict()), saved_by=who, now=now)
            return result

        try:
            with st.status("Importing…", expanded=True) as status:
                result = store.run(lambda writer: unit(writer, status))
                status.update(label="Import finished", state="complete")
        except (ImportRefused, PlaceCXError, ValueError) as error:
            st.error(cx_ui.literal(str(error)), icon=":material/error:")
        else:
            state.notice(result.sentence())
            st.rerun()

st.header("Inbox")
worker = cx_ui.inbox_worker()
if worker is None:
    st.caption("The inbox folder is switched off (PLACECX_INBOX is off), so exports can only be added here.")
else:
    st.caption("Exports dropped in the server's inbox folder are imported by themselves, once each: with "
               "the saved mapping profile for the same columns, or else the proposed mapping, and only if "
               "every row is valid. The newest files and what became of them:")
    if worker.problem:
        st.warning(cx_ui.literal(worker.problem), icon=":material/warning:")
arrived = store.inbox.recent()
if arrived.empty:
    st.text("Nothing has arrived in the inbox yet.")
else:
    st.dataframe(blank_missing(pd.DataFrame({
        "Received": arrived["received_at"], "File": arrived["file_name"], "Outcome": arrived["outcome"],
        "Upload": arrived["batch_id"].astype("Int64"), "Reason": arrived["reason"],
    })), hide_index=True, width="stretch")

st.header("Upload history")
history = store.uploads.history()
if history.empty:
    st.info("Nothing has been uploaded yet.")
    st.stop()
recorded = cx_ui.cached(store.catalogue.all)
survey_names = dict(zip(recorded["source"], recorded["name"], strict=True))
st.dataframe(history_table(history, survey_names), hide_index=True, width="stretch")

labels = {
    int(row.batch_id): f"Upload {row.batch_id}: "
                       f"{row.file_name if isinstance(row.file_name, str) else row.source}"
    for row in history.itertuples()
}
picked = st.selectbox("Choose an upload", list(labels), format_func=labels.get, key="upload-history-pick")
row = history[history["batch_id"] == picked].iloc[0]
if pd.notna(row["rows_rejected"]) and row["rows_rejected"] > 0:
    # The rejected rows are read when a download is clicked, so a big list is never held by the page.
    database = cx_ui.database()

    def kept_rejections(batch: int = picked) -> pd.DataFrame:
        return blank_missing(database.store().uploads.rejections(batch).rename(columns=PROBLEM_COLUMNS))

    cx_ui.download_buttons(kept_rejections, file_stem=file_stem(f"rejected rows upload {picked}"),
                           title=f"Rejected rows of upload {picked}", key="upload-history-rejected")
held = int(row["rows_new"])
if st.button("Remove this upload", key="upload-remove", icon=":material/delete:"):
    state.UPLOAD_CONFIRM.set(picked)
if state.UPLOAD_CONFIRM.get() == picked:
    st.warning(f"Removing upload {picked} also removes the {held:,} rows it added. This cannot be undone.")
    confirm, cancel = st.columns(2)
    if confirm.button(f"Yes, remove upload {picked}", key="upload-remove-confirm", type="primary"):
        state.UPLOAD_CONFIRM.pop()
        cx_ui.save_here(lambda writer: writer.uploads.remove_batch(picked),
                        done=lambda removed: f"Upload {picked} removed with its {removed:,} rows.")
    if cancel.button("Keep it", key="upload-remove-cancel"):
        state.UPLOAD_CONFIRM.pop()
        st.rerun()
