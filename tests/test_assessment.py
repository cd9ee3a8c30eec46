"""The heat map's arithmetic over hand-made rounds, and its invariants under Hypothesis."""

from datetime import date

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx import assessment
from cx.assessment import (
    IncompleteSubmission,
    RatingEntry,
    change_summary,
    check_complete,
    compare_rounds,
    consensus,
    disagreement,
    discussion_list,
    summarise,
    team_map_table,
    team_map_xlsx,
    validate_round,
)
from cx.framework import CELLS, LEVELS

CODES = [lv.code for lv in LEVELS]


def ratings(grid: dict[str, dict[tuple[str, str], str]], default: str = "progress",
            comments: dict | None = None) -> pd.DataFrame:
    """A ratings frame: every rater rates every cell `default` unless `grid` says otherwise."""
    comments = comments or {}
    rows = []
    for person_id, (rater, cells) in enumerate(grid.items(), start=1):
        for block, stage in CELLS:
            rows.append({
                "person_id": person_id, "rater": rater, "block": block, "stage": stage,
                "level": cells.get((block, stage), default),
                "comment": comments.get((rater, block, stage)), "evidence": None,
            })
    return pd.DataFrame(rows)


# A hand-made round of three raters.
ROUND = ratings(
    {
        "Ann": {("collaboration", "basics"): "strength", ("data", "basics"): "critical",
                ("employees", "excellence"): "critical", ("culture", "basics"): "progress"},
        "Ben": {("collaboration", "basics"): "strength", ("data", "basics"): "strength",
                ("employees", "excellence"): "critical", ("culture", "basics"): "critical"},
        "Cal": {("collaboration", "basics"): "strength", ("data", "basics"): "progress",
                ("employees", "excellence"): "progress", ("culture", "basics"): "progress"},
    },
    comments={("Ben", "data", "basics"): "=Our survey data is good", ("Ann", "data", "basics"): None},
)


def cell(summary, block, stage):
    return summary.set_index(["block", "stage"]).loc[(block, stage)]


def test_consensus_is_the_lower_median():
    assert consensus(["critical", "strength", "progress"]) == "progress"
    assert consensus(["strength", "strength", "critical", "critical"]) == "critical"
    assert consensus(["strength", "progress", "progress", "strength"]) == "progress"
    assert consensus(["strength"]) == "strength"


def test_disagreement_is_the_mean_distance_from_the_team_level():
    assert disagreement(["critical", "strength", "progress"]) == pytest.approx(2 / 3)
    assert disagreement(["strength", "strength", "critical", "critical"]) == 1.0
    assert disagreement(["progress"] * 4) == 0.0


def test_views_differ_when_the_team_is_divided_not_when_one_dissents():
    assert assessment.views_differ(["strength", "critical", "critical", "critical"])  # two steps apart
    assert assessment.views_differ(["progress", "progress", "critical", "critical"])  # even split
    assert assessment.views_differ(["progress", "critical"])
    assert not assessment.views_differ(["progress", "progress", "progress", "critical"])
    assert not assessment.views_differ(["strength"])
    assert not assessment.views_differ([])


def test_bad_levels_and_empty_cells_are_refused():
    with pytest.raises(ValueError, match="at least one rating"):
        consensus([])
    with pytest.raises(ValueError, match="Level: 'green'"):
        consensus(["green"])


def test_summary_of_a_hand_made_round():
    summary = summarise(ROUND)
    assert len(summary) == 15
    data = cell(summary, "data", "basics")
    assert (data["consensus"], data["n"], data["strength"], data["progress"], data["critical"]) == (
        "progress", 3, 1, 1, 1)
    assert data["spread"] == 2 and data["views_differ"]
    assert data["disagreement"] == pytest.approx(2 / 3)
    assert data["comments"] == (("Ben", "strength", "=Our survey data is good", ""),)
    agreed = cell(summary, "collaboration", "basics")
    assert (agreed["consensus"], agreed["disagreement"], agreed["views_differ"]) == ("strength", 0, False)
    assert cell(summary, "employees", "excellence")["consensus"] == "critical"


def test_unrated_cells_have_no_team_level():
    summary = summarise(ROUND[ROUND["block"] != "branding"])
    branding = cell(summary, "branding", "basics")
    assert branding["consensus"] is None and branding["n"] == 0
    assert team_map_table(summary).iloc[1, 1] == "– Not rated"


def test_discussion_list_walks_disagreement_then_criticality():
    order = discussion_list(summarise(ROUND))
    first = list(zip(order["block"], order["stage"], strict=True))[:3]
    # Widest split first; of the two one-step splits, the more critical one (mean 4/3) first.
    assert first == [("data", "basics"), ("employees", "excellence"), ("culture", "basics")]
    # Among agreed cells, "some progress" comes before the agreed strength, which is last.
    assert (order.iloc[-1]["block"], order.iloc[-1]["stage"]) == ("collaboration", "basics")
    assert order.iloc[0]["votes"] == "✓ 1 · ◐ 1 · ! 1"
    assert order.iloc[0]["team_level"] == "◐ Some progress"


def test_team_map_table_carries_words_symbols_and_the_disagreement_mark():
    table = team_map_table(summarise(ROUND))
    assert list(table.columns) == ["Building block", "Fix the basics", "Deliver consistently",
                                   "Customer excellence"]
    row = table.set_index("Building block")
    assert row.loc["Data-driven transformation", "Fix the basics"] == (
        "◐ Some progress (1 of 3), ≠ views differ")
    assert row.loc["Collaboration and integrated services", "Fix the basics"] == "✓ Strength (3 of 3)"
    # One dissenter among three is shown by the count, not marked as a divided team.
    assert row.loc["Employee empowerment", "Customer excellence"] == "! Critical focus (2 of 3)"


def test_comparing_two_rounds_counts_better_same_worse():
    later = ROUND.copy()
    later.loc[(later["block"] == "data") & (later["stage"] == "basics"), "level"] = "strength"
    later.loc[(later["block"] == "collaboration") & (later["stage"] == "basics"), "level"] = "critical"
    later.loc[(later["block"] == "branding") & (later["stage"] == "excellence"), "level"] = "strength"
    comparison = compare_rounds(summarise(ROUND), summarise(later))
    by_cell = comparison.set_index(["block", "stage"])["change"]
    assert by_cell[("data", "basics")] == "better"
    assert by_cell[("branding", "excellence")] == "better"
    assert by_cell[("collaboration", "basics")] == "worse"
    assert (comparison["change"] == "same").sum() == 12
    assert change_summary(comparison, "Q1 review") == (
        "2 cells improved since Q1 review, 1 got worse and 12 stayed the same.")
    table = assessment.comparison_table(comparison).set_index("Building block")
    assert table.loc["Data-driven transformation", "Fix the basics"] == (
        "↑ Better (◐ Some progress → ✓ Strength)")


def test_comparison_with_an_unrated_round_says_so():
    empty = summarise(ROUND.iloc[0:0])
    comparison = compare_rounds(empty, summarise(ROUND))
    assert set(comparison["change"]) == {"unrated"}
    assert "No cell has a team level" in change_summary(comparison, "Q1")
    one_block = summarise(ROUND[ROUND["block"] == "data"])
    text = change_summary(compare_rounds(one_block, summarise(ROUND)), "Q1")
    assert text == ("0 cells improved since Q1, 0 got worse and 3 stayed the same. "
                    "12 could not be compared because a round has no ratings for them.")


def test_an_incomplete_submission_names_the_missing_cells():
    entries = [RatingEntry(b, s, "progress") for b, s in CELLS
               if (b, s) not in {("branding", "basics"), ("culture", "excellence")}]
    entries.append(RatingEntry("culture", "excellence", None, "not sure yet"))
    with pytest.raises(IncompleteSubmission) as caught:
        check_complete(entries)
    assert caught.value.missing == (("branding", "basics"), ("culture", "excellence"))
    assert str(caught.value) == (
        "Not submitted: 2 cells have no level yet. Choose a level for Branding and shared values "
        "(Fix the basics); Culture change and leadership (Customer excellence).")


def test_entries_are_checked_cell_by_cell():
    with pytest.raises(ValueError, match="Cell: 'data' / 'later'"):
        check_complete([RatingEntry("data", "later", "progress")])
    with pytest.raises(ValueError, match="Level for Data-driven transformation – Fix the basics"):
        check_complete([RatingEntry("data", "basics", "amber")])
    with pytest.raises(ValueError, match="answered twice"):
        assessment.validate_entries([RatingEntry("data", "basics", None)] * 2)
    with pytest.raises(ValueError, match="Comment on Data-driven transformation – Fix the basics"):
        assessment.validate_entries([RatingEntry("data", "basics", None, "x" * 2001)])
    assert assessment.validate_entries([RatingEntry("data", "basics", None, "  hi ")])[0].comment == "hi"


@pytest.mark.parametrize("name, held_on, raters, field", [
    ("  ", date(2027, 1, 1), [1], "Round name"),
    ("Q1", None, [1], "Date"),
    ("Q1", date(2027, 1, 1), [], "Raters"),
])
def test_a_round_needs_a_name_a_date_and_raters(name, held_on, raters, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        validate_round(name, held_on, raters)


def test_xlsx_export_colours_cells_and_keeps_words_and_formula_safe_comments():
    summary = summarise(ROUND)
    book = openpyxl.load_workbook(__import__("io").BytesIO(team_map_xlsx(summary, "Team map: Q1")))
    sheet = book["Team map"]
    assert sheet["A1"].value == "Team map: Q1"
    assert [c.value for c in sheet[3]] == ["Building block", "Fix the basics", "Deliver consistently",
                                           "Customer excellence"]
    data_basics = sheet["B6"]  # the third block, first stage
    assert data_basics.value == "◐ Some progress (1 of 3), ≠ views differ"
    assert data_basics.fill.fgColor.rgb.endswith("E69F00")
    assert sheet["B4"].fill.fgColor.rgb.endswith("CFE6F6")
    cells = book["Cells"]
    comments = [row[-1].value for row in cells.iter_rows(min_row=4) if row[-1].value]
    assert comments == ["Ben (✓ Strength): =Our survey data is good"]


# ------------------------------------------------------------- invariants

level_lists = st.lists(st.sampled_from(CODES), min_size=1, max_size=12)


@given(level_lists)
def test_consensus_is_one_of_the_raters_levels(levels):
    assert consensus(levels) in levels


@given(level_lists, st.randoms())
def test_order_of_raters_does_not_matter(levels, random):
    shuffled = list(levels)
    random.shuffle(shuffled)
    assert consensus(shuffled) == consensus(levels)
    assert disagreement(shuffled) == pytest.approx(disagreement(levels))


@given(level_lists)
def test_disagreement_is_between_zero_and_one_and_zero_only_when_all_agree(levels):
    value = disagreement(levels)
    assert 0 <= value <= 1
    assert (value == 0) == (len(set(levels)) == 1)


@given(level_lists)
def test_unanimous_cells_never_differ_and_split_cells_always_do(levels):
    if len(set(levels)) == 1:
        assert not assessment.views_differ(levels)
    if {"strength", "critical"} <= set(levels):
        assert assessment.views_differ(levels)


@given(level_lists)
def test_at_least_half_the_raters_are_at_or_below_the_team_level(levels):
    scores = {lv.code: lv.score for lv in LEVELS}
    team = scores[consensus(levels)]
    assert sum(scores[lv] <= team for lv in levels) * 2 >= len(levels)
    assert sum(scores[lv] >= team for lv in levels) * 2 > len(levels) - 1


round_strategy = st.lists(
    st.lists(st.sampled_from(CODES), min_size=15, max_size=15), min_size=1, max_size=6
)
# summarise() takes a few tenths of a second per round, so the round-level properties
# try fewer examples than the profile's default.
round_settings = settings(max_examples=25)


def frame_from(levels_by_rater: list[list[str]]) -> pd.DataFrame:
    return ratings({f"R{i}": dict(zip(CELLS, levels, strict=True))
                    for i, levels in enumerate(levels_by_rater)})


@round_settings
@given(round_strategy, st.randoms())
def test_summary_does_not_depend_on_row_order(levels_by_rater, random):
    frame = frame_from(levels_by_rater)
    order = list(range(len(frame)))
    random.shuffle(order)
    pd.testing.assert_frame_equal(summarise(frame), summarise(frame.iloc[order]))


@round_settings
@given(round_strategy)
def test_discussion_list_is_ordered_by_its_stated_key(levels_by_rater):
    order = discussion_list(summarise(frame_from(levels_by_rater)))
    summary = summarise(frame_from(levels_by_rater)).set_index(["block", "stage"])
    keys = [(-summary.loc[(b, s), "disagreement"], -summary.loc[(b, s), "spread"],
             summary.loc[(b, s), "mean_score"]) for b, s in zip(order["block"], order["stage"], strict=True)]
    assert keys == sorted(keys) and len(order) == 15


@round_settings
@given(round_strategy, round_strategy)
def test_comparison_is_antisymmetric(first, second):
    a, b = summarise(frame_from(first)), summarise(frame_from(second))
    forward = compare_rounds(a, b)["change"].tolist()
    backward = compare_rounds(b, a)["change"].tolist()
    flip = {"better": "worse", "worse": "better", "same": "same"}
    assert backward == [flip[c] for c in forward]
    assert set(compare_rounds(a, a)["change"]) == {"same"}
