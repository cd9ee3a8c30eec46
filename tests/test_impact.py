"""Baselines and before-and-after evidence, checked against calculations done here from first principles."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cx import evidence_charts, impact, metrics, roadmap
from cx.__main__ import main
from cx.demo_impact import IMPROVES, NO_CHANGE, TOO_FEW
from cx.roadmap import ActionInput
from cx.store import Database

from .apptest import query
from .conftest import DEMO_TODAY
from .test_store import load

Z = 1.959963984540054
MIN_N = 30


# ------------------------------------------------------------ by hand


def two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def nps_by_hand(after: np.ndarray, before: np.ndarray) -> dict:
    """Each answer scores +1 (9-10), -1 (0-6) or 0; NPS is 100 x the mean score."""
    a = np.where(after >= 9, 1.0, np.where(after <= 6, -1.0, 0.0))
    b = np.where(before >= 9, 1.0, np.where(before <= 6, -1.0, 0.0))
    change = 100 * (a.mean() - b.mean())
    se = 100 * math.sqrt(a.var() / len(a) + b.var() / len(b))  # population variance of the score
    return {"change": change, "se": se, "z": change / se, "p": two_sided(change / se)}


def share_by_hand(after: np.ndarray, before: np.ndarray) -> dict:
    """Two-proportion z-test (pooled) and the unpooled interval, CSAT = share of 4s and 5s."""
    a, b = (after >= 4).astype(float), (before >= 4).astype(float)
    pooled = np.concatenate([a, b]).mean()
    change = 100 * (a.mean() - b.mean())
    test_se = 100 * math.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))
    se = 100 * math.sqrt(a.var() / len(a) + b.var() / len(b))
    return {"change": change, "se": se, "z": change / test_se, "p": two_sided(change / test_se)}


def welch_by_hand(after: np.ndarray, before: np.ndarray) -> dict:
    change = after.mean() - before.mean()
    se = math.sqrt(after.var(ddof=1) / len(after) + before.var(ddof=1) / len(before))
    return {"change": change, "se": se, "z": change / se, "p": two_sided(change / se)}


def expected_verdict(n_before: int, n_after: int, by_hand: dict) -> str:
    if min(n_before, n_after) < MIN_N:
        return "too_few"
    if by_hand["p"] >= 0.05:
        return "no_change"
    return "improved" if by_hand["change"] > 0 else "worsened"


def test_differences_equal_the_hand_formulas():
    rng = np.random.default_rng(7)
    after, before = rng.integers(0, 11, 400), rng.integers(0, 11, 350)
    found = metrics.nps_difference((int((after >= 9).sum()), int((after <= 6).sum()), 400),
                                   (int((before >= 9).sum()), int((before <= 6).sum()), 350))
    hand = nps_by_hand(after, before)
    assert found.change == pytest.approx(hand["change"]) and found.se == pytest.approx(hand["se"])
    assert (found.low, found.high) == pytest.approx(
        (hand["change"] - Z * hand["se"], hand["change"] + Z * hand["se"]))
    assert found.p == pytest.approx(hand["p"])
    after, before = rng.integers(1, 6, 300), rng.integers(1, 6, 280)
    found = metrics.proportion_difference((int((after >= 4).sum()), 300), (int((before >= 4).sum()), 280))
    hand = share_by_hand(after, before)
    assert (found.change, found.se, found.z, found.p) == pytest.approx(
        (hand["change"], hand["se"], hand["z"], hand["p"]))
    after, before = rng.integers(1, 8, 90).astype(float), rng.integers(2, 8, 120).astype(float)
    found = metrics.mean_difference((after.sum(), (after ** 2).sum(), 90),
                                    (before.sum(), (before ** 2).sum(), 120))
    hand = welch_by_hand(after, before)
    assert (found.change, found.se, found.p) == pytest.approx((hand["change"], hand["se"], hand["p"]))


@given(st.floats(-50, 50), st.floats(0.1, 20), st.floats(-50, 50), st.floats(0.1, 20))
def test_difference_in_differences_adds_the_variances(change_a, se_a, change_b, se_b):
    a = metrics._difference(change_a, se_a, "t")
    b = metrics._difference(change_b, se_b, "t")
    did = metrics.difference_in_differences(a, b)
    se = math.sqrt(se_a ** 2 + se_b ** 2)
    assert did.change == pytest.approx(change_a - change_b)
    assert (did.low, did.high) == pytest.approx((change_a - change_b - Z * se, change_a - change_b + Z * se))
    assert did.significant == (did.low > 0 or did.high < 0)


# ------------------------------------------------------------ the demo council


@pytest.fixture(scope="module")
def demo_file(demo_db_path, tmp_path_factory):
    return shutil.copy(demo_db_path, tmp_path_factory.mktemp("impact") / "demo.duckdb")


@pytest.fixture(scope="module")
def raw(demo_file) -> pd.DataFrame:
    rows = query(demo_file, "SELECT completed_at, service, channel, nps, csat, ces FROM responses")
    return pd.DataFrame(rows, columns=["completed_at", "service", "channel", "nps", "csat", "ces"])


@pytest.fixture(scope="module")
def found(demo_file) -> dict[str, impact.Impact]:
    db = Database(demo_file)
    try:
        return {item.title: item for item in impact.impacts(db.store(), DEMO_TODAY, min_n=MIN_N)}
    finally:
        db.close()


def windows(demo_file, title: str, days: int) -> tuple[tuple[date, date], tuple[date, date]]:
    """The baseline and after windows, from the action's own dates, by the rules in the README."""
    start, finished = query(demo_file, "SELECT start_date, finished_on FROM roadmap_actions WHERE title = ?",
                            [title])[0]
    before = (start - timedelta(days=days), start - timedelta(days=1))
    first = finished + timedelta(days=impact.SETTLE_DAYS)
    return before, (first, min(first + timedelta(days=days - 1), DEMO_TODAY))


def answers(raw, spec, window, column, *, others=False) -> np.ndarray:
    stamps = raw["completed_at"]
    inside = (stamps >= pd.Timestamp(window[0])) & (stamps < pd.Timestamp(window[1]) + pd.Timedelta(days=1))
    service = raw["service"] != spec.service if others else raw["service"] == spec.service
    rows = raw[inside & service & raw["service"].notna() & (raw["channel"] == spec.channel)]
    return rows[column].dropna().to_numpy(dtype=float)


CASES = [(IMPROVES, "csat", share_by_hand, "improved"), (NO_CHANGE, "nps", nps_by_hand, "no_change"),
         (TOO_FEW, "nps", nps_by_hand, "too_few")]


@pytest.mark.parametrize("spec, column, by_hand, verdict", CASES, ids=["improves", "no-change", "too-few"])
def test_each_demo_verdict_matches_an_independent_calculation(demo_file, raw, found, spec, column, by_hand,
                                                             verdict):
    before_window, after_window = windows(demo_file, spec.title, spec.baseline_days)
    before, after = answers(raw, spec, before_window, column), answers(raw, spec, after_window, column)
    hand = by_hand(after, before)
    item = found[spec.title]
    assert (item.before.first, item.before.last) == before_window
    assert (item.after.first, item.after.last) == after_window
    assert (item.before.estimate.n, item.after.estimate.n) == (len(before), len(after))
    assert item.difference.change == pytest.approx(hand["change"])
    assert (item.difference.low, item.difference.high) == pytest.approx(
        (hand["change"] - Z * hand["se"], hand["change"] + Z * hand["se"]))
    assert item.difference.p == pytest.approx(hand["p"])
    assert expected_verdict(len(before), len(after), hand) == verdict == item.verdict


def test_difference_in_differences_against_untouched_services(demo_file, raw, found):
    before_window, after_window = windows(demo_file, IMPROVES.title, IMPROVES.baseline_days)
    mine = share_by_hand(answers(raw, IMPROVES, after_window, "csat"),
                         answers(raw, IMPROVES, before_window, "csat"))
    others = share_by_hand(answers(raw, IMPROVES, after_window, "csat", others=True),
                           answers(raw, IMPROVES, before_window, "csat", others=True))
    change = mine["change"] - others["change"]
    se = math.sqrt(mine["se"] ** 2 + others["se"] ** 2)
    did = found[IMPROVES.title].did
    assert (did.change, did.low, did.high) == pytest.approx((change, change - Z * se, change + Z * se))
    assert did.significant and did.low > 0
    assert "evidence, not proof" in found[IMPROVES.title].did_sentence


def test_too_few_answers_are_greyed_and_given_no_verdict(found):
    item = found[TOO_FEW.title]
    assert item.did is None and not item.judged
    assert item.sentence.startswith("Too few answers to judge")
    points = impact.chart_points([item])
    assert points["reliable"].tolist() == [False]
    row = impact.impact_table([item]).iloc[0]
    assert row["Verdict"] == impact.VERDICTS["too_few"]


def test_impact_view_sorts_done_actions_by_size_of_effect(demo_file):
    db = Database(demo_file)
    try:
        done = impact.done_impacts(db.store(), DEMO_TODAY, min_n=MIN_N)
    finally:
        db.close()
    judged = [item for item in done if item.judged]
    effects = [item.effect for item in judged]
    assert effects == sorted(effects, reverse=True) and judged[0].title == IMPROVES.title
    assert all(item.status == "done" for item in done)
    assert [item.verdict for item in done[len(judged):]].count("too_few") == 1


def test_cli_prints_each_linked_action_as_json(demo_file, found, capsys):
    assert main(["impact", "--db", str(demo_file), "--json"]) == 0
    printed = {a["title"]: a for a in json.loads(capsys.readouterr().out)["actions"]}
    for spec, verdict in ((IMPROVES, "improved"), (NO_CHANGE, "no_change"), (TOO_FEW, "too_few")):
        action, item = printed[spec.title], found[spec.title]
        assert action["verdict"] == verdict
        assert action["baseline"]["n"] == item.before.estimate.n
        assert action["baseline"]["value"] == pytest.approx(item.before.estimate.value)
        assert action["after"]["value"] == pytest.approx(item.after.estimate.value)
        assert (action["difference"]["low"], action["difference"]["high"]) == pytest.approx(
            (item.difference.low, item.difference.high))
    assert printed[IMPROVES.title]["difference_in_differences"]["significant"] is True
    assert printed[TOO_FEW.title]["difference_in_differences"] is None


# ------------------------------------------------------------ baselines stay put


NOW = datetime(2026, 6, 1, 9)


def answers_frame(prefix: str, day: date, count: int, csat: int) -> pd.DataFrame:
    frame = pd.DataFrame({"response_id": [f"{prefix}{i}" for i in range(count)],
                          "completed_at": [datetime.combine(day, datetime.min.time())
                                           + timedelta(hours=10)] * count,
                          "service": "Parking", "channel": "Web", "csat": csat})
    frame["csat"] = frame["csat"].astype("UInt8")
    return frame


def test_baseline_is_stored_when_the_action_starts_and_later_imports_do_not_move_it(store):
    load(store, answers_frame("a", date(2026, 3, 10), 40, 2))
    with store.transaction():
        ann = store.people.add("Ann Example", None, now=NOW)
        action_id = roadmap.create_action(store, ActionInput(
            "Simpler permits", "basics", ("data",), ann, "not_started", date(2026, 4, 1), date(2026, 5, 1),
            metric="csat", services=("Parking",), channels=("Web",)), by=ann, now=datetime(2026, 3, 20))
    assert store.roadmap.baselines().empty  # not started yet
    current = roadmap.load_action(store.roadmap, action_id)
    roadmap.update_action(store, action_id, replace_status(current, "in_progress"), by=ann, now=NOW)
    held = store.roadmap.baselines()
    assert held[["grp", "csat_n", "csat_satisfied"]].values.tolist() == [["action", 40, 0],
                                                                          ["comparison", 0, 0]]
    load(store, answers_frame("b", date(2026, 3, 11), 10, 5), source="late export")
    item = impact.impacts(store, date(2026, 6, 1), min_n=MIN_N)[0]
    assert item.before.estimate.n == 40 and item.before.estimate.value == 0
    assert "10 answers for those dates have been imported" in item.baseline_note
    impact.record_baseline(store, action_id, by=ann, now=NOW)
    item = impact.impacts(store, date(2026, 6, 1), min_n=MIN_N)[0]
    assert item.before.estimate.n == 50 and item.before.estimate.value == pytest.approx(20.0)
    assert "imported" not in item.baseline_note
    assert "Baseline" in store.roadmap.history(action_id)["field"].tolist()


def replace_status(action: ActionInput, status: str) -> ActionInput:
    return replace(action, status=status)


def test_a_running_app_answers_a_handed_over_impact_request_as_the_command_would(database, tmp_path):
    from cx.commands import impact_facts
    from cx.inbox import InboxWorker, Request, write_atomically

    store = database.store()
    load(store, answers_frame("a", date(2026, 3, 10), 40, 2))
    with store.transaction():
        ann = store.people.add("Ann Example", None, now=NOW)
        roadmap.create_action(store, ActionInput(
            "Simpler permits", "basics", ("data",), ann, "in_progress", date(2026, 4, 1), date(2026, 5, 1),
            metric="csat", services=("Parking",)), by=ann, now=NOW)
    worker = InboxWorker(database, tmp_path / "inbox", settle_seconds=0, clock=lambda: NOW)
    worker.folders.create()
    request = Request.new("impact")
    write_atomically(worker.folders.requests / f"{request.id}.json", request.to_bytes())
    assert worker.run_once() == 1
    answer = json.loads((worker.folders.results / f"{request.id}.json").read_text())
    assert answer["ok"] is True
    assert answer["result"] == json.loads(json.dumps(impact_facts(database.store(), NOW.date(), MIN_N)))
    assert answer["result"]["actions"][0]["baseline"]["n"] == 40


def test_impact_chart_has_a_panel_per_measure_and_hollow_marks_for_too_few(found):

    items = impact.by_effect([found[s.title] for s in (IMPROVES, NO_CHANGE, TOO_FEW)])
    fig = evidence_charts.impact_chart(impact.chart_points(items), MIN_N)
    assert [a.text for a in fig.layout.annotations][:2] == ["CSAT", "NPS"]
    assert (fig.layout.xaxis.title.text, fig.layout.xaxis2.title.text) == (
        "Change in CSAT (points)", "Change in NPS (points)")
    nps = fig.data[1]
    assert list(nps.marker.symbol) == ["circle", "diamond-open"]
    assert nps.y[1].endswith("⚠ too few answers")
    assert nps.x[0] == pytest.approx(found[NO_CHANGE.title].difference.change)


def test_done_day_and_a_changed_scope_are_kept_in_step_with_the_action(store):
    load(store, answers_frame("a", date(2026, 3, 10), 40, 2))
    with store.transaction():
        ann = store.people.add("Ann Example", None, now=NOW)
        action_id = roadmap.create_action(store, ActionInput(
            "Simpler permits", "basics", ("data",), ann, "in_progress", date(2026, 4, 1), date(2026, 5, 1),
            metric="csat"), by=ann, now=datetime(2026, 4, 2))
    assert store.roadmap.baselines()["grp"].tolist() == ["action"]  # every service: nothing to compare
    current = roadmap.load_action(store.roadmap, action_id)
    roadmap.update_action(store, action_id, replace(current, status="done", channels=("Web",)), by=ann,
                          now=NOW)
    assert store.roadmap.action(action_id)["finished_on"] == NOW.date()
    held = store.roadmap.baselines()
    assert held["grp"].tolist() == ["action"] and list(held["channels"].iloc[0]) == ["Web"]
    current = roadmap.load_action(store.roadmap, action_id)
    roadmap.update_action(store, action_id, replace(current, status="in_progress", services=("Highways",)),
                          by=ann, now=NOW)
    assert store.roadmap.action(action_id)["finished_on"] is None
    held = store.roadmap.baselines().set_index("grp")
    assert held.loc["action", "csat_n"] == 0 and held.loc["comparison", "csat_n"] == 40
