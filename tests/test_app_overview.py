"""The overview page shows the numbers the data holds (computed here independently)."""

from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from cx.store import Database

from .apptest import metric
from .apptest import open_page as run_app
from .test_store import load, responses


def expected_from_raw(path, start: str, end: str) -> dict:
    """NPS, CSAT and CES for [start, end) straight from the table with pandas."""
    con = duckdb.connect(str(path), read_only=False)
    raw = con.execute(
        "SELECT nps, csat, ces FROM responses WHERE completed_at >= ? AND completed_at < ?",
        [start, end],
    ).df()
    con.close()
    nps = raw["nps"].dropna()
    csat = raw["csat"].dropna()
    ces = raw["ces"].dropna()
    return {
        "nps": round(100 * ((nps >= 9).mean() - (nps <= 6).mean())),
        "nps_n": len(nps),
        "csat": round(100 * (csat >= 4).mean()),
        "csat_n": len(csat),
        "ces": round(ces.mean(), 1),
        "responses": len(raw),
    }


@pytest.mark.parametrize("grain, start, end", [
    ("month", "2026-10-01", "2026-11-01"),
    ("quarter", "2026-10-01", "2027-01-01"),
])
def test_headlines_equal_values_computed_from_raw_rows(demo_db_path, app_env, grain, start, end):
    app_env(demo_db_path)
    expected = expected_from_raw(demo_db_path, start, end)
    at = run_app(overview_grain=grain)
    assert metric(at, "Net Promoter Score").value == f"{expected['nps']:+d}"
    assert metric(at, "Satisfaction (CSAT)").value == f"{expected['csat']}%"
    assert metric(at, "Ease (CES").value == f"{expected['ces']:.1f}"
    assert metric(at, "Responses in").value == f"{expected['responses']:,}"
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f"n = {expected['nps_n']:,} · 95% interval") for c in captions)
    assert any(c.startswith(f"n = {expected['csat_n']:,} · 95% interval") for c in captions)


def test_contact_centre_headline_is_summed_across_services(demo_db_path, app_env):
    app_env(demo_db_path)
    con = duckdb.connect(str(demo_db_path))
    frame = con.execute(
        "SELECT metric, numerator, denominator FROM kpi_observations "
        "WHERE period_start = DATE '2026-10-01' AND metric IN ('answered_within_20s', 'abandoned')"
    ).df()
    targets = dict(con.execute("SELECT metric, target FROM measure_targets WHERE service = ''").fetchall())
    con.close()
    sums = frame.groupby("metric")[["numerator", "denominator"]].sum()
    at = run_app()
    captions = [c.value for c in at.caption]
    for code, label, better in (("answered_within_20s", "Calls answered within 20 seconds", "more"),
                                ("abandoned", "Calls abandoned", "less")):
        share = 100 * sums.loc[code, "numerator"] / sums.loc[code, "denominator"]
        assert metric(at, label).value == f"{share:.0f}%"
        target = targets[code]
        met = share >= target if better == "more" else share <= target
        verdict = f"{'✓ on' if met else '✗ off'} target (target {target:g}% or {better}) · "
        assert any(c.startswith(verdict) for c in captions), (verdict, captions)


def test_empty_database_explains_how_to_add_data(tmp_path, app_env):
    app_env(tmp_path / "empty.duckdb", demo=False)
    at = run_app()
    assert len(at.metric) == 0
    assert "no survey responses or contact-centre figures" in at.info[0].value


def test_small_samples_are_not_headlined(tmp_path, app_env):
    path = tmp_path / "small.duckdb"
    db = Database(path)
    load(db.store(), responses([(f"r{i}", datetime(2026, 10, 2), "Waste", 9, 5, 7) for i in range(12)]))
    db.close()
    app_env(path, min_n=30)
    at = run_app()
    assert metric(at, "Net Promoter Score").value == "Too few answers"
    assert any("from only 12 answers (minimum 30)" in c.value for c in at.caption)
    app_env(path, min_n=10)
    assert metric(run_app(), "Net Promoter Score").value == "+100"


def test_first_start_creates_the_file_with_the_demo(tmp_path, app_env):
    path = tmp_path / "fresh" / "placecx.duckdb"
    app_env(path, demo=True)
    at = run_app()
    assert path.exists()
    assert int(metric(at, "Responses in").value.replace(",", "")) > 1000
    assert pd.notna(metric(at, "Net Promoter Score").value)


def test_programme_at_a_glance_matches_the_tables(demo_db_path, app_env):
    app_env(demo_db_path)
    con = duckdb.connect(str(demo_db_path))
    done, total = con.execute(
        "SELECT count(*) FILTER (status = 'done'), count(*) FROM roadmap_actions WHERE NOT archived"
    ).fetchone()
    steps_done = con.execute("SELECT count(*) FROM culture_steps WHERE status = 'done'").fetchone()[0]
    needing = {title: "blocked" if status == "blocked" else f"overdue by {days} days"
               for title, status, days in con.execute(
                   "SELECT title, status, date_diff('day', due_date, current_date) FROM roadmap_actions "
                   "WHERE NOT archived "
                   "AND (status = 'blocked' OR (status <> 'done' AND due_date < current_date))"
               ).fetchall()}
    con.close()
    at = run_app()
    assert metric(at, "● Done roadmap actions").value == f"{done} of {total}"
    assert metric(at, "● Done culture-change steps").value == f"{steps_done} of 11"
    critical = int(metric(at, "! Critical focus cells").value.split(" of ")[0])
    assert 0 < critical < 15
    assert any("Heat-map round Q4 2026 review" in m.value.replace("\\", "") for m in at.markdown)
    # What needs attention: up to three of the overdue or blocked actions, each with its reason.
    texts = [m.value for m in at.markdown]
    listed = texts[texts.index("**What needs attention**") + 1].splitlines()
    assert len(listed) == min(3, len(needing)) > 0
    for line in listed:
        title = line[2:].split(":")[0].replace("\\", "")
        assert line.endswith(f"({needing[title]})"), line


def test_programme_glance_shows_without_survey_data(tmp_path, app_env):
    from cx.glance import build_glance
    from cx.store import Database

    path = tmp_path / "programme-only.duckdb"
    db = Database(path)
    store = db.store()
    assert build_glance(store, date(2026, 11, 1)).heat_map is None
    db.close()
    app_env(path)
    at = run_app()
    assert "no survey responses" in at.info[0].value
    assert not [m for m in at.metric if m.label.startswith("Net Promoter")]
