"""Surveys kept apart: two surveys of other kinds join the demo council without changing its Overview,
Trends can be scoped to each, and FFT and GovMetric figures carry intervals that an independent
calculation reproduces."""

from __future__ import annotations

import io
import math
import random
import re
import shutil
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from cx import measures, surveys, trends
from cx.edits import EditConflict
from cx.importers import inspect_export
from cx.importers.run import import_export
from cx.measures import MEASURES
from cx.migrations import MIGRATIONS, apply_migrations
from cx.overview import build_overview
from cx.store import Database
from cx.store.filters import Slice

from .conftest import ROOT, copy_demo

FFT_FILE = ROOT / "tests" / "fixtures" / "exports" / "friends-and-family-test_data.csv"
NOW = datetime(2026, 11, 15, 12, 0)
Z = 1.959963984540054


def govmetric_export(rows: int = 240, seed: int = 15) -> bytes:
    """A GovMetric-style feedback export: one row per face pressed, good / average / poor."""
    rng = random.Random(seed)
    start = datetime(2026, 8, 1, 9)
    lines = ["Reference,Date submitted,Service,Channel,Rating,Comments"]
    for i in range(rows):
        rating = rng.choices(["Good", "Average", "Poor"], weights=[5, 2, 3])[0]
        when = start + timedelta(hours=10 * i)  # into November, after the demo's newest answer
        service = rng.choice(["Waste and recycling", "Parking"])
        lines.append(f"GM{i:05d},{when:%d/%m/%Y %H:%M},{service},{rng.choice(['Web', 'Phone'])},{rating},"
                     f"{'Slow reply' if rating == 'Poor' else ''}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def headline_figures(store) -> dict:
    view = build_overview(store, "month")
    return {"period": view.period,
            "headlines": [(h.label, h.current.value, h.current.n, h.current.low, h.current.high)
                          for h in view.headlines],
            "responses": view.responses, "volume": view.monthly_volume.to_dict("list"),
            "kpis": [(k.definition.code, k.current.value, k.target) for k in view.contact_centre]}


@pytest.fixture(scope="module")
def imported(demo_db_path, tmp_path_factory):
    """A copy of the demo council with the real FFT export and a GovMetric-style file imported, made
    once for the module: (path, Overview figures before, FFT result, GovMetric result)."""
    path = copy_demo(demo_db_path, tmp_path_factory.mktemp("two_surveys"))
    database = Database(path)
    store = database.store()
    before = headline_figures(store)
    fft = import_export(store, inspect_export(FFT_FILE.read_bytes(), FFT_FILE.name), source=None,
                        uploaded_by="Analyst", now=NOW)
    gov = import_export(database.store(), inspect_export(govmetric_export(), "govmetric-feedback-2026.csv"),
                        source=None, uploaded_by="Analyst", now=NOW)
    database.close()
    return path, before, fft, gov


@pytest.fixture
def two_surveys(imported, tmp_path):
    """A private, writable copy of `imported`: (database, before, FFT result, GovMetric result)."""
    path, before, fft, gov = imported
    database = Database(shutil.copy(path, tmp_path / "two.duckdb"))
    yield database, before, fft, gov
    database.close()


def test_two_new_surveys_leave_the_overview_as_it_was(two_surveys):
    database, before, fft, gov = two_surveys
    store = database.store()
    assert fft.new > 3000 and gov.new == 240
    assert headline_figures(store) == before  # period too: the GovMetric answers run into November
    recorded = store.catalogue.all().set_index("source")
    assert recorded.loc[fft.source, "kind"] == "fft" and recorded.loc[gov.source, "kind"] == "govmetric"
    assert not recorded.loc[fft.source, "headline"] and not recorded.loc[gov.source, "headline"]
    names = recorded["name"].tolist()
    assert "Friends and family test" in names and "Govmetric feedback 2026" in names
    assert not any(re.search(r"[0-9a-f]{8}", name) for name in names)  # never a code
    assert sorted(recorded.loc[gov.source, "services"]) == []  # services are the analyst's to name


def test_marking_a_survey_headline_brings_its_measure_onto_the_overview(two_surveys):
    database, before, _, gov = two_surveys
    store = database.store()
    held = store.catalogue.get(gov.source)
    surveys.save_survey(store, gov.source, name="Council GovMetric", kind="govmetric",
                        services=["Parking"], headline=True, updated_by=None, now=NOW)
    labels = [h.label for h in build_overview(store, "month").headlines]
    assert labels[:3] == [h[0] for h in before["headlines"]]
    assert labels[3:] == ["Net satisfaction (GovMetric)"]
    assert store.catalogue.get(gov.source)["name"] == "Council GovMetric" != held["name"]
    with pytest.raises(ValueError, match="already called"):
        surveys.save_survey(store, gov.source, name="fenbridge RESIDENTS' transaction survey (demo)",
                            kind="govmetric", services=[], headline=True, updated_by=None, now=NOW)


def test_two_analysts_changing_one_survey_keep_both_changes_or_hear_of_the_clash(two_surveys):
    database, _, _, gov = two_surveys
    store = database.store()
    opened = {k: v for k, v in store.catalogue.get(gov.source).items() if k != "source"}
    surveys.save_survey(store, gov.source, **{**opened, "name": "Feedback terminals"}, based_on=opened,
                        updated_by=None, now=NOW)
    # The second analyst opened the form before that save and changed only the headline flag.
    surveys.save_survey(store, gov.source, **{**opened, "headline": True}, based_on=opened,
                        updated_by=None, now=NOW)
    held = store.catalogue.get(gov.source)
    assert held["name"] == "Feedback terminals" and held["headline"] is True
    with pytest.raises(EditConflict, match="Name: now “Feedback terminals”, yours “Kiosks”"):
        surveys.save_survey(store, gov.source, **{**opened, "name": "Kiosks"}, based_on=opened,
                            updated_by=None, now=NOW)
    surveys.save_survey(store, gov.source, **{**opened, "name": "Kiosks"}, based_on=opened, overwrite=True,
                        updated_by=None, now=NOW)
    assert store.catalogue.get(gov.source)["name"] == "Kiosks"


def test_trends_are_scoped_to_one_survey(two_surveys):
    database, _, fft, gov = two_surveys
    store = database.store()
    everything_fft = store.surveys.metrics(Slice(survey=(fft.source,)))
    assert int(everything_fft["responses"].iloc[0]) == fft.new
    assert int(everything_fft["nps_n"].iloc[0]) == 0 and int(everything_fft["csat_n"].iloc[0]) == 0
    monthly = store.surveys.metrics(Slice(survey=(gov.source,)), grain="month")
    assert int(monthly["govmetric_n"].sum()) == 240 and int(monthly["fft_n"].sum()) == 0
    services = store.surveys.values("service", Slice(headline_only=True))
    assert not any("Surgery" in s for s in services)
    assert any("Surgery" in s for s in store.surveys.values("service", Slice(survey=(fft.source,))))


def test_fft_figure_matches_an_independent_calculation(two_surveys):
    database, _, fft, _ = two_surveys
    row = trends.row_or_empty(database.store().surveys.metrics(Slice(survey=(fft.source,))))
    estimate = MEASURES["fft"].estimate(row)
    every_row = pd.read_csv(FFT_FILE, dtype=str, keep_default_na=False)
    # DESIGN: FFT % positive is over all answers, "Don't know" included. Over the file's 3,882 rows
    # that is 90.6% (3,517 of 3,882; 91.0% if the 19 "Don't know" were left out).
    assert round(100 * every_row["rating"].isin(["Extremely likely", "Likely"]).mean(), 1) == 90.6
    # The file has no response id and 153 rows repeat an earlier row exactly: each is imported once,
    # so the figure is over the 3,729 distinct rows (15 of them "Don't know").
    raw = every_row.drop_duplicates()
    answered = raw[raw["rating"].str.strip() != ""]
    assert set(answered["rating"]) == {"Extremely likely", "Likely", "Neither likely nor unlikely",
                                       "Unlikely", "Extremely unlikely", "Don't know"}
    positive = answered["rating"].isin(["Extremely likely", "Likely"]).sum()
    n = len(answered)
    assert (n, (answered["rating"] == "Don't know").sum()) == (3729, 15)
    assert estimate.n == n and estimate.value == pytest.approx(100 * positive / n)
    assert round(estimate.value, 1) == 90.3
    # Wilson bounds are the proportions p where the observed share is exactly z standard errors away:
    # (phat - p)^2 = z^2 p (1 - p) / n, solved as a quadratic in p.
    phat = positive / n
    roots = sorted(np.roots([1 + Z * Z / n, -(2 * phat + Z * Z / n), phat * phat]).real)
    assert (estimate.low, estimate.high) == pytest.approx((100 * roots[0], 100 * roots[1]), abs=1e-9)


def test_net_satisfaction_matches_an_independent_calculation(two_surveys):
    database, _, _, gov = two_surveys
    row = trends.row_or_empty(database.store().surveys.metrics(Slice(survey=(gov.source,))))
    estimate = MEASURES["govmetric"].estimate(row)
    raw = pd.read_csv(io.BytesIO(govmetric_export()))
    scores = raw["Rating"].map({"Good": 1.0, "Average": 0.0, "Poor": -1.0}).to_numpy()
    assert estimate.n == len(scores) and estimate.value == pytest.approx(100 * scores.mean())
    # Adjusted Wald: the answers plus 0.75 of a +1, 0.75 of a -1 and 1.5 of a 0, then mean ± z·sd/√(n+3).
    values = np.concatenate([scores, [1.0, -1.0, 0.0]])
    weights = np.concatenate([np.ones(len(scores)), [0.75, 0.75, 1.5]])
    centre = np.average(values, weights=weights)
    spread = np.average((values - centre) ** 2, weights=weights)
    margin = Z * math.sqrt(spread / weights.sum())
    assert (estimate.low, estimate.high) == pytest.approx((100 * (centre - margin), 100 * (centre + margin)))


def test_ces_is_reported_on_each_surveys_own_scale_and_never_pooled():
    five = pd.Series({"ces_n": 4, "ces_sum": 16.0, "ces_sumsq": 66.0, "ces_scale_low": 5, "ces_scale": 5})
    assert MEASURES["ces"].estimate(five).value == pytest.approx(4.0)  # not stretched to 5.5 on 1-7
    assert MEASURES["ces"].scale_words(five) == "Mean score (1 to 5)"
    mixed = five.copy()
    mixed["ces_scale_low"] = 5
    mixed["ces_scale"] = 7
    assert MEASURES["ces"].estimate(mixed).value is None
    assert "cannot be averaged" in MEASURES["ces"].scale_problem(mixed)


def test_kpi_targets_come_from_the_research_seed_and_none_is_invented(demo_copy):
    database = Database(demo_copy)
    store = database.store()
    targets = store.surveys.targets(["answered_within_20s", "abandoned", "first_contact_resolution",
                                     "average_wait_seconds", "employee_engagement"]).set_index("metric")
    assert targets["target"].to_dict() == {"abandoned": 5.0, "answered_within_20s": 80.0,
                                           "first_contact_resolution": 80.0}
    assert "Varney" in targets.loc["first_contact_resolution", "source_note"]
    assert "20 seconds" in targets.loc["answered_within_20s", "source_note"]
    measures.save_target(store.surveys, "average_wait_seconds", "Parking", 45, updated_by=None, now=NOW,
                         source_note="Parking service plan 2026")
    held = store.surveys.target("average_wait_seconds", "Parking")
    assert held["target"] == 45 and held["source_note"] == "Parking service plan 2026"
    assert trends.target_for(store.surveys.targets(), "average_wait_seconds", ("Parking",)) == 45
    assert trends.target_for(store.surveys.targets(), "average_wait_seconds") is None
    database.close()


def test_the_schema_step_turns_existing_sources_into_headline_surveys(tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    step = next(m for m in MIGRATIONS if m.name.startswith("surveys: name, kind"))
    apply_migrations(con, tuple(m for m in MIGRATIONS if m.number < step.number))
    con.execute("INSERT INTO upload_batches (kind, source, uploaded_at) VALUES ('responses', 'generic survey "
                "de9adcdb', TIMESTAMP '2026-01-01')")
    con.execute("INSERT INTO responses (batch_id, source, response_id, service, csat) VALUES "
                "(1, 'generic survey de9adcdb', 'a', 'Parking', 4), "
                "(1, 'generic survey de9adcdb', 'b', NULL, 5)")
    con.execute("INSERT INTO survey_targets VALUES ('csat', '', 85, TIMESTAMP '2026-01-01', NULL)")
    apply_migrations(con)
    rows = con.execute("SELECT source, kind, services, headline FROM surveys").fetchall()
    assert rows == [("generic survey de9adcdb", "post_contact", ["Parking"], True)]
    assert con.execute("SELECT metric, target FROM measure_targets ORDER BY metric").fetchall() == [
        ("abandoned", 5.0), ("answered_within_20s", 80.0), ("csat", 85.0), ("first_contact_resolution", 80.0)]
    con.close()


@pytest.mark.parametrize(("file_name", "tool", "expected"), [
    ("friends-and-family-test_data.csv", "generic", "Friends and family test"),
    ("Resident survey 2026.csv", "Qualtrics", "Resident survey 2026 (Qualtrics)"),
    ("export_2026-11-01.xlsx", "SurveyMonkey", "SurveyMonkey survey"),
    ("data.csv", "generic", "Survey"),
])
def test_proposed_names_read_like_names(file_name, tool, expected):
    assert surveys.propose_name(file_name, tool) == expected

