"""Working days: England and Wales bank holidays, and the due-date arithmetic of the response standard."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cx.working_days import add_working_days, bank_holidays, is_working_day, working_days_between

# GOV.UK's published list for England and Wales (www.gov.uk/bank-holidays), typed in by hand.
GOV_UK = {
    2024: ["2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25",
           "2024-12-26"],
    2025: ["2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25",
           "2025-12-26"],
    2026: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25",
           "2026-12-28"],
    2027: ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27",
           "2027-12-28"],
    2022: ["2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29",
           "2022-09-19", "2022-12-26", "2022-12-27"],
}


@pytest.mark.parametrize("year", sorted(GOV_UK))
def test_bank_holidays_match_the_published_list(year):
    assert sorted(bank_holidays(year)) == [date.fromisoformat(d) for d in GOV_UK[year]]


def test_due_dates_step_over_weekends_and_bank_holidays():
    # Thursday 24 December 2026: Christmas (Fri), the weekend, Boxing Day's substitute (Mon 28th).
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 5)  # New Year's Day is skipped too
    # Opened on a Saturday: one working day later is the Monday.
    assert add_working_days(date(2026, 11, 14), 1) == date(2026, 11, 16)
    # Opened on the Thursday before Easter 2026: Good Friday and Easter Monday do not count.
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert add_working_days(date(2026, 11, 16), 5) == date(2026, 11, 23)
    with pytest.raises(ValueError, match="at least one working day"):
        add_working_days(date(2026, 1, 5), 0)


@given(start=st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31)),
       days=st.integers(min_value=1, max_value=40))
def test_due_date_is_a_working_day_exactly_n_working_days_later(start, days):
    due = add_working_days(start, days)
    assert is_working_day(due)
    assert due > start
    # Counted independently, day by day: weekday and not in the published list.
    published = {date.fromisoformat(d) for year in GOV_UK.values() for d in year}
    span = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    if all(d.year in GOV_UK for d in span):
        assert sum(d.weekday() < 5 and d not in published for d in span) == days
    assert working_days_between(start, due) == days
    assert working_days_between(start, due - timedelta(days=1)) == days - 1
