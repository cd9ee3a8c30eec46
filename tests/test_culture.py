"""The roadmap for cultural change: steps, statuses, checks and progress."""

from datetime import date, datetime

import pandas as pd
import pytest

from cx import culture

TODAY = date(2026, 11, 15)


def stored(rows):
    columns = ["step", "status", "owner_id", "owner", "step_date", "evidence", "updated_at",
               "updated_by_name"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["step"] = frame["step"].astype("int32")
    return frame


SAMPLE = stored([
    (1, "done", 3, "Amara", date(2026, 7, 1), "Agreed at away day", datetime(2026, 7, 2, 9), "Amara"),
    (4, "in_progress", None, None, date(2026, 11, 14), None, datetime(2026, 10, 1, 9), None),
    (6, "in_progress", 2, "Tom", date(2026, 11, 15), "Groups meet", datetime(2026, 10, 1, 9), "Tom"),
    (9, "done", None, None, date(2026, 1, 1), None, datetime(2026, 2, 1, 9), None),
    (10, "not_started", None, None, date(2026, 10, 1), None, datetime(2026, 2, 1, 9), None),
])


def test_eleven_numbered_steps_and_three_statuses_with_symbols():
    assert [s.number for s in culture.STEPS] == list(range(1, 12))
    assert len({s.title for s in culture.STEPS}) == 11
    tags = [culture.status(c).tag for c in culture.STATUS_CODES]
    assert tags == ["○ Not started", "◑ In progress", "● Done"]


@pytest.mark.parametrize("arguments, message", [
    ((12, "done", None, None, None), "^Step: choose a step from 1 to 11"),
    ((0, "done", None, None, None), "^Step: "),
    ((3, "finished", None, None, None), "^Status: choose one of Not started, In progress, Done"),
    ((3, "done", None, None, "x" * 2001),
     r"^Evidence: keep the note under 2,000 characters \(it has 2,001\)"),
])
def test_bad_updates_name_the_field(arguments, message):
    with pytest.raises(ValueError, match=message):
        culture.clean_update(*arguments)


def test_clean_update_trims_evidence_and_keeps_the_rest():
    update = culture.clean_update(5, "in_progress", 7, date(2027, 1, 31), "  Scheme drafted \n")
    assert update == culture.StepUpdate(5, "in_progress", 7, date(2027, 1, 31), "Scheme drafted")
    assert culture.clean_update(5, "done", None, None, "   ").evidence is None


def test_roadmap_fills_untouched_steps_and_marks_overdue_ones():
    steps = culture.roadmap(SAMPLE, TODAY)
    assert steps["step"].tolist() == list(range(1, 12))
    assert steps["status"].tolist() == ["done", "not_started", "not_started", "in_progress", "not_started",
                                        "in_progress", "not_started", "not_started", "done",
                                        "not_started", "not_started"]
    # Step 4 is in progress with yesterday's date; step 10 not started with a past date;
    # step 6's date is today (not yet late); done steps are never overdue.
    assert steps.loc[steps["overdue"], "step"].tolist() == [4, 10]
    assert steps.loc[0, "status_label"] == "● Done"


def test_progress_counts_and_sentence():
    progress = culture.progress(culture.roadmap(SAMPLE, TODAY))
    assert progress == culture.Progress(done=2, in_progress=2, not_started=7, overdue=2)
    assert progress.total == 11
    assert progress.share_done == pytest.approx(2 / 11)
    assert progress.sentence() == "2 of 11 steps done, 2 in progress, 7 not started (2 overdue)."
    nothing = culture.progress(culture.roadmap(stored([]), TODAY))
    assert nothing.sentence() == "0 of 11 steps done, 0 in progress, 11 not started."


def test_display_table_uses_words_and_flags_late_dates():
    table = culture.display_table(culture.roadmap(SAMPLE, TODAY))
    assert table.columns.tolist() == ["Step", "What the team does", "Status", "Owner", "Date", "Evidence"]
    first = table.iloc[0]
    assert first["What the team does"].startswith("Leadership team aligned: Agree, as one leadership team")
    assert (first["Status"], first["Owner"], first["Date"], first["Evidence"]) == (
        "● Done", "Amara", "1 Jul 2026", "Agreed at away day")
    assert table.iloc[3]["Date"] == "14 Nov 2026 ⚠ Overdue"
    assert table.iloc[5]["Date"] == "15 Nov 2026"
    assert table.iloc[1][["Owner", "Date", "Evidence"]].tolist() == ["", "", ""]


def test_step_record_gives_plain_values():
    steps = culture.roadmap(SAMPLE, TODAY)
    assert culture.step_record(steps, 6) == culture.StepRecord(
        6, "in_progress", 2, date(2026, 11, 15), "Groups meet", datetime(2026, 10, 1, 9), "Tom")
    assert culture.step_record(steps, 2) == culture.StepRecord(2, "not_started", None, None, None, None, None)
    with pytest.raises(ValueError, match="^Step: "):
        culture.step_record(steps, 12)
