"""The Roadmap's Impact tab shows the numbers the responses hold (computed here independently)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cx.demo_impact import IMPROVES, NO_CHANGE, TOO_FEW

from .apptest import open_page, query
from .test_impact import Z, answers, nps_by_hand, share_by_hand

TODAY = date.today()  # the page measures windows up to the real date


def raw_and_windows(path, spec):
    rows = query(path, "SELECT completed_at, service, channel, nps, csat, ces FROM responses")
    raw = pd.DataFrame(rows, columns=["completed_at", "service", "channel", "nps", "csat", "ces"])
    start, finished = query(path, "SELECT start_date, finished_on FROM roadmap_actions WHERE title = ?",
                            [spec.title])[0]
    days = spec.baseline_days
    before = (start - pd.Timedelta(days=days), start - pd.Timedelta(days=1))
    first = finished + pd.Timedelta(days=30)
    return raw, before, (first, min(first + pd.Timedelta(days=days - 1), TODAY))


def signed(value: float) -> str:
    return f"{'-' if value < 0 else '+'}{abs(value):.0f}" if abs(value) >= 1 else \
        f"{'-' if value < 0 else '+'}{abs(value):.1f}"


def impact_rows(at) -> pd.DataFrame:
    tables = [d.value for d in at.dataframe if "Against untouched services" in d.value.columns]
    done = [t for t in tables if IMPROVES.title in t["Action"].tolist()]
    assert len(done) == 1
    return done[0].set_index("Action")


def test_impact_tab_shows_before_after_and_change_as_computed_from_raw_rows(demo_copy):
    raw, before_window, after_window = raw_and_windows(demo_copy, IMPROVES)
    before = answers(raw, IMPROVES, before_window, "csat")
    after = answers(raw, IMPROVES, after_window, "csat")
    hand = share_by_hand(after, before)
    at = open_page("pages/roadmap.py", roadmap_tab="Impact")
    rows = impact_rows(at)
    row = rows.loc[IMPROVES.title]
    assert row["Before"].startswith(f"{100 * (before >= 4).mean():.0f}% (n = {len(before):,}, 95% interval")
    assert row["After"].startswith(f"{100 * (after >= 4).mean():.0f}% (n = {len(after):,}, 95% interval")
    low, high = hand["change"] - Z * hand["se"], hand["change"] + Z * hand["se"]
    assert row["Change"] == f"{signed(hand['change'])} points (95% interval {signed(low)} to {signed(high)})"
    assert row["Verdict"] == "▲ Significant improvement"
    # Sorted by size of effect: the clear improvement first, the too-few one after every verdict.
    order = rows.index.tolist()
    assert order[0] == IMPROVES.title and order.index(NO_CHANGE.title) < order.index(TOO_FEW.title)
    assert rows.loc[TOO_FEW.title, "Verdict"] == "⚠ Too few answers to judge"
    raw_nc, b_nc, a_nc = raw_and_windows(demo_copy, NO_CHANGE)
    nps = nps_by_hand(answers(raw_nc, NO_CHANGE, a_nc, "nps"), answers(raw_nc, NO_CHANGE, b_nc, "nps"))
    assert rows.loc[NO_CHANGE.title, "Verdict"] == "= No significant change" and nps["p"] >= 0.05
    chart_tables = [d.value for d in at.dataframe if "95% interval from" in d.value.columns]
    assert chart_tables and chart_tables[0]["Change"].iloc[0] == round(hand["change"], 1)


def test_a_leader_records_a_baseline_with_another_window(demo_copy):
    person = query(demo_copy, "SELECT person_id FROM people WHERE name = ?", ["Tom Hargreaves"])[0][0]
    action_id = query(demo_copy, "SELECT action_id FROM roadmap_actions WHERE title = ?",
                      [TOO_FEW.title])[0][0]
    at = open_page("pages/roadmap.py", person_id=person, roadmap_tab="Impact")
    at.selectbox(key="baseline-action").set_value(action_id)
    at.number_input(key="widget_view_baseline_days").set_value(60).run()
    at.button(key="baseline-record").click().run()
    assert not at.exception
    first, last, by = query(demo_copy, "SELECT window_start, window_end, recorded_by FROM roadmap_baselines "
                                       "WHERE action_id = ? AND grp = 'action'", [action_id])[0]
    assert (last - first).days + 1 == 60 and by == person
