"""Roadmap arithmetic over hand-made plans, and its invariants under Hypothesis."""

import io
from datetime import date, timedelta

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cx import assessment, roadmap, roadmap_view
from cx.assessment import summarise
from cx.framework import BLOCKS, CELLS, STAGES
from cx.roadmap import ActionInput, validate_action

TODAY = date(2026, 11, 15)


def plan(rows) -> pd.DataFrame:
    """Actions from (id, title, stage, blocks, status, due) tuples; every action starts 1 Jan 2026."""
    frame = pd.DataFrame(rows, columns=["action_id", "title", "stage", "blocks", "status", "due_date"])
    frame["start_date"] = pd.Timestamp(2026, 1, 1)
    frame["due_date"] = pd.to_datetime(frame["due_date"])
    frame["owner_id"] = [1, None, 2, None, 1][: len(frame)] + [None] * max(0, len(frame) - 5)
    frame["owner"] = frame["owner_id"].map({1: "Ann", 2: "Ben"})
    frame["notes"] = ""
    frame["metric"] = None
    frame["target"] = None
    return frame


PLAN = plan([
    (1, "Survey customers", "basics", ["data"], "done", "2026-03-31"),
    (2, "Fix the worst pain points", "basics", ["data", "collaboration"], "in_progress", "2026-09-30"),
    (3, "Publish our promise", "basics", ["branding"], "blocked", "2027-01-31"),
    (4, "Train staff", "consistency", ["employees", "culture"], "not_started", "2026-11-14"),
    (5, "Co-design services", "excellence", ["collaboration"], "not_started", "2028-06-30"),
])


def good(**changes) -> ActionInput:
    base = ActionInput("Survey customers", "basics", ("data",), 1, "in_progress",
                       date(2026, 1, 1), date(2026, 6, 30))
    return ActionInput(**{**base.__dict__, **changes})


@pytest.mark.parametrize("changes, message", [
    ({"title": "   "}, "Title: enter a short title"),
    ({"title": "x" * 121}, "Title: keep it to 120"),
    ({"stage": "later"}, "Stage: choose one"),
    ({"blocks": ()}, "Building blocks: choose at least one"),
    ({"blocks": ("data", "marketing")}, r"Building blocks: \['marketing'\]"),
    ({"status": "paused"}, "Status: choose"),
    ({"start_date": None}, "Start date: enter"),
    ({"due_date": None}, "Due date: enter"),
    ({"due_date": date(2025, 12, 31)},
     r"Due date: 31 December 2025 is before the start date \(1 January 2026\)"),
    ({"notes": "x" * 4001}, "Notes: keep them"),
    ({"metric": "profit"}, "Metric: choose"),
    ({"target": 80.0}, "Target: choose the metric"),
    ({"metric": "csat", "target": 120.0}, "Target for CSAT: must be between 0 and 100, not 120"),
    ({"metric": "nps", "target": -101.0}, "Target for NPS: must be between -100 and 100"),
])
def test_bad_actions_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        validate_action(good(**changes))


def test_a_valid_action_is_cleaned():
    clean = validate_action(good(title="  Survey   customers ", blocks=("employees", "data"),
                                 notes="  n  ", metric="", due_date=date(2026, 1, 1)))
    assert clean.title == "Survey customers" and clean.notes == "n" and clean.metric is None
    assert clean.blocks == ("data", "employees")  # framework order


def test_overdue_means_not_done_and_due_before_today():
    assert roadmap.overdue(PLAN, TODAY).tolist() == [False, True, False, True, False]


def test_attention_first_then_soonest_due():
    ordered = roadmap.with_attention(PLAN, TODAY)
    assert ordered["action_id"].tolist() == [2, 4, 3, 1, 5]
    assert ordered["days_overdue"].tolist() == [46, 1, 0, 0, 0]
    assert ordered["attention"].tolist() == [True, True, True, False, False]


def test_progress_per_stage_and_per_block():
    by_stage = roadmap.progress(PLAN, "stage").set_index("code")
    assert by_stage.loc["basics", ["done", "in_progress", "blocked", "not_started", "total"]].tolist() == [
        1, 1, 1, 0, 3]
    assert by_stage.loc["basics", "percent_done"] == 33
    assert by_stage.loc["excellence", "percent_done"] == 0
    by_block = roadmap.progress(PLAN, "block").set_index("code")
    assert by_block.loc["collaboration", "total"] == 2  # action 2 counts for data and collaboration
    assert by_block.loc["data", ["done", "in_progress", "total", "percent_done"]].tolist() == [1, 1, 2, 50]
    assert pd.isna(roadmap.progress(PLAN.iloc[0:0], "block").loc[0, "percent_done"])
    with pytest.raises(ValueError, match="by 'stage' or 'block'"):
        roadmap.progress(PLAN, "owner")


def test_filters_combine_owner_block_and_stage():
    assert roadmap.filter_actions(PLAN, owners=[1])["action_id"].tolist() == [1, 5]
    assert roadmap.filter_actions(PLAN, owners=[None])["action_id"].tolist() == [2, 4]
    assert roadmap.filter_actions(PLAN, blocks=["collaboration"])["action_id"].tolist() == [2, 5]
    both = roadmap.filter_actions(PLAN, blocks=["collaboration"], stages=["basics"])
    assert both["action_id"].tolist() == [2]


def heat_map(levels: dict[tuple[str, str], str], default: str = "progress") -> pd.DataFrame:
    rows = [{"person_id": 1, "rater": "Ann", "block": b, "stage": s, "level": levels.get((b, s), default),
             "comment": None, "evidence": None} for b, s in CELLS]
    return summarise(pd.DataFrame(rows))


def test_entry_stage_suggestions_start_where_the_strengths_end():
    summary = heat_map({
        ("data", "basics"): "critical",
        ("employees", "basics"): "strength", ("employees", "consistency"): "critical",
        ("culture", "basics"): "strength", ("culture", "consistency"): "strength",
        ("culture", "excellence"): "strength",
    })
    suggested = roadmap.suggest_entry_stages(summary)
    assert suggested["data"] == ("basics", "Fix the basics is rated ! Critical focus")
    assert suggested["collaboration"] == ("basics", "Fix the basics is rated ◐ Some progress")
    assert suggested["employees"] == (
        "consistency", "Fix the basics is rated ✓ Strength; Deliver consistently is rated ! Critical focus")
    assert suggested["culture"] == ("excellence", "every stage is rated ✓ Strength")
    assert list(suggested) == [b.code for b in BLOCKS]


def test_actions_at_critical_cells_are_flagged():
    cells = assessment.critical_cells(heat_map({("data", "basics"): "critical",
                                             ("collaboration", "basics"): "critical"}))
    assert cells == {("data", "basics"), ("collaboration", "basics")}
    flags = roadmap.critical_flags(PLAN, cells).tolist()
    assert flags == ["! Critical focus: Data", "! Critical focus: Collaboration, Data", "", "", ""]


def test_stage_windows_share_the_programme_from_the_entry_stage():
    start = date(2026, 1, 1)
    assert roadmap.programme_end(start, 3) == date(2028, 12, 31)
    assert roadmap.stage_window(start, 3, "basics", "basics") == (start, date(2026, 12, 31))
    assert roadmap.stage_window(start, 3, "consistency", "consistency") == (start, date(2027, 6, 30))
    assert roadmap.stage_window(start, 3, "consistency", "excellence") == (date(2027, 7, 1),
                                                                           date(2028, 12, 31))
    assert roadmap.stage_window(date(2025, 11, 1), 4, "basics", "excellence") == (date(2028, 7, 1),
                                                                                  date(2029, 10, 31))
    assert roadmap.stage_window(start, 3, "excellence", "excellence") == (start, date(2028, 12, 31))
    with pytest.raises(ValueError, match="comes before the entry stage"):
        roadmap.stage_window(start, 3, "consistency", "basics")


def test_starter_plan_skips_stages_a_block_has_stepped_past():
    starters = dict(roadmap.starter_plan(date(2026, 1, 1), 3, {"employees": "consistency",
                                                               "data": "excellence"}))
    assert "voice_of_customer" not in starters  # data only, and data starts at excellence
    assert starters["staff_groups"].blocks == ("collaboration",)  # employees has moved on
    assert starters["monitor_engagement"].blocks == ("employees",)
    training = starters["excellence_training"]
    assert training.blocks == ("employees", "culture")
    # Culture steps in at Fix the basics, so training takes the middle third.
    assert (training.start_date, training.due_date) == roadmap.stage_window(date(2026, 1, 1), 3, "basics",
                                                                            "consistency")
    assert all(a.status == "not_started" and a.owner_id is None for a in starters.values())
    assert len(roadmap.STARTER_ACTIONS) == 18
    assert {s.stage for s in roadmap.STARTER_ACTIONS} == {s.code for s in STAGES}
    assert {b for s in roadmap.STARTER_ACTIONS for b in s.blocks} == {b.code for b in BLOCKS}


def test_changes_list_each_field_in_words():
    owners = {1: "Ann", 2: "Ben"}
    diffs = roadmap.changes(good(), good(owner_id=2, status="done", due_date=date(2026, 7, 31),
                                         metric="csat", target=80.0), owners)
    assert diffs == [("Owner", "Ann", "Ben"), ("Status", "◑ In progress", "● Done"),
                     ("Due date", "30 June 2026", "31 July 2026"), ("Metric", "", "Satisfaction (CSAT)"),
                     ("Target", "", "80")]
    assert roadmap.changes(good(), good(), owners) == []


def test_action_table_and_board_pack_workbook():
    actions = PLAN.assign(metric=["csat", None, None, None, None], target=[80.0, None, None, None, None],
                          notes=["=SUM(A1)", "", "", "", ""])
    table = roadmap_view.action_table(actions, TODAY, {("data", "basics")})
    assert table["ID"].tolist() == [2, 4, 3, 1, 5]
    assert table.iloc[0]["Status"] == "◑ In progress" and table.iloc[0]["Overdue"] == "46 days"
    assert table.iloc[3]["Metric and target"] == "Satisfaction (CSAT): 80% or more"
    assert table.iloc[1]["Owner"] == "No owner yet"
    book = openpyxl.load_workbook(io.BytesIO(roadmap_view.plan_xlsx(actions, TODAY, set(), "Roadmap")))
    assert book.sheetnames == ["Plan", "Needs attention", "Progress by stage", "Progress by block"]
    sheet = book["Plan"]
    header = [c.value for c in sheet[3]]
    status = sheet.cell(row=4, column=header.index("Status") + 1)
    assert status.value == "◑ In progress" and status.fill.fgColor.rgb.endswith("56B4E9")
    notes = [sheet.cell(row=r, column=header.index("Notes") + 1).value for r in range(4, 9)]
    assert "'=SUM(A1)" in notes
    assert [c.value for c in book["Needs attention"]["B"][3:]] == [
        "Fix the worst pain points", "Train staff", "Publish our promise"]


# ------------------------------------------------------------- invariants

actions_strategy = st.lists(
    st.tuples(
        st.sampled_from([s.code for s in STAGES]),
        st.sets(st.sampled_from([b.code for b in BLOCKS]), min_size=1),
        st.sampled_from([s.code for s in roadmap.STATUSES]),
        st.integers(-400, 400),
    ),
    max_size=25,
)


def frame_of(items) -> pd.DataFrame:
    return plan([(i + 1, f"A{i}", stage, sorted(blocks), status, TODAY + timedelta(days=offset))
                 for i, (stage, blocks, status, offset) in enumerate(items)])


@given(actions_strategy)
def test_progress_counts_add_up(items):
    actions = frame_of(items)
    by_stage = roadmap.progress(actions, "stage")
    assert by_stage["total"].sum() == len(actions)
    codes = [s.code for s in roadmap.STATUSES]
    assert (by_stage[codes].sum(axis=1) == by_stage["total"]).all()
    by_block = roadmap.progress(actions, "block")
    assert by_block["total"].sum() == sum(len(b) for _, b, _, _ in items)
    done = by_stage["percent_done"].dropna()
    assert ((done >= 0) & (done <= 100)).all()


@given(actions_strategy)
def test_done_is_never_overdue_and_attention_comes_first(items):
    actions = frame_of(items)
    ordered = roadmap.with_attention(actions, TODAY)
    assert not (ordered["overdue"] & (ordered["status"] == "done")).any()
    attention = ordered["attention"].tolist()
    assert attention == sorted(attention, reverse=True)
    assert sorted(ordered["action_id"]) == sorted(actions["action_id"])


def test_latest_figures_use_the_newest_period_with_data():
    survey = pd.DataFrame({
        "period": pd.to_datetime(["2026-09-01", "2026-10-01"]),
        "nps_n": [10, 0], "promoters": [5, 0], "detractors": [2, 0],
        "csat_n": [10, 20], "csat_satisfied": [7, 15],
        "ces_n": [4, 2], "ces_sum": [20.0, 12.0], "ces_sumsq": [110.0, 72.0],
    })
    kpi_months = pd.DataFrame({"period": pd.to_datetime(["2026-10-01"]), "metric": ["abandoned"],
                               "numerator": [30.0], "denominator": [600.0]})
    kpi_quarters = pd.DataFrame({"period": pd.to_datetime(["2026-07-01", "2026-07-01"]),
                                 "metric": ["employee_engagement", "abandoned"],
                                 "numerator": [60.0, 90.0], "denominator": [100.0, 1800.0]})
    latest = roadmap_view.latest_metric_values(survey, kpi_months, kpi_quarters)
    assert latest["nps"][0] == "September 2026" and latest["nps"][1].value == pytest.approx(30.0)
    assert latest["csat"][0] == "October 2026" and latest["csat"][1].value == pytest.approx(75.0)
    assert latest["ces"][1].value == pytest.approx(6.0)
    assert latest["abandoned"][0] == "October 2026" and latest["abandoned"][1].value == pytest.approx(5.0)
    assert latest["employee_engagement"][0] == "Q3 2026"
    assert "answered_within_20s" not in latest
    assert roadmap_view.latest_text("csat", 80.0, latest) == "75% in October 2026, ✗ off target"
    assert roadmap_view.latest_text("abandoned", 5.0, latest) == "5% in October 2026, ✓ on target"
    assert roadmap_view.latest_text("nps", None, latest) == "+30 in September 2026"
    assert roadmap_view.latest_text("answered_within_20s", 80.0, latest) == ""
