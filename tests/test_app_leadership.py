"""The leadership pages, driven through their widgets, checked against the database."""


from streamlit.testing.v1 import AppTest

from cx.checklist import QUESTIONS

from .apptest import chart_series, messages, open_page, query, texts


def editor(path):
    """Gareth, who keeps the journey maps."""
    return person(path, "Gareth Lewis")


def person(path, name):
    return query(path, "SELECT person_id FROM people WHERE name = ?", [name])[0][0]


# ------------------------------------------------------------------ checklist


def test_checklist_asks_who_you_are_first(demo_copy):
    at = open_page("pages/checklist.py")
    assert "Choose your name" in at.info[0].value
    assert len(at.text_area) == 0


def test_saving_an_answer_twice_keeps_both_and_shows_them_side_by_side(demo_copy):
    tom = person(demo_copy, "Tom Hargreaves")
    at = open_page("pages/checklist.py", person_id=tom)
    assert len(at.text_area) == len(QUESTIONS)
    at.text_area(key=f"answer-shoes-{tom}").set_value("Rode with a crew on the Monday round.")
    at.button(key=f"save-shoes-{tom}").click().run()
    assert not at.exception
    assert messages(at.success)[0] == "“Seeing it first-hand”: answer saved."
    saved = query(demo_copy, "SELECT answer, shared FROM checklist_answers WHERE person_id = ? "
                             "AND question = 'shoes'", [tom])
    assert saved == [("Rode with a crew on the Monday round.", False)]
    assert at.text_area(key=f"answer-shoes-{tom}").value == "Rode with a crew on the Monday round."

    at.text_area(key=f"answer-shoes-{tom}").set_value("Two rounds now. Crews want in-cab updates.")
    at.button(key=f"save-shoes-{tom}").click().run()
    assert not at.exception
    rows = query(demo_copy, "SELECT answer FROM checklist_answers WHERE person_id = ? AND question = 'shoes' "
                            "ORDER BY answer_id", [tom])
    assert [r[0] for r in rows] == ["Rode with a crew on the Monday round.",
                                    "Two rounds now. Crews want in-cab updates."]
    shown = texts(at)
    then = shown.index("Rode with a crew on the Monday round.")
    assert shown[then + 1] == "Two rounds now. Crews want in-cab updates."
    assert any(c.value.startswith("Last saved") and "2 saved versions" in c.value for c in at.caption)


def test_an_empty_answer_is_refused_and_nothing_is_saved(demo_copy):
    tom = person(demo_copy, "Tom Hargreaves")
    before = query(demo_copy, "SELECT count(*) FROM checklist_answers")[0][0]
    at = open_page("pages/checklist.py", person_id=tom)
    at.text_area(key=f"answer-values-{tom}").set_value("   ")
    at.button(key=f"save-values-{tom}").click().run()
    assert messages(at.error) == ["Your answer: write something before saving."]
    assert query(demo_copy, "SELECT count(*) FROM checklist_answers")[0][0] == before


def test_sharing_without_new_text_changes_who_sees_it_not_the_history(demo_copy):
    amara, priya = person(demo_copy, "Amara Okafor"), person(demo_copy, "Priya Nair")
    secret = query(demo_copy, "SELECT answer FROM checklist_answers WHERE person_id = ? AND "
                              "question = 'three_years' ORDER BY saved_at DESC LIMIT 1", [amara])[0][0]
    team_view = open_page("pages/checklist.py", person_id=priya).dataframe[0].value
    assert secret not in team_view["Answer"].tolist()

    at = open_page("pages/checklist.py", person_id=amara)
    at.checkbox(key=f"share-three_years-{amara}").check()
    at.button(key=f"save-three_years-{amara}").click().run()
    assert "now shared with the team" in messages(at.success)[0]
    assert query(demo_copy, "SELECT count(*) FROM checklist_answers WHERE person_id = ? AND "
                            "question = 'three_years'", [amara])[0][0] == 2
    team_view = open_page("pages/checklist.py", person_id=priya).dataframe[0].value
    assert secret in team_view["Answer"].tolist()


def test_the_team_tab_shows_exactly_the_newest_shared_answers_of_others(demo_copy):
    gareth = person(demo_copy, "Gareth Lewis")
    expected = query(demo_copy, """
        SELECT p.name, a.answer FROM checklist_answers a JOIN people p USING (person_id)
        WHERE a.person_id <> ? AND a.shared AND a.answer_id IN (
            SELECT arg_max(answer_id, saved_at) FROM checklist_answers GROUP BY person_id, question)
        ORDER BY 1, 2""", [gareth])
    assert expected, "the demo should share something"
    at = open_page("pages/checklist.py", person_id=gareth)
    table = at.dataframe[0].value
    assert sorted(zip(table["Leader"], table["Answer"], strict=True)) == expected
    assert "Gareth Lewis" not in table["Leader"].tolist()


def test_reflections_can_be_downloaded_as_markdown_and_text(demo_copy):
    at = open_page("pages/checklist.py", person_id=person(demo_copy, "Amara Okafor"))
    assert [d.label for d in at.get("download_button")] == ["Download as Markdown", "Download as text"]


# ------------------------------------------------------------------ culture change


def done_count(path) -> int:
    return query(path, "SELECT count(*) FROM culture_steps WHERE status = 'done'")[0][0]


def test_marking_a_step_done_moves_progress(demo_copy):
    at = open_page("pages/culture.py", person_id=person(demo_copy, "Priya Nair"))
    done = done_count(demo_copy)
    metric = next(m for m in at.metric if m.label == "● Done")
    assert metric.value == f"{done} of 11"
    assert at.get("progress")[0].proto.value == round(100 * done / 11)

    step = query(demo_copy, "SELECT min(step) FROM range(1, 12) r(step) WHERE step NOT IN "
                            "(SELECT step FROM culture_steps WHERE status = 'done')")[0][0]
    at.selectbox(key="culture_step").select(step).run()
    at.radio(key=f"culture-{step}-status").set_value("done")
    at.text_area(key=f"culture-{step}-evidence").set_value("Agreed at the May leadership meeting.")
    at.button(key=f"culture-save-{step}").click().run()
    assert not at.exception
    assert next(m for m in at.metric if m.label == "● Done").value == f"{done + 1} of 11"
    assert at.get("progress")[0].proto.value == round(100 * (done + 1) / 11)
    assert messages(at.success)[0] == f"Step {step} saved: ● Done."
    saved = query(demo_copy, "SELECT status, evidence, updated_by FROM culture_steps WHERE step = ?", [step])
    assert saved == [("done", "Agreed at the May leadership meeting.", person(demo_copy, "Priya Nair"))]
    table = at.dataframe[0].value
    assert table.loc[table["Step"] == step, "Status"].item() == "● Done"


def test_the_roadmap_table_lists_all_eleven_steps_with_words(demo_copy):
    at = open_page("pages/culture.py")
    table = at.dataframe[0].value
    assert table["Step"].tolist() == list(range(1, 12))
    stored = dict(query(demo_copy, "SELECT step, status FROM culture_steps"))
    words = {"done": "● Done", "in_progress": "◑ In progress", "not_started": "○ Not started"}
    assert table["Status"].tolist() == [words[stored.get(n, "not_started")] for n in range(1, 12)]
    labels = [d.label for d in at.get("download_button")]
    assert labels == ["Download CSV", "Download XLSX"]


# ------------------------------------------------------------------ journey maps


def curve(at: AppTest) -> dict[str, list]:
    """The emotion score of every point drawn in the journey's chart, per series, in step order."""
    return {name: [int(float(y)) for _, y in points]
            for name, points in chart_series(at, "emotion-curve").items()}


def stored_scores(path, journey_id, version):
    rows = query(path, "SELECT emotion_score FROM journey_steps WHERE journey_id = ? AND version = ? "
                       "ORDER BY position", [journey_id, version])
    return [r[0] for r in rows]


def open_steps_grid(path, **state):
    """The journey page as its editor sees it with the tab 'Edit the steps' open."""
    return open_page("pages/journeys.py", person_id=editor(path), journey_section="Edit the steps", **state)


def test_the_worked_example_is_drawn_as_stored(demo_copy):
    at = open_page("pages/journeys.py", person_id=editor(demo_copy))
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    drawn = curve(at)
    assert drawn["As is"] == stored_scores(demo_copy, jid, "as_is")
    assert drawn["To be"] == stored_scores(demo_copy, jid, "to_be")
    as_is_map, to_be_map = at.dataframe[0].value, at.dataframe[1].value
    assert as_is_map.columns.tolist() == ["Stages"] + [f"Step {n}" for n in range(1, 8)]
    assert to_be_map.columns[0] == "Stages"


def test_adding_a_step_in_the_grid_extends_the_curve(demo_copy):
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    before = stored_scores(demo_copy, jid, "as_is")
    at = open_steps_grid(demo_copy, **{f"journey-editor-{jid}-as_is-0": {
        "edited_rows": {},
        "added_rows": [{"stage": "Tell others", "emotion_score": 1, "pain_points": "No follow-up"}],
        "deleted_rows": [],
    }})
    at.button(key="journey-save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert messages(at.success)[0] == "Saved the as is map: 8 steps."
    assert stored_scores(demo_copy, jid, "as_is") == before + [1]
    drawn = curve(at)
    assert drawn["As is"] == before + [1]
    assert drawn["Pain point"][len(before)] == 1


def test_a_bad_emotion_score_is_refused_naming_row_and_field_and_edits_are_kept(demo_copy):
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    before = stored_scores(demo_copy, jid, "as_is")
    key = f"journey-editor-{jid}-as_is-0"
    at = open_steps_grid(demo_copy, **{key: {
        "edited_rows": {2: {"emotion_score": 5}, 3: {"stage": "Renamed"}},
        "added_rows": [], "deleted_rows": []}})
    at.button(key="journey-save").click().run()
    assert not at.exception
    message = messages(at.error)[0]
    assert "Row 3, Emotion score: enter a whole number from -2" in message
    assert stored_scores(demo_copy, jid, "as_is") == before
    assert at.session_state[key]["edited_rows"] == {2: {"emotion_score": 5}, 3: {"stage": "Renamed"}}


def test_steps_can_be_removed_and_reordered(demo_copy):
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    stages = [r[0] for r in query(demo_copy, "SELECT stage FROM journey_steps WHERE journey_id = ? AND "
                                             "version = 'as_is' ORDER BY position", [jid])]
    at = open_steps_grid(demo_copy, **{f"journey-editor-{jid}-as_is-0": {
        "edited_rows": {6: {"position": 1}}, "added_rows": [], "deleted_rows": [1],
    }})
    at.button(key="journey-save").click().run()
    assert not at.exception
    after = [r[0] for r in query(demo_copy, "SELECT stage FROM journey_steps WHERE journey_id = ? AND "
                                            "version = 'as_is' ORDER BY position", [jid])]
    assert after == [stages[6], stages[0], *stages[2:6]]


def test_creating_a_journey_selects_it_and_a_duplicate_name_is_refused(demo_copy):
    at = open_page("pages/journeys.py", person_id=editor(demo_copy))
    at.text_input(key="journey-new-name").set_value("Report a missed bin")
    at.button(key="journey-create").click().run()
    assert not at.exception
    assert at.selectbox(key="journey_widget").value == query(
        demo_copy, "SELECT journey_id FROM journeys WHERE name = 'Report a missed bin'")[0][0]
    assert [i.value for i in at.info][:2] == ["No steps yet in the as is map.",
                                              "No steps yet in the to be map."]

    at.text_input(key="journey-new-name").set_value("report a missed BIN")
    at.button(key="journey-create").click().run()
    assert messages(at.error) == [
        "Journey name: there is already a journey with this name; choose another."]
    assert query(demo_copy, "SELECT count(*) FROM journeys")[0][0] == 2


def test_an_empty_to_be_map_can_start_as_a_copy_of_the_as_is_map(demo_copy):
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    query(demo_copy, "DELETE FROM journey_steps WHERE version = 'to_be'")
    at = open_page("pages/journeys.py", journey_version="to_be", person_id=editor(demo_copy),
                   journey_section="Edit the steps")
    assert "journey-copy" in [b.key for b in at.button]
    at.button(key="journey-copy").click().run()
    assert not at.exception
    copied = query(demo_copy, "SELECT * EXCLUDE (version) FROM journey_steps WHERE journey_id = ? "
                              "AND version = 'to_be' ORDER BY position", [jid])
    original = query(demo_copy, "SELECT * EXCLUDE (version) FROM journey_steps WHERE journey_id = ? "
                                "AND version = 'as_is' ORDER BY position", [jid])
    assert copied == original and len(copied) == 7
    assert curve(at)["To be"] == curve(at)["As is"]
    assert "journey-copy" not in [b.key for b in at.button]


def test_discarding_edits_keeps_the_stored_steps(demo_copy):
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    before = stored_scores(demo_copy, jid, "as_is")
    at = open_steps_grid(demo_copy, **{f"journey-editor-{jid}-as_is-0": {
        "edited_rows": {0: {"emotion_score": 2}}, "added_rows": [], "deleted_rows": [3]}})
    assert at.data_editor[0].key == f"journey-editor-{jid}-as_is-0"
    at.button(key="journey-discard").click().run()
    assert not at.exception
    assert at.data_editor[0].key == f"journey-editor-{jid}-as_is-1"
    assert stored_scores(demo_copy, jid, "as_is") == before


def test_a_journey_can_be_renamed_but_not_to_another_journeys_name(demo_copy):
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    query(demo_copy, "INSERT INTO journeys (name, created_at, updated_at) "
                     "VALUES ('Pay a parking fine', now(), now())")
    at = open_page("pages/journeys.py", journey_id=jid, person_id=editor(demo_copy),
                   journey_section="Rename or delete")
    at.text_input(key=f"journey-rename-{jid}-name").set_value("PAY A PARKING FINE")
    at.button(key="journey-rename").click().run()
    assert messages(at.error) == [
        "Journey name: there is already a journey with this name; choose another."]

    at.text_input(key=f"journey-rename-{jid}-name").set_value("  Claim a council tax discount ")
    at.text_area(key=f"journey-rename-{jid}-description").set_value("")
    at.button(key="journey-rename").click().run()
    assert not at.exception
    assert query(demo_copy, "SELECT name, description FROM journeys WHERE journey_id = ?", [jid]) == [
        ("Claim a council tax discount", None)]


def test_deleting_a_journey_needs_confirmation_and_takes_its_steps(demo_copy):
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    steps = query(demo_copy, "SELECT count(*) FROM journey_steps WHERE journey_id = ?", [jid])[0][0]
    at = open_page("pages/journeys.py", journey_id=jid, person_id=editor(demo_copy),
                   journey_section="Rename or delete")
    assert at.button(key="journey-delete").disabled
    assert f"its {steps} steps" in at.checkbox(key=f"journey-delete-confirm-{jid}").label
    at.checkbox(key=f"journey-delete-confirm-{jid}").check().run()
    at.button(key="journey-delete").click().run()
    assert not at.exception
    assert query(demo_copy, "SELECT count(*) FROM journeys")[0][0] == 0
    assert query(demo_copy, "SELECT count(*) FROM journey_steps")[0][0] == 0
    assert [i.value for i in at.info] == ["There are no journey maps yet. Create one above to start mapping."]


def test_journey_tasks_are_drawn_when_their_tab_is_chosen_and_the_grid_stays_once_opened(demo_copy):
    at = open_page("pages/journeys.py", person_id=editor(demo_copy))
    headers = lambda: [h.value for h in at.header]  # noqa: E731
    assert "Measured satisfaction at each step" in headers()
    assert not at.data_editor and "Edit the steps" not in headers()
    at.session_state["journey_section"] = "Edit the steps"
    at.run()
    assert len(at.data_editor) == 1 and "Edit the steps" in headers()
    assert "Measured satisfaction at each step" not in headers()
    # Unsaved edits live in the browser's grid, so once opened it is drawn on every tab.
    at.session_state["journey_section"] = "Rename or delete"
    at.run()
    assert len(at.data_editor) == 1 and "Rename or delete this journey" in headers()
