"""The heat-map pages, driven through their widgets (AppTest)."""

from datetime import date, datetime

import duckdb
import pytest

from cx import heat_map
from cx.assessment import RatingEntry
from cx.framework import CELLS
from cx.store import Database

from .apptest import messages, metric, open_page, table

NOW = datetime(2027, 1, 5, 9, 0)


@pytest.fixture
def small_team(tmp_path, app_env):
    """Ann has submitted: critical for every data cell, progress elsewhere; Ben has not rated."""
    path = tmp_path / "team.duckdb"
    db = Database(path)
    store = db.store()
    with store.transaction():
        ann = store.people.add("Ann Example", "Director", now=NOW)
        ben = store.people.add("Ben Example", "Head of Waste", now=NOW)
        round_id = heat_map.create_round(store, "Q1 2027 review", date(2027, 1, 20), [ann, ben],
                                                 created_by=ann, now=NOW)
        heat_map.submit(store.assessment, round_id, ann, [
            RatingEntry(b, s, "critical" if b == "data" else "progress", "Gaps" if b == "data" else "")
            for b, s in CELLS
        ], now=NOW)
    db.close()
    app_env(path)
    return path, round_id, ann, ben


def radio_key(round_id, person_id, block, stage):
    return f"rate-{round_id}-{person_id}-{block}-{stage}-level"


def test_rating_a_full_round_through_the_widgets_changes_the_team_map(small_team):
    path, round_id, ann, ben = small_team
    at = open_page("pages/heat_map.py", person_id=ben)
    before = table(at, "Building block", "Fix the basics").set_index("Building block")
    assert before.loc["Data-driven transformation", "Fix the basics"] == "! Critical focus (1 of 1)"
    assert before.loc["Branding and shared values", "Customer excellence"] == "◐ Some progress (1 of 1)"
    assert metric(at, "Raters who submitted").value == "1 of 2"
    # The form is drawn once its tab has been opened, and from then on whichever tab is shown.
    assert len(at.radio) == 0
    at.session_state["heatmap_tab"] = "Your ratings"  # as a click on the tab does
    at.run()
    assert len(at.radio) == 15
    at.session_state["heatmap_tab"] = "Team map"
    at.run()

    for block, stage in CELLS:
        at.radio(key=radio_key(round_id, ben, block, stage)).set_value(
            "strength" if block in ("data", "branding") else "progress")
    at.text_input(key=f"rate-{round_id}-{ben}-branding-excellence-comment").set_value("=Proud of this")
    at.button(key="FormSubmitter:rating-form-1-2-Submit ratings").click().run()
    assert not at.exception

    assert messages(at.success) == ["Your ratings are submitted and now count in the team map."]
    after = table(at, "Building block", "Fix the basics").set_index("Building block")
    # Two raters: the lower median is the more critical of the two answers.
    assert after.loc["Data-driven transformation", "Fix the basics"] == (
        "! Critical focus (1 of 2), ≠ views differ")
    assert after.loc["Branding and shared values", "Customer excellence"] == (
        "◐ Some progress (1 of 2), ≠ views differ")
    assert after.loc["Employee empowerment", "Deliver consistently"] == "◐ Some progress (2 of 2)"
    assert metric(at, "Raters who submitted").value == "2 of 2"
    assert metric(at, "Cells where views differ").value == "6 of 15"

    con = duckdb.connect(str(path))
    stored = con.execute(
        "SELECT level, comment FROM assessment_ratings JOIN assessment_submissions USING (submission_id) "
        "WHERE person_id = ? AND block = 'branding' AND stage = 'excellence'", [ben]).fetchall()
    con.close()
    assert stored == [("strength", "=Proud of this")]


def test_an_incomplete_submission_is_refused_naming_the_missing_cells(small_team):
    path, round_id, ann, ben = small_team
    at = open_page("pages/heat_map.py", person_id=ben, heatmap_tab="Your ratings")
    skipped = {("branding", "basics"), ("culture", "excellence")}
    for block, stage in CELLS:
        if (block, stage) not in skipped:
            at.radio(key=radio_key(round_id, ben, block, stage)).set_value("progress")
    at.button(key="FormSubmitter:rating-form-1-2-Submit ratings").click().run()

    assert messages(at.error) == [
        "Not submitted: 2 cells have no level yet. Choose a level for Branding and shared values "
        "(Fix the basics); Culture change and leadership (Customer excellence). "
        "Your answers so far are saved as a draft."
    ]
    assert metric(at, "Raters who submitted").value == "1 of 2"
    # Nothing is lost: the form still holds the answers, and the draft is stored.
    assert at.radio(key=radio_key(round_id, ben, "data", "basics")).value == "progress"
    con = duckdb.connect(str(path))
    drafted = con.execute("SELECT count(level) FROM assessment_drafts WHERE person_id = ?", [ben]).fetchone()
    con.close()
    assert drafted == (13,)

    # A new session (the rater comes back later) starts from the draft.
    again = open_page("pages/heat_map.py", person_id=ben, heatmap_tab="Your ratings")
    assert again.radio(key=radio_key(round_id, ben, "data", "basics")).value == "progress"
    assert again.radio(key=radio_key(round_id, ben, "branding", "basics")).value is None
    assert any(t.value.startswith("Your draft was saved on") for t in again.text)


def test_someone_who_is_not_a_rater_can_join_the_round(small_team, tmp_path):
    path, round_id, ann, ben = small_team
    db = Database(path)
    store = db.store()
    with store.transaction():
        cal = store.people.add("Cal Example", None, now=NOW)
    db.close()
    at = open_page("pages/heat_map.py", person_id=cal, heatmap_tab="Your ratings")
    assert "You are not one of this round's raters." in [i.value for i in at.info]
    at.button(key="join-round").click().run()
    assert len(at.radio) == 15


def test_a_round_is_created_through_the_form_and_bad_input_is_refused(small_team):
    at = open_page("pages/heat_map.py", person_id=small_team[2], heatmap_tab="Rounds and raters")
    at.text_input(key="new_round_name").set_value("   ")
    at.button(key="FormSubmitter:new-round-Create round").click().run()
    assert messages(at.error) == ["Round name: enter a name, for example 'Q1 2027 review'."]

    at.text_input(key="new_round_name").set_value("Q2 2027 review")
    at.text_input(key="new_round_person").set_value("Dee Example")
    at.text_input(key="new_round_role").set_value("Head of Parking")
    at.button(key="FormSubmitter:new-round-Create round").click().run()
    assert not at.error
    assert at.selectbox(key="heatmap_round_widget").value == 2
    raters = table(at, "Name")
    assert raters["Name"].tolist() == ["Ann Example", "Ben Example", "Dee Example"]
    assert raters["Status"].tolist() == ["Not started"] * 3


def test_demo_rounds_compare_and_list_disagreement_first(demo_db_path, app_env):
    app_env(demo_db_path)
    at = open_page("pages/heat_map.py", heatmap_tab="Compare rounds")
    # Headings holding round names are Markdown-escaped; the backslashes do not show on screen.
    assert [s.value.replace("\\", "") for s in at.header if "improved" in s.value] == [
        "3 cells improved since Q2 2026 review, 1 got worse and 11 stayed the same."]
    assert metric(at, "↑ Better").value == "3 cells" and metric(at, "↓ Worse").value == "1 cell"
    at.session_state["heatmap_tab"] = "Discussion list"  # as a click on the tab does
    at.run()
    talk = table(at, "#")
    # The first cells split the team by two steps (a strength and a critical focus).
    assert talk["Votes"].iloc[0] == "✓ 1 · ◐ 2 · ! 1"
    assert talk["Disagreement (0 to 1)"].tolist() == sorted(talk["Disagreement (0 to 1)"], reverse=True)
    comments = table(at, "Rater", "Level")
    assert len(comments) == 4


def test_presentation_view_shows_the_latest_round_large(demo_db_path, app_env):
    app_env(demo_db_path)
    at = open_page("pages/heat_map_presentation.py")
    assert at.header[0].value.replace("\\", "").startswith("Q4 2026 review: meeting on")
    assert at.text[0].value == "4 of 4 raters have submitted."
    assert metric(at, "Cells improved since Q2 2026 review").value == "3 of 15"
    assert [s.value for s in at.subheader][0].startswith("1. ")
