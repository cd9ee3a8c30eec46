"""Journey maps: a customer journey as it is and as it should be, its emotion curve, and the grid to edit it.

Everything people type here (names, steps, pain points) is shown through
st.dataframe, st.text and widget values, never as Markdown.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import streamlit as st

import cx_ui
from cx import charts, journey_actions, journeys, roadmap
from cx.exports import file_stem
from cx.formatting import format_date
from cx.framework import BLOCK_BY_CODE, BLOCKS, STAGE_BY_CODE, STAGES
from cx_ui import identity, state

cx_ui.page_title("Journey maps")
store = cx_ui.store()
me = identity.me()
min_n = cx_ui.settings().min_n
editor_id = me.person_id
st.caption(
    "Map what a customer goes through, step by step, as it happens today (as is) and as you want "
    "it to be (to be). For each step note the customer's goal, what they do, the channel, what "
    "goes wrong, how they feel and what could be better. Score the feeling from −2 (very "
    "negative) to +2 (very positive) to draw the emotion curve."
)
cx_ui.show_notice()
with st.expander("Running a mapping session: questions for the facilitator", icon=":material/forum:"):
    for group in journey_actions.FACILITATION_PROMPTS:
        # Bold, not a heading: the expander sits above the page's first section heading.
        st.markdown(f"**{cx_ui.literal(group.title)}**\n\n"
                    + "\n".join(f"- {cx_ui.literal(prompt)}" for prompt in group.prompts))

all_journeys = store.journeys.all()

with (st.expander("Create a journey", expanded=all_journeys.empty, icon=":material/add:"),
      st.form("new-journey")):
    new_name = st.text_input("Journey name", key="journey-new-name", max_chars=journeys.MAX_NAME_LENGTH,
                             placeholder="For example: Report a missed bin collection")
    new_description = st.text_area("What it covers (optional)", height=80, key="journey-new-description")
    if st.form_submit_button("Create journey", key="journey-create"):
        created = cx_ui.save(lambda store: journeys.create(store, new_name, new_description,
                                                           updated_by=editor_id, now=datetime.now()),
                             done="Journey created. Add its steps on the tab 'Edit the steps'.",
                             form="new-journey")
        if created.ok:
            state.JOURNEY.set(created.value)
            state.forget_widgets("journey_widget")
            st.rerun()
        cx_ui.show_form_error("new-journey")

if all_journeys.empty:
    st.info("There are no journey maps yet. Create one above to start mapping.")
    st.stop()

names = dict(zip(all_journeys["journey_id"].tolist(), all_journeys["name"].tolist(), strict=True))
ids = list(names)
saved_journey = state.JOURNEY.get()
journey_id = st.selectbox(
    "Journey", options=ids, index=ids.index(saved_journey) if saved_journey in ids else 0,
    format_func=names.get, key="journey_widget", on_change=state.remember,
    args=("journey_widget", state.JOURNEY.key),
)
journey = all_journeys.loc[all_journeys["journey_id"] == journey_id].iloc[0]
description = journey["description"] if isinstance(journey["description"], str) else ""
if description:
    st.text(description)
changed_by = journey["updated_by_name"]
changed_by = changed_by if isinstance(changed_by, str) else "PlaceCX itself (demo or import)"
st.text(f"As is: {journey['as_is_steps']} steps · To be: {journey['to_be_steps']} steps · last changed "
        f"on {journey['updated_at'].day} {journey['updated_at']:%B %Y} by {changed_by}.")
steps = store.journeys.steps(journey_id)

st.header("The map, as is and to be")
# One above the other, full width, so a laptop shows every step of a seven-step journey.
for version in journeys.VERSIONS:
    with st.container():
        st.subheader(version.label)
        own = steps[steps["version"] == version.code]
        if own.empty:
            st.info(f"No steps yet in the {version.label.lower()} map.")
        else:
            template = journeys.template_frame(own)
            st.dataframe(
                template, hide_index=True, width="stretch", height="content", row_height=95,
                key=f"template-{version.code}",
                column_config={
                    "Stages": st.column_config.TextColumn(pinned=True, width="small"),
                    **{step: st.column_config.TextColumn(width=135) for step in template.columns[1:]},
                },
            )
st.download_button(
    "Download the map (XLSX, template layout)", key="journey-xlsx", on_click="ignore",
    icon=":material/download:", file_name=f"journey-{file_stem(names[journey_id], 'map')}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    data=lambda: journeys.journey_xlsx(names[journey_id], description, steps),
)

st.header("Emotion curve")
curve = journeys.curve_frame(steps)
if curve["emotion_score"].notna().any():
    cx_ui.chart_with_table(charts.emotion_curve, curve, table=journeys.curve_table(curve),
                           key="emotion-curve")
else:
    st.info("No step has an emotion score yet. Add scores on the tab 'Edit the steps' to draw the curve.")

# Below the map and its curve, one tab per task; only the open one is computed and drawn. A form
# (or the steps grid), once its tab has been opened, is drawn on every tab, so what someone typed
# and has not saved survives a look at another (cx_ui.opened_before).


def satisfaction_section() -> None:
    st.header("Measured satisfaction at each step")
    services = cx_ui.cached(store.surveys.values, "service")
    stored_service = journey["service"] if isinstance(journey["service"], str) else None
    service_options = [None, *services]
    if stored_service and stored_service not in services:
        service_options.append(stored_service)
    service = st.selectbox(
        "Service this journey belongs to", options=service_options,
        index=service_options.index(stored_service),
        format_func=lambda s: "None chosen" if s is None else s, key=f"journey-service-{journey_id}",
        help="The survey service whose satisfaction each step shows, through the channel the step names.",
    )
    if service != stored_service and st.button("Save the service", key="journey-service-save"):
        cx_ui.save_here(lambda store: journeys.set_service(store, journey_id, service, updated_by=editor_id,
                                                           now=datetime.now()),
                        done="Saved the journey's service.")
    as_is_steps = steps[steps["version"] == "as_is"]
    if service and not as_is_steps.empty:
        fresh = store.surveys.freshness()
        last = fresh.newest_response.date() if fresh.newest_response else date.today()
        first = date(last.year - 1, last.month, 1)
        st.caption(f"CSAT of {cx_ui.literal(service)} from {format_date(first)} to {format_date(last)} "
                   "through the channel each as-is step names, with n and the 95% interval. Fewer than "
                   f"{min_n} answers: not enough to rely on.")
        st.dataframe(journey_actions.step_satisfaction(store, service, as_is_steps, first, last, min_n),
                     hide_index=True, width="stretch", key="journey-step-csat")


def opportunity_section() -> None:
    st.header("Turn an opportunity into a roadmap action")
    opportunities = journey_actions.opportunities(steps)
    if opportunities.empty:
        st.info("No step names an opportunity yet. Add them on the tab 'Edit the steps', under "
                "'Opportunities to improve'.")
    else:
        pick = st.selectbox("Opportunity", options=range(len(opportunities)),
                            format_func=lambda i: journey_actions.option_label(opportunities.iloc[i]),
                            key=f"journey-opportunity-{journey_id}")
        picked = opportunities.iloc[pick]
        proposal = journey_actions.proposed_action(names[journey_id], picked, date.today(), editor_id)
        action_form = f"journey-action-{journey_id}-{picked['step_key']}"
        with st.form(action_form):
            title = st.text_input("Action title", value=proposal.title, max_chars=roadmap.MAX_TITLE,
                                  key=f"{action_form}-title")
            left, right = st.columns(2)
            stage = left.selectbox("Roadmap stage", options=[s.code for s in STAGES],
                                   format_func=lambda c: STAGE_BY_CODE[c].label, key=f"{action_form}-stage")
            blocks = right.multiselect("Building blocks", options=[b.code for b in BLOCKS],
                                       default=list(proposal.blocks), key=f"{action_form}-blocks",
                                       format_func=lambda c: BLOCK_BY_CODE[c].label)
            st.caption(f"It starts today and is due in {journey_actions.DEFAULT_WEEKS} weeks; change the "
                       "owner, dates and anything else on the Roadmap page. The action keeps a link back to "
                       "this step.")
            add_clicked = st.form_submit_button("Add to the roadmap", type="primary",
                                                disabled=not me.may("roadmap"))
        if add_clicked:
            action = replace(proposal, title=title, stage=stage, blocks=tuple(blocks))
            cx_ui.save(lambda store: journey_actions.make_action(store, journey_id, picked["version"],
                                                                 picked["step_key"], action, by=editor_id,
                                                                 now=datetime.now()),
                       done=lambda action_id: f"Added to the roadmap as action #{action_id}.",
                       form=action_form)
            cx_ui.show_notice()
        cx_ui.show_form_error(action_form)
    linked = store.journey_links.links(journey_id)
    if not linked.empty:
        st.subheader("Actions made from this journey")
        st.dataframe(journey_actions.link_table(linked), hide_index=True, width="stretch",
                     key="journey-actions")


def edit_section() -> None:
    st.header("Edit the steps")
    version_code = st.segmented_control(
        "Map to edit", options=list(journeys.VERSION_CODES), format_func=journeys.version_label,
        default="as_is", key="journey_version",
    ) or "as_is"
    label = journeys.version_label(version_code)
    own = steps[steps["version"] == version_code]
    as_is = steps[steps["version"] == "as_is"]
    if version_code == "to_be" and own.empty and not as_is.empty and st.button(
        "Start the to-be map from a copy of the as-is map", icon=":material/content_copy:", key="journey-copy"
    ):
        cx_ui.save_here(lambda store: journeys.save_steps(store, journey_id, "to_be", as_is,
                                                          updated_by=editor_id,
                                                          now=datetime.now(), based_on=own),
                        done="The to-be map starts as a copy of the as-is map. Change it below.")

    st.caption(
        "One row per step (the map above shows them as columns, as in the template). Add a step with "
        "the + under the grid; remove one by ticking its row and pressing the bin. To move a step, type "
        "the place you want in Position. Nothing is saved until you press Save steps."
    )
    revision = state.JOURNEY_GRID_REVISION.get() or 0
    grid_key = f"journey-editor-{journey_id}-{version_code}-{revision}"
    grid_form = f"journey-{journey_id}-{version_code}"
    base_steps = state.form_base(grid_form, own, marker=grid_key)
    # step_key is not in column_order: hidden, yet handed back with the rows, so a step keeps its links.
    text_columns = {
        f.code: st.column_config.TextColumn(f.label, help=f.hint, max_chars=journeys.MAX_CELL_LENGTH)
        for f in journeys.FIELDS if f.code != "emotion_score"
    }
    edited = st.data_editor(
        journeys.editor_frame(own), key=grid_key,
        num_rows="dynamic", hide_index=True, width="stretch",
        column_order=["position", *journeys.FIELD_CODES],
        column_config={
            "position": st.column_config.NumberColumn(
                "Position", min_value=1, step=1, format="%d",
                help="Type a number to move the step to that place; the others shift to make room.",
            ),
            "emotion_score": st.column_config.NumberColumn(
                "Emotion score", min_value=-2, max_value=2, step=1, format="%d",
                help=journeys.FIELDS[journeys.FIELD_CODES.index("emotion_score")].hint,
            ),
            **text_columns,
        },
    )


    def save_grid(overwrite: bool = False) -> None:
        """Save the grid, based on the steps it first showed; keep the grid as typed if anything stops it."""
        try:
            arranged = journeys.arrange_steps(edited)
        except ValueError as error:
            st.error(cx_ui.literal("The steps were not saved. Put these right, then save again.") + "\n\n"
                     + "\n".join(f"- {cx_ui.literal(problem)}" for problem in str(error).splitlines()))
            return
        saved = cx_ui.save(lambda store: journeys.save_steps(store, journey_id, version_code, arranged,
                                                             updated_by=editor_id, now=datetime.now(),
                                                             based_on=base_steps, overwrite=overwrite),
                           done=f"Saved the {label.lower()} map: {len(arranged)} steps.", form=grid_form)
        if saved.ok:
            state.close_form(grid_form, grid_key)
            state.JOURNEY_GRID_REVISION.set(revision + 1)  # a new grid key shows the map as stored
            st.rerun()
        cx_ui.show_form_error(grid_form)


    buttons = st.container(horizontal=True)
    save_clicked = buttons.button("Save steps", type="primary", key="journey-save")
    if buttons.button("Discard unsaved changes", key="journey-discard"):
        state.close_form(grid_form, grid_key)
        state.JOURNEY_GRID_REVISION.set(revision + 1)  # a new grid key empties the grid
        st.rerun()
    if save_clicked:
        save_grid()
    if cx_ui.offer_overwrite(grid_form):
        save_grid(overwrite=True)


def rename_section() -> None:
    st.header("Rename or delete this journey")
    rename_form = f"journey-rename-{journey_id}"
    shown_names = state.form_base(rename_form, (names[journey_id], description), marker=f"{rename_form}-name")


    def rename(overwrite: bool = False) -> None:
        saved = cx_ui.save(
            lambda store: journeys.rename(store, journey_id, state.widget_value(f"{rename_form}-name"),
                                          state.widget_value(f"{rename_form}-description"),
                                          updated_by=editor_id,
                                          now=datetime.now(), based_on=shown_names, overwrite=overwrite),
            done="Saved the journey's name and description.", form=rename_form)
        if saved.ok:
            state.close_form(rename_form, f"{rename_form}-")


    with st.form(rename_form):
        st.text_input("Journey name", value=names[journey_id], max_chars=journeys.MAX_NAME_LENGTH,
                      key=f"{rename_form}-name")
        st.text_area("What it covers (optional)", value=description, height=80,
                     key=f"{rename_form}-description")
        cx_ui.show_form_error(rename_form)
        st.form_submit_button("Save name and description", key="journey-rename", on_click=rename)
    cx_ui.offer_overwrite(rename_form, rename, (True,))

    step_count = int(journey["as_is_steps"]) + int(journey["to_be_steps"])
    confirmed = st.checkbox(
        f"Yes, delete this journey and its {step_count} steps (both maps). This cannot be undone.",
        key=f"journey-delete-confirm-{journey_id}",
    )
    if st.button("Delete journey", disabled=not confirmed, key="journey-delete", icon=":material/delete:"):
        state.JOURNEY.pop()
        state.forget_widgets("journey_widget")
        cx_ui.save_here(lambda store: store.journeys.delete(journey_id), done="The journey was deleted.")


satisfaction_tab, opportunity_tab, edit_tab, rename_tab = st.tabs(
    ["Measured satisfaction", "Opportunity to action", "Edit the steps", "Rename or delete"],
    key="journey_section", on_change="rerun")
cx_ui.draw_if_open(satisfaction_tab, satisfaction_section)
if cx_ui.opened_before(opportunity_tab, "journeys/opportunity"):
    with opportunity_tab:
        opportunity_section()
if cx_ui.opened_before(edit_tab, "journeys/edit"):
    with edit_tab:
        edit_section()
if cx_ui.opened_before(rename_tab, "journeys/rename"):
    with rename_tab:
        rename_section()
