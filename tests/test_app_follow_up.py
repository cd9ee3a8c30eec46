"""The Follow-up page (AppTest): the numbers it shows equal counts taken straight from the database."""

from __future__ import annotations

import math
from datetime import date

from .apptest import metric, open_page, query, table, texts

TODAY = date.today()  # the page judges "overdue" against the real date


def _person(path, name: str) -> int:
    return query(path, "SELECT person_id FROM people WHERE name = ?", [name])[0][0]


def _wilson_percent(successes: int, n: int) -> tuple[int, int]:
    z = 1.959963984540054
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return round(100 * (centre - half)), round(100 * (centre + half))


def test_the_page_shows_my_cases_overdue_first_and_the_teams_share_within_the_standard(demo_copy):
    tom = _person(demo_copy, "Tom Hargreaves")
    at = open_page("pages/follow_up.py", person_id=tom)
    (open_mine, overdue_mine), = query(
        demo_copy, "SELECT count(*) FILTER (WHERE closed_on IS NULL), "
        "count(*) FILTER (WHERE closed_on IS NULL AND due_on < ?) FROM follow_up_cases WHERE owner_id = ?",
        [TODAY, tom])
    assert open_mine > 0 and overdue_mine > 0
    assert metric(at, "Open cases you own").value == str(open_mine)
    assert metric(at, "Of them overdue").value == str(overdue_mine)
    mine = table(at, "Case", "Due", "Status")
    assert all("Overdue" in s for s in mine["Status"].head(overdue_mine))
    assert not any("Overdue" in s for s in mine["Status"].iloc[overdue_mine:])

    (decided, within), = query(
        demo_copy, "SELECT count(*) FILTER (WHERE closed_on IS NOT NULL OR due_on < ?), "
        "count(*) FILTER (WHERE closed_on <= due_on) FROM follow_up_cases", [TODAY])
    assert metric(at, "% closed within the standard").value == f"{100 * within / decided:.0f}%"
    low, high = _wilson_percent(within, decided)
    line = next(t for t in texts(at) if t.startswith("% closed within the standard"))
    assert f"95% interval {low}% to {high}%" in line and f"n = {decided:,}" in line

    services = table(at, "Service", "Cases").set_index("Service")
    (highways, closed_on_time, highways_decided), = query(
        demo_copy, "SELECT count(*), count(*) FILTER (WHERE closed_on <= due_on), "
        "count(*) FILTER (WHERE closed_on IS NOT NULL OR due_on < ?) FROM follow_up_cases "
        "WHERE service = 'Highways'", [TODAY])
    assert services.loc["Highways", "Cases"] == highways
    assert services.loc["Highways", "n (closed or past due)"] == highways_decided
    assert services.loc["Highways", "% closed within the standard"] == \
        f"{100 * closed_on_time / highways_decided:.0f}%"
    # Open mode is one person on one machine, who sees the contact details of their own case.
    assert any("@example.org" in t for t in texts(at))


def test_saving_a_case_records_the_change_and_who_made_it(demo_copy):
    tom = _person(demo_copy, "Tom Hargreaves")
    at = open_page("pages/follow_up.py", person_id=tom)
    case_id = at.selectbox(key=f"case-choice-mine-{tom}").value
    at.radio(key=f"case-{case_id}-status").set_value("resolved")
    at.text_area(key=f"case-{case_id}-outcome").input("Called back; crew returned the same day.")
    at.button(key=f"case-save-{case_id}").click().run()
    assert not at.exception
    assert query(demo_copy, "SELECT status, outcome, closed_on FROM follow_up_cases WHERE case_id = ?",
                 [case_id]) == [("resolved", "Called back; crew returned the same day.", TODAY)]
    changes = query(demo_copy, "SELECT changed_by, field, new_value FROM case_changes WHERE case_id = ? "
                    "ORDER BY change_id DESC LIMIT 2", [case_id])
    assert (tom, "Status", "● Resolved") in changes
