"""Operational KPI uploads: one row per month and service, counts become numerator/denominator pairs."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from cx.importers import inspect_export, validate_export
from cx.importers.kpi import _periods, produced_kpis
from cx.importers.run import ImportRefused, import_export

from .test_upload_import import csv_bytes

NOW = datetime(2026, 11, 20, 9, 30)
HEADER = ["Month", "Service", "Calls offered", "Calls answered", "Answered within 20s", "Abandoned"]
ROWS = [
    ["2026-09", "Waste", "1,000", "950", "800", "50"],
    ["2026-09", "Parking", "400", "390", "300", "10"],
    ["2026-10", "Waste", "1,200", "1,100", "900", "100"],
]


def kpi_file(rows=ROWS) -> bytes:
    return csv_bytes([HEADER, *rows])


def test_a_contact_centre_sheet_is_recognised_as_kpis():
    inspection = inspect_export(kpi_file(), "calls.csv")
    assert inspection.kind == "kpi"
    roles = inspection.mapping.roles
    assert (roles["period"], roles["service"], roles["calls_offered"], roles["answered_within_20s"]) \
        == ("Month", "Service", "Calls offered", "Answered within 20s")
    assert produced_kpis(roles) == ["answered_within_20s", "abandoned"]


def test_kpis_import_as_summable_ratios(store):
    result = import_export(store, inspect_export(kpi_file(), "calls.csv"), source="Contact centre",
                           uploaded_by=None, now=NOW)
    assert (result.new, result.duplicate, result.rejected) == (3, 0, 0)
    totals = store.surveys.kpi_totals(["answered_within_20s", "abandoned"])
    september = totals[totals["period"] == pd.Timestamp("2026-09-01")].set_index("metric")
    # (800 + 300) / (1000 + 400), never the mean of 80% and 75%.
    assert september.loc["answered_within_20s", ["numerator", "denominator"]].tolist() == [1100, 1400]
    assert september.loc["abandoned", ["numerator", "denominator"]].tolist() == [60, 1400]
    assert store.uploads.history().loc[0, "kind"] == "kpi"


def test_reuploading_kpis_adds_nothing_and_a_new_month_is_new(store):
    import_export(store, inspect_export(kpi_file(), "calls.csv"), source="cc", uploaded_by=None, now=NOW)
    again = import_export(store, inspect_export(kpi_file([*ROWS, ["2026-11", "Waste", "900", "880", "850",
                                                                  "20"]]), "calls2.csv"),
                          source="cc", uploaded_by=None, now=NOW)
    assert (again.new, again.duplicate, again.rejected) == (1, 3, 0)
    assert store.surveys.freshness().kpi_observations == 8


def test_bad_counts_and_periods_are_named(store):
    rows = [*ROWS, ["Sometime", "Waste", "1", "1", "1", "0"], ["2026-12", "Waste", "lots", "1", "1", "0"]]
    inspection = inspect_export(kpi_file(rows), "calls.csv")
    result = validate_export(inspection)
    assert [p.sentence() for p in result.problems] == [
        "line 5, column 'Month': 'Sometime' is not a month, quarter or date",
        "line 6, column 'Calls offered': 'lots' is not a count of 0 or more",
    ]
    before = store.admin.table_counts()
    with pytest.raises(ImportRefused):
        import_export(store, inspection, source="cc", uploaded_by=None, now=NOW)
    assert store.admin.table_counts() == before


def test_a_mapping_without_a_complete_ratio_is_refused_with_the_reason():
    inspection = inspect_export(kpi_file(), "calls.csv")
    mapping = inspection.mapping
    mapping.roles["calls_offered"] = None
    with pytest.raises(ValueError, match="Measures: no KPI can be worked out"):
        validate_export(inspection, mapping)


@pytest.mark.parametrize("text, grain, start", [
    ("2026-10", "month", date(2026, 10, 1)), ("Oct 2026", "month", date(2026, 10, 1)),
    ("October 2026", "month", date(2026, 10, 1)), ("15/10/2026", "month", date(2026, 10, 1)),
    ("2026 Q3", "quarter", date(2026, 7, 1)), ("Q4 2026", "quarter", date(2026, 10, 1)),
    ("2026-10-15", "quarter", date(2026, 10, 1)), ("2026-10-15", "week", date(2026, 10, 12)),
])
def test_periods_start_on_the_first_day(text, grain, start):
    assert _periods(pd.Series([text]), grain).iloc[0] == start


def test_survey_files_are_not_taken_for_kpis():
    content = csv_bytes([["id", "Satisfaction", "Date"], ["1", "5", "2026-10-01"]])
    inspection = inspect_export(content, "s.csv")
    assert inspection.kind == "responses"
