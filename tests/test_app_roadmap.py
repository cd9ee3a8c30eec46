"""The roadmap page, driven through its widgets (AppTest)."""

from datetime import date, datetime, timedelta

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from cx import heat_map, roadmap
from cx.assessment import RatingEntry
from cx.formatting import format_date
from cx.framework import CELLS
from cx.roadmap import ActionInput
from cx.store import Database

from .apptest import messages, metric, open_page, table

TODAY = date.today()  # the page judges "overdue" against the real date
NOW = datetime(2026, 1, 1, 9, 0)


@pytest.fixture
def plan(tmp_path, app_env):
    """A programme with one finished action and one in progress, due in a month."""
    path = tmp_path / "plan.duckdb"
    db = Database(path)
    store = db.store()
    with store.transaction():
        ann = store.people.add("Ann Example", "Director", now=NOW)
        ben = store.people.add("Ben Example", None, now=NOW)
        roadmap.save_programme(store, TODAY - timedelta(days=300), 4, {}, by=ann, now=NOW)
        roadmap.create_action(store, ActionInput("Survey customers", "basics", ("data",), ann, "done",
                                                TODAY - timedelta(days=300), TODAY - timedelta(days=200)),
                                    by=ann, now=NOW)
        roadmap.create_action(store, ActionInput("Fix missed bins", "basics", ("collaboration",), ben,
                                                "in_progress", TODAY - timedelta(days=100),
                                                TODAY + timedelta(days=30)), by=ann, now=NOW)
    db.close()
    app_env(path)
    return path, ann, ben


def stage_progress(at: AppTest):
    return table(at, "Stage", "○ Not started").set_index("Stage")


def show_tab(at: AppTest, tab: str) -> AppTest:
    """Choose a tab of the page, as a click does: only the chosen tab is drawn."""
    at.session_state["roadmap_tab"] = tab
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_adding_an_action_then_finishing_it_moves_progress_and_the_overdue_list(plan):
    path, ann, ben = plan
    at = open_page("pages/roadmap.py", person_id=ann)
    assert metric(at, "Overdue").value == "0" and metric(at, "Actions in the plan").value == "2"
    assert "Nothing is overdue or blocked." in [t.value for t in at.text]
    assert stage_progress(at).loc["Fix the basics", "◑ In progress"] == 1

    show_tab(at, "Add an action")
    at.text_input(key="new-title").set_value("Publish bin collection dates online")
    at.multiselect(key="new-blocks").set_value(["branding", "data"])
    at.selectbox(key="new-owner").set_value(ben)
    at.selectbox(key="new-status").set_value("in_progress")
    at.date_input(key="new-start").set_value(TODAY - timedelta(days=60))
    at.date_input(key="new-due").set_value(TODAY - timedelta(days=10))
    at.selectbox(key="new-metric").set_value("csat")
    at.number_input(key="new-target").set_value(80.0)
    at.button(key="FormSubmitter:new-action-Add the action").click().run()
    assert not at.exception and not at.error

    assert messages(at.success) == ["Action #3 added to the plan."]
    show_tab(at, "Progress")
    assert metric(at, "Actions in the plan").value == "3" and metric(at, "Overdue").value == "1"
    attention = table(at, "ID", "Action", "Owner")
    assert attention[["ID", "Action", "Owner", "Status", "Overdue"]].values.tolist() == [
        [3, "Publish bin collection dates online", "Ben Example", "◑ In progress", "10 days"]]
    assert stage_progress(at).loc["Fix the basics", "◑ In progress"] == 2
    show_tab(at, "Actions")
    plan_table = table(at, "ID", "Action", "Stage", "Building blocks")
    assert plan_table["ID"].tolist()[0] == 3  # overdue actions come first
    assert plan_table.iloc[0]["Metric and target"] == "Satisfaction (CSAT): 80% or more"

    at.selectbox(key="roadmap-edit-choice").set_value(3).run()
    at.selectbox(key="edit-3-status").set_value("done")
    at.button(key="FormSubmitter:edit-3-Save changes").click().run()
    assert messages(at.success) == ["Action #3 saved: status changed."]
    show_tab(at, "Progress")
    assert metric(at, "Overdue").value == "0"
    assert metric(at, "● Done").value == "2 (67%)"
    assert stage_progress(at).loc["Fix the basics", "● Done"] == 2
    show_tab(at, "Actions")
    history = table(at, "When", "Who", "What changed")
    assert history[["Who", "What changed", "From", "To"]].values.tolist() == [
        ["Ann Example", "Status", "◑ In progress", "● Done"],
        # Started with a survey measure: its baseline (no answers here) is recorded and noted.
        ["Ann Example", "Baseline", "", f"CSAT – (n = 0), {format_date(TODAY - timedelta(days=150))} to "
                                        f"{format_date(TODAY - timedelta(days=61))}"],
        ["Ann Example", "Created", "", "Publish bin collection dates online"],
    ]
    con = duckdb.connect(str(path))
    stored = con.execute(
        "SELECT status, blocks, owner_id FROM roadmap_actions WHERE action_id = 3").fetchone()
    con.close()
    assert stored == ("done", ["branding", "data"], ben)


@pytest.mark.parametrize("field, value, message", [
    ("title", "   ", "Title: enter a short title for the action."),
    ("due", TODAY - timedelta(days=150),
     f"Due date: {roadmap.format_date(TODAY - timedelta(days=150))} is before the start date "
     f"({roadmap.format_date(TODAY - timedelta(days=100))}); choose a later due date."),
    ("blocks", [], "Building blocks: choose at least one."),
])
def test_a_bad_edit_is_refused_naming_the_field_and_changes_nothing(plan, field, value, message):
    path, ann, _ = plan
    at = open_page("pages/roadmap.py", person_id=ann, roadmap_tab="Actions")
    at.selectbox(key="roadmap-edit-choice").set_value(2).run()
    widget = {"title": at.text_input, "due": at.date_input, "blocks": at.multiselect}[field]
    widget(key=f"edit-2-{field}").set_value(value)
    at.button(key="FormSubmitter:edit-2-Save changes").click().run()
    assert messages(at.error) == [message]
    assert not at.success
    # Nothing is lost: the form keeps what was typed, and the stored action is unchanged.
    assert at.session_state[f"edit-2-{field}"] == value
    con = duckdb.connect(str(path))
    assert con.execute("SELECT title, due_date FROM roadmap_actions WHERE action_id = 2").fetchone() == (
        "Fix missed bins", TODAY + timedelta(days=30))
    assert con.execute("SELECT count(*) FROM roadmap_changes WHERE action_id = 2").fetchone() == (1,)
    con.close()


def test_changes_need_a_name_under_you_are(plan):
    at = open_page("pages/roadmap.py", roadmap_tab="Add an action")
    assert any("every change is recorded" in i.value for i in at.info)
    assert at.button(key="FormSubmitter:new-action-Add the action").disabled


def test_filters_narrow_the_plan_by_owner_block_and_stage(plan):
    path, ann, ben = plan
    at = open_page("pages/roadmap.py", person_id=ann, roadmap_tab="Actions")
    at.multiselect(key="roadmap-filter-owner").set_value([ben]).run()
    assert table(at, "ID", "Action", "Stage", "Building blocks")["Action"].tolist() == ["Fix missed bins"]
    # The filter applies to progress too, and says how much of the plan is shown.
    show_tab(at, "Progress")
    assert metric(at, "Actions in the plan").value == "1"
    assert stage_progress(at).loc["Fix the basics", "◑ In progress"] == 1
    assert "Showing 1 of 2 actions" in " ".join(c.value for c in at.caption)
    show_tab(at, "Actions")
    at.multiselect(key="roadmap-filter-owner").set_value([]).run()
    at.multiselect(key="roadmap-filter-block").set_value(["data"]).run()
    assert table(at, "ID", "Action", "Stage", "Building blocks")["Action"].tolist() == ["Survey customers"]
    at.multiselect(key="roadmap-filter-stage").set_value(["excellence"]).run()
    assert table(at, "ID", "Action", "Stage", "Building blocks").empty


def test_first_setup_suggests_entry_stages_from_the_heat_map_and_adds_starter_actions(tmp_path, app_env):
    path = tmp_path / "new.duckdb"
    db = Database(path)
    store = db.store()
    with store.transaction():
        ann = store.people.add("Ann Example", None, now=NOW)
        round_id = heat_map.create_round(store, "Q1", date(2026, 1, 10), [ann], created_by=ann, now=NOW)
        # Employee empowerment: the basics are a strength, so it steps in at Deliver consistently.
        heat_map.submit(store.assessment, round_id, ann, [
            RatingEntry(b, s, "strength" if (b, s) == ("employees", "basics") else
                        "critical" if (b, s) == ("data", "consistency") else "progress")
            for b, s in CELLS], now=NOW)
    db.close()
    app_env(path)
    at = open_page("pages/roadmap.py", person_id=ann)
    assert at.selectbox(key="entry-employees").value == "consistency"
    assert at.selectbox(key="entry-data").value == "basics"
    at.date_input(key="programme-start").set_value(date(2026, 2, 1))
    at.button(key="FormSubmitter:programme-Save the programme").click().run()
    assert not at.exception and not at.error
    expected = roadmap.starter_plan(date(2026, 2, 1), 4, {"collaboration": "basics", "branding": "basics",
                                                          "data": "basics", "employees": "consistency",
                                                          "culture": "basics"})
    assert messages(at.success)[0] == f"Programme saved. {len(expected)} starter actions added to the plan."
    assert metric(at, "Actions in the plan").value == str(len(expected))
    show_tab(at, "Actions")
    flagged = table(at, "ID", "Action", "Stage", "Building blocks")
    # Data-driven transformation at Deliver consistently is a critical focus in the round.
    assert set(flagged.loc[flagged["Heat map"] != "", "Stage"]) == {"Deliver consistently"}


def test_demo_programme_is_a_year_in_with_every_status(demo_db_path, app_env):
    app_env(demo_db_path)
    at = open_page("pages/roadmap.py")
    con = duckdb.connect(str(demo_db_path))
    counts = dict(con.execute(
        "SELECT status, count(*) FROM roadmap_actions WHERE NOT archived GROUP BY 1").fetchall())
    overdue = con.execute("SELECT count(*) FROM roadmap_actions WHERE NOT archived AND status <> 'done' "
                          "AND due_date < ?", [TODAY]).fetchone()[0]
    con.close()
    assert set(counts) == {"not_started", "in_progress", "done", "blocked"}
    assert metric(at, "Actions in the plan").value == str(sum(counts.values()))
    assert metric(at, "Overdue").value == str(overdue) and overdue >= 2
    assert metric(at, "⊘ Blocked").value == str(counts["blocked"])
    assert any(c.value.startswith("Programme from 1 November 2025 to 31 October 2029") for c in at.caption)
    show_tab(at, "History")
    history = table(at, "When", "Who", "Action")
    assert len(history) > 50 and set(history["Who"]) >= {"Amara Okafor", "Tom Hargreaves"}


def test_an_action_linked_to_a_metric_shows_its_latest_figure_against_the_target(demo_db_path, app_env):
    app_env(demo_db_path)
    con = duckdb.connect(str(demo_db_path))
    csat = con.execute("SELECT csat FROM responses WHERE completed_at >= DATE '2026-10-01' "
                       "AND completed_at < DATE '2026-11-01' AND csat IS NOT NULL").df()["csat"]
    con.close()
    share = 100 * (csat >= 4).mean()
    verdict = "✓ on target" if share >= 80 else "✗ off target"
    at = open_page("pages/roadmap.py", roadmap_tab="Actions")
    plan_table = table(at, "ID", "Action", "Stage", "Building blocks").set_index("ID")
    assert plan_table.loc[1, "Metric and target"] == "Satisfaction (CSAT): 80% or more"
    assert plan_table.loc[1, "Latest figure"] == f"{share:.0f}% in October 2026, {verdict}"


def test_a_form_is_drawn_from_the_first_time_its_tab_is_opened(plan):
    """A new session's first screen leaves out the forms of tabs nobody has opened; once opened,
    a form stays drawn on every tab, so what was typed is still there after a look elsewhere
    (tests/browser/test_tabs.py types into it in a real browser)."""
    path, ann, ben = plan
    at = open_page("pages/roadmap.py", person_id=ann)
    drawn = lambda: [t.label for t in at.text_input if t.key == "new-title"]  # noqa: E731
    assert drawn() == []
    show_tab(at, "Add an action")
    assert drawn() == ["Title"]
    show_tab(at, "Timeline")
    assert drawn() == ["Title"]
