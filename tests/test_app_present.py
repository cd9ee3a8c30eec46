"""The presentation views show the figures the Overview and the programme pages compute."""

from __future__ import annotations

from datetime import date

import duckdb
from streamlit.testing.v1 import AppTest

from cx import assessment, roadmap
from cx.heat_map import round_view
from cx.measures import MEASURES, NO_CHANGE, WORSE
from cx.metrics import Comparison
from cx.store import Database

from .apptest import metric
from .conftest import ROOT, copy_demo


def present(view: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/present.py")
    at.query_params["view"] = view
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(at: AppTest) -> str:
    return "\n".join(m.value.replace("\\", "") for m in at.markdown)


def test_first_view_shows_the_headlines_with_their_n(demo_db_path, app_env):
    app_env(demo_db_path)
    con = duckdb.connect(str(demo_db_path))
    nps = con.execute("SELECT nps FROM responses WHERE completed_at >= DATE '2026-10-01' "
                      "AND completed_at < DATE '2026-11-01' AND nps IS NOT NULL").df()["nps"]
    con.close()
    at = present("1")
    expected = round(100 * ((nps >= 9).mean() - (nps <= 6).mean()))
    assert metric(at, "Net Promoter Score").value == f"{expected:+d}"
    assert any(c.value.startswith(f"n = {len(nps):,} · 95% interval") for c in at.caption)
    assert "View 1 of 4: At a glance" in plain(at)


def test_heat_map_view_names_who_has_submitted_and_what_to_discuss_first(demo_db_path, app_env, tmp_path):
    app_env(demo_db_path)
    db = Database(copy_demo(demo_db_path, tmp_path))  # its own file: the app holds the shared one
    try:
        view = round_view(db.store(), today=date.today())
        first = assessment.discussion_list(view.summary).iloc[0]
        sentence = view.raters_sentence()
    finally:
        db.close()
    text = plain(present("3"))
    assert sentence in text
    assert f"1. {first.cell}: {first.team_level}" in text.replace("\n", " ")


def test_roadmap_view_lists_the_actions_that_need_attention(demo_db_path, app_env, tmp_path):
    app_env(demo_db_path)
    db = Database(copy_demo(demo_db_path, tmp_path))
    try:
        needing = roadmap.needs_attention(db.store().roadmap.actions(), date.today()).head(8)
    finally:
        db.close()
    text = plain(present("4"))
    assert len(needing) > 0
    for title in needing["title"]:
        assert title in text
    # A view number outside 1..4 shows the first view rather than failing.
    assert "View 1 of 4" in plain(present("99"))


def test_verdict_follows_the_measure_direction():
    worse_wait = MEASURES["abandoned"].verdict(Comparison(1.5, 4.0, True, "two-proportion z-test"))
    assert worse_wait is WORSE and worse_wait.tag == "▼ Significantly worse"
    assert MEASURES["csat"].verdict(Comparison(-3.0, -1.2, False, "two-proportion z-test")) is NO_CHANGE
