"""Journey maps: checking and reordering grid rows, the template layout, the curve and the XLSX."""

import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cx import charts, journeys


def steps_frame(*stages, scores=None, pains=None):
    """Stored steps of one version, numbered from 1."""
    n = len(stages)
    frame = pd.DataFrame({
        "position": range(1, n + 1),
        "stage": list(stages),
        "goal": [f"goal {s}" for s in stages],
        "action": [None] * n,
        "channel": ["Web"] * n,
        "pain_points": pains or [None] * n,
        "emotions": [None] * n,
        "emotion_score": pd.array(scores or [None] * n, dtype="Int64"),
        "opportunities": [None] * n,
    })
    return frame


def grid(*stages):
    return journeys.editor_frame(steps_frame(*stages))


def test_editor_frame_keeps_the_stored_position_aside():
    frame = grid("A", "B")
    assert frame.columns.tolist() == ["original", *journeys.STEP_COLUMNS]
    assert frame["original"].tolist() == [1, 2]
    assert frame["position"].tolist() == [1, 2]


def test_unchanged_grid_gives_back_the_same_steps():
    stored = steps_frame("A", "B", "C", scores=[-2, 0, 2])
    arranged = journeys.arrange_steps(journeys.editor_frame(stored))
    pd.testing.assert_frame_equal(arranged, stored[list(journeys.STEP_COLUMNS)], check_dtype=False)


def test_blank_rows_are_dropped_and_new_rows_go_to_the_end():
    edited = grid("A", "B")
    edited["emotion_score"] = edited["emotion_score"].astype(object)
    edited.loc[len(edited)] = {"stage": "  ", "position": None}
    edited.loc[len(edited)] = {"stage": "New", "emotion_score": "+1"}
    arranged = journeys.arrange_steps(edited)
    assert arranged["stage"].tolist() == ["A", "B", "New"]
    assert arranged["position"].tolist() == [1, 2, 3]
    assert arranged["emotion_score"].tolist() == [pd.NA, pd.NA, 1]


def test_a_step_moved_up_lands_before_the_one_in_its_place():
    edited = grid("A", "B", "C", "D", "E")
    edited.loc[4, "position"] = 2
    assert journeys.arrange_steps(edited)["stage"].tolist() == ["A", "E", "B", "C", "D"]


def test_a_step_moved_down_lands_after_the_one_in_its_place():
    edited = grid("A", "B", "C", "D", "E")
    edited.loc[0, "position"] = 3
    assert journeys.arrange_steps(edited)["stage"].tolist() == ["B", "C", "A", "D", "E"]


def test_a_new_step_with_a_position_is_inserted_there_and_removed_steps_close_the_gap():
    edited = grid("A", "B", "C").drop(index=1)
    edited.loc[10] = {"stage": "New", "position": 1}
    arranged = journeys.arrange_steps(edited)
    assert arranged["stage"].tolist() == ["New", "A", "C"]
    assert arranged["position"].tolist() == [1, 2, 3]


@given(st.integers(2, 9).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n), st.integers(1, n))))
def test_moving_one_step_matches_taking_it_out_and_putting_it_back_at_that_place(case):
    n, source, target = case
    stages = [f"S{i}" for i in range(1, n + 1)]
    edited = grid(*stages)
    edited.loc[source - 1, "position"] = target
    expected = stages.copy()
    expected.insert(target - 1, expected.pop(source - 1))
    assert journeys.arrange_steps(edited)["stage"].tolist() == expected


def test_every_problem_is_listed_with_its_row_and_field():
    edited = grid("A", "B", "C", "D")
    edited.loc[0, "emotion_score"] = 5
    edited.loc[1, "stage"] = None
    edited["emotion_score"] = edited["emotion_score"].astype(object)
    edited.loc[2, "emotion_score"] = "very bad"
    edited.loc[3, "position"] = 0
    edited.loc[3, "emotions"] = "x" * 2001
    with pytest.raises(ValueError) as raised:
        journeys.arrange_steps(edited)
    assert str(raised.value).splitlines() == [
        "Row 1, Emotion score: enter a whole number from -2 (very negative) to +2 (very positive), "
        "or leave it empty.",
        "Row 2, Step name: give the step a short name.",
        "Row 3, Emotion score: enter a whole number from -2 (very negative) to +2 (very positive), "
        "or leave it empty.",
        "Row 4, Customer emotions: keep it under 2,000 characters (it has 2,001).",
        "Row 4, Position: enter a whole number of 1 or more, or leave it empty.",
    ]


@pytest.mark.parametrize("score", [1.5, -3, 3, float("inf"), True])
def test_scores_outside_the_scale_are_refused(score):
    edited = grid("A")
    edited["emotion_score"] = edited["emotion_score"].astype(object)
    edited.loc[0, "emotion_score"] = score
    with pytest.raises(ValueError, match="^Row 1, Emotion score"):
        journeys.arrange_steps(edited)


@pytest.mark.parametrize("score, expected", [(-2, -2), ("-1", -1), (0.0, 0), (" +2 ", 2)])
def test_scores_on_the_scale_are_accepted_in_any_form(score, expected):
    edited = grid("A")
    edited["emotion_score"] = edited["emotion_score"].astype(object)
    edited.loc[0, "emotion_score"] = score
    assert journeys.arrange_steps(edited)["emotion_score"].tolist() == [expected]


def test_labels_and_names():
    assert [journeys.emotion_label(s) for s in (-2, -1, 0, 1, 2, None)] == [
        "Very negative (\u22122)", "Negative (\u22121)", "Neutral (0)", "Positive (+1)",
        "Very positive (+2)", "Not scored"]
    assert journeys.version_label("to_be") == "To be"
    with pytest.raises(ValueError, match="^Version: choose As is or To be"):
        journeys.version_label("was")
    assert journeys.clean_name("  Report   a missed bin ") == "Report a missed bin"
    with pytest.raises(ValueError, match="^Journey name: give the journey a name"):
        journeys.clean_name("   ")
    with pytest.raises(ValueError, match=r"^Journey name: keep it under 120 characters \(it has 121\)"):
        journeys.clean_name("x" * 121)


def test_template_frame_has_a_row_per_field_and_a_column_per_step():
    stored = steps_frame("Find out", "Apply", scores=[None, -1], pains=["No internet", None])
    table = journeys.template_frame(stored.iloc[::-1])
    assert table.columns.tolist() == ["Stages", "Step 1", "Step 2"]
    assert table["Stages"].tolist() == ["Step name", "Customer goals", "Customer action",
                                        "Channel/touch point", "Pain points", "Customer emotions",
                                        "Emotion score", "Opportunities to improve"]
    assert table["Step 1"].tolist() == ["Find out", "goal Find out", "", "Web", "No internet", "",
                                        "Not scored", ""]
    assert table.loc[6, "Step 2"] == "Negative (\u22121)"


def two_versions():
    as_is = steps_frame("Find out", "Ring", "Apply", scores=[0, -2, None],
                        pains=["No web", "<b>Wrong</b>", None])
    to_be = steps_frame("Told", "Apply", scores=[1, 2])
    return pd.concat([to_be.assign(version="to_be"), as_is.assign(version="as_is")], ignore_index=True)


def test_curve_frame_puts_as_is_first_and_flags_pain_points():
    curve = journeys.curve_frame(two_versions())
    assert curve["version"].tolist() == ["As is"] * 3 + ["To be"] * 2
    assert curve["position"].tolist() == [1, 2, 3, 1, 2]
    assert curve["emotion_score"].tolist() == [0, -2, pd.NA, 1, 2]
    assert curve["pain_point"].tolist() == [True, True, False, False, False]
    assert curve["feeling"].tolist()[:3] == ["Neutral (0)", "Very negative (\u22122)", "Not scored"]
    table = journeys.curve_table(curve)
    assert table["Pain point"].tolist()[:3] == ["✕ Pain point", "✕ Pain point", "None recorded"]


def test_emotion_curve_draws_each_version_and_marks_pain_points_by_shape():
    fig = charts.emotion_curve(journeys.curve_frame(two_versions()))
    lines = {trace.name: trace for trace in fig.data}
    assert list(lines) == ["As is", "To be", "Pain point"]
    assert list(lines["As is"].y) == [0, -2, None]
    assert list(lines["To be"].x) == [1, 2]
    assert lines["As is"].line.dash != lines["To be"].line.dash
    assert lines["As is"].marker.symbol != lines["To be"].marker.symbol
    pains = lines["Pain point"]
    assert (list(pains.x), list(pains.y)) == ([1, 2], [0, -2])
    assert pains.marker.symbol == "x-thin-open"
    assert pains.customdata[1][2] == "&lt;b&gt;Wrong&lt;/b&gt;"
    assert fig.layout.title.text == "How the customer feels at each step of the journey"
    assert fig.layout.xaxis.title.text == "Step in the journey"
    assert list(fig.layout.yaxis.ticktext)[0] == "Very negative −2"


def test_journey_xlsx_is_laid_out_like_the_template_and_formula_safe():
    steps = two_versions()
    steps.loc[steps["stage"] == "Ring", "opportunities"] = "=HYPERLINK(\"http://x\",\"click\")"
    book = openpyxl.load_workbook(io.BytesIO(journeys.journey_xlsx("Claim a discount", "For carers", steps)))
    assert book.sheetnames == ["As is", "To be"]
    sheet = book["As is"]
    assert sheet["A1"].value == "Claim a discount: as is · For carers"
    assert [c.value for c in sheet[3]] == ["Stages", "Step 1", "Step 2", "Step 3"]
    assert [sheet.cell(row=r, column=1).value for r in range(4, 12)] == [
        f.label for f in journeys.FIELDS]
    assert sheet["B4"].value == "Find out"
    assert sheet["C8"].value == "<b>Wrong</b>"
    assert sheet["C11"].value == "'=HYPERLINK(\"http://x\",\"click\")"
    assert sheet["C11"].data_type == "s"
    assert sheet["C10"].value == "Very negative (\u22122)"
    assert sheet["A5"].font.bold and sheet["C5"].alignment.wrap_text
    assert sheet.freeze_panes == "B4"
    assert book["To be"]["C4"].value == "Apply"


def test_journey_xlsx_says_when_a_version_has_no_steps():
    only_as_is = two_versions().query("version == 'as_is'")
    book = openpyxl.load_workbook(io.BytesIO(journeys.journey_xlsx("Claim", None, only_as_is)))
    assert book["To be"]["A1"].value == "Claim: to be (no steps yet)"
    assert [c.value for c in book["To be"][3]] == ["Stages"]


@given(st.lists(st.one_of(st.none(), st.integers(1, 12)), min_size=1, max_size=10))
def test_any_typed_positions_give_a_reordering_numbered_from_one(positions):
    stages = [f"S{i}" for i in range(1, len(positions) + 1)]
    edited = grid(*stages)
    edited["position"] = pd.array(positions, dtype="Int64")
    arranged = journeys.arrange_steps(edited)
    assert sorted(arranged["stage"]) == sorted(stages)
    assert arranged["position"].tolist() == list(range(1, len(stages) + 1))
    again = journeys.arrange_steps(journeys.editor_frame(arranged))
    assert again["stage"].tolist() == arranged["stage"].tolist()
