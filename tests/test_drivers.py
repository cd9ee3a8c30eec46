"""Key drivers: Shapley shares of R² checked against planted truth and an independent brute force."""

from __future__ import annotations

import itertools
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx import drivers
from cx.demo_facets import PLANTED_LOADINGS
from cx.store import Database
from cx.store.filters import Slice
from cx.store.uploads import UploadBatch

from .conftest import copy_demo


def population_correlations(betas, facet_corr, noise_var) -> np.ndarray:
    """The exact correlation matrix (outcome first) of y = betas·x + e, x with correlations facet_corr."""
    betas, facet_corr = np.asarray(betas, float), np.asarray(facet_corr, float)
    k = len(betas)
    cov = np.zeros((k + 1, k + 1))
    cov[1:, 1:] = facet_corr
    cov[0, 1:] = cov[1:, 0] = facet_corr @ betas
    cov[0, 0] = betas @ facet_corr @ betas + noise_var
    scale = np.sqrt(np.diag(cov))
    return cov / np.outer(scale, scale)


def brute_force_shapley(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Shapley shares of R² by fitting least squares (with intercept) for every order of the facets."""
    k = x.shape[1]

    def r2(columns: tuple[int, ...]) -> float:
        if not columns:
            return 0.0
        design = np.column_stack([np.ones(len(y)), x[:, list(columns)]])
        fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
        return 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()

    cache: dict[frozenset, float] = {}
    gains = np.zeros(k)
    orders = list(itertools.permutations(range(k)))
    for order in orders:
        before: tuple[int, ...] = ()
        for j in order:
            after = before + (j,)
            for subset in (before, after):
                cache.setdefault(frozenset(subset), r2(tuple(sorted(subset))))
            gains[j] += cache[frozenset(after)] - cache[frozenset(before)]
            before = after
    return gains / len(orders)


def planted_sample(seed: int, n: int, betas=(0.6, 0.4, 0.25)) -> tuple[np.ndarray, np.ndarray]:
    facet_corr = np.array([[1, 0.3, 0.2], [0.3, 1, 0.3], [0.2, 0.3, 1]])
    rng = np.random.default_rng(seed)
    x = rng.multivariate_normal(np.zeros(3), facet_corr, n)
    return x @ np.asarray(betas) + rng.normal(0, 1, n), x


def as_patterns(y: np.ndarray, x: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(x, columns=[f"facet_{i}" for i in range(x.shape[1])])
    frame.insert(0, "outcome", y)
    return frame.groupby(list(frame.columns)).size().reset_index(name="responses")


def test_independent_facets_get_their_squared_correlation():
    # With uncorrelated facets each facet's Shapley share is exactly its squared correlation.
    corr = population_correlations([0.5, 0.3, 0.1], np.eye(3), 1.0)
    importance = drivers.shapley_importance(corr[None])[0]
    assert importance == pytest.approx(corr[0, 1:] ** 2)


@settings(max_examples=25)
@given(st.integers(0, 10_000), st.integers(2, 4))
def test_shares_add_up_to_the_full_r2_and_match_brute_force(seed, k):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(60, k)) @ rng.normal(size=(k, k))
    y = x @ rng.normal(size=k) + rng.normal(size=60)
    corr = np.corrcoef(np.column_stack([y, x]), rowvar=False)
    importance = drivers.shapley_importance(corr[None])[0]
    full = drivers.subset_r2(corr[None])[frozenset(range(1, k + 1))][0]
    assert importance.sum() == pytest.approx(full)
    assert importance == pytest.approx(brute_force_shapley(y, x), abs=1e-9)


def test_pattern_counts_give_the_same_answer_as_the_rows_they_stand_for():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, size=(500, 3)).astype(float)
    y = np.clip(np.rint(0.5 * x[:, 0] + 0.2 * x[:, 1] + rng.normal(0, 0.8, 500)), 1, 5)
    patterns = as_patterns(y, x)
    assert len(patterns) < 500 and patterns["responses"].sum() == 500
    result = drivers.key_drivers(patterns, ["Informed", "Speed", "Form"], "csat", reps=50)
    truth = brute_force_shapley(y, x)
    by_name = {d.facet: d.importance for d in result.drivers}
    assert [by_name[f] for f in ("Informed", "Speed", "Form")] == pytest.approx(truth, abs=1e-9)
    assert result.n == 500
    assert [d.facet for d in result.drivers] == ["Informed", "Speed", "Form"]


def test_planted_drivers_are_ranked_in_order_and_a_facet_with_no_effect_gets_almost_nothing():
    y, x = planted_sample(7, 2000, betas=(0.7, 0.35, 0.0))
    result = drivers.key_drivers(as_patterns(y, x), ["Kept informed", "Speed", "Parking signs"], "nps",
                                 reps=200, seed=1)
    assert [d.facet for d in result.drivers] == ["Kept informed", "Speed", "Parking signs"]
    last = result.drivers[-1]
    assert last.share < 0.1 and last.low < 0.01
    assert result.drivers[0].share_low > result.drivers[1].share_high  # the gap is clear
    assert not result.warnings and not result.too_few
    top = result.drivers[0]
    assert result.sentence().startswith(
        f"Kept informed matters most: it accounts for {100 * top.share:.0f}% of what the facets explain "
        f"(95% interval {100 * top.share_low:.0f}% to {100 * top.share_high:.0f}%)")
    assert "from 2,000 answers" in result.sentence()


def test_bootstrap_interval_covers_the_true_importance_in_at_least_90_of_100_seeded_runs():
    """Planted y = 0.6·x1 + 0.4·x2 + 0.25·x3 + e (facets correlated 0.2-0.3), n = 250, 200 resamples.

    The true Shapley shares come from the exact population correlations. Measured:
    about 2 s on an idle core (see bench/drivers.py for 1,000 runs).
    """
    facet_corr = [[1, 0.3, 0.2], [0.3, 1, 0.3], [0.2, 0.3, 1]]
    truth = drivers.shapley_importance(population_correlations([0.6, 0.4, 0.25], facet_corr, 1.0)[None])[0]
    covered = np.zeros(3, int)
    for run in range(100):
        y, x = planted_sample(run, 250)
        _, _, boot = drivers.bootstrap_shapley(np.column_stack([y, x]), np.ones(250), reps=200, seed=run)
        low, high = np.percentile(boot, [2.5, 97.5], axis=0)
        covered += (low <= truth) & (truth <= high)
    assert (covered >= 90).all(), covered


def test_collinear_facets_and_too_few_answers_are_warned_about():
    rng = np.random.default_rng(5)
    base = rng.normal(size=50)
    x = np.column_stack([base, base + rng.normal(0, 0.2, 50), rng.normal(size=50)])
    y = x[:, 0] + rng.normal(size=50)
    result = drivers.key_drivers(as_patterns(y, x), ["Speed", "Quickness", "Tone"], "csat", reps=50, min_n=30)
    assert result.too_few  # 50 answers; 3 facets need 20 each
    text = " ".join(result.warnings)
    assert "Speed and Quickness move almost together" in text
    assert "variance inflation" in text
    assert result.sentence().startswith("Too few answers to rank the facets with confidence")


def test_too_few_is_decided_by_facets_and_min_n():
    assert drivers.min_answers(3, 30) == 60
    assert drivers.min_answers(2, 100) == 100


@pytest.mark.parametrize("facets", [["A"], [f"F{i}" for i in range(9)]])
def test_facet_count_outside_the_limits_is_refused(facets):
    with pytest.raises(ValueError, match="between 2 and 8 facets"):
        drivers.key_drivers(pd.DataFrame(), facets, "csat")


def test_an_outcome_that_does_not_vary_is_refused():
    patterns = pd.DataFrame({"outcome": [5.0, 5.0], "a": [1.0, 2.0], "b": [2.0, 1.0], "responses": [3, 4]})
    with pytest.raises(ValueError, match="do not vary"):
        drivers.key_drivers(patterns, ["a", "b"], "csat")


def planted_responses() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    informed, speed = rng.integers(1, 6, n), rng.integers(1, 6, n)
    csat = np.clip(np.rint(0.8 * informed + 0.2 * speed + rng.normal(0, 0.7, n) - 0.5), 1, 5).astype(int)
    keys = [["Kept informed", "Speed", "Ward"]] * n
    values = [[str(a), str(b), f"W{i % 3}"] for i, (a, b) in enumerate(zip(informed, speed, strict=True))]
    keys[0], values[0] = ["Kept informed", "Ward"], ["not asked", "W0"]  # a blank facet: left out
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(n)], "completed_at": datetime(2026, 10, 5),
                         "service": ["Parking" if i % 2 else "Highways" for i in range(n)], "csat": csat,
                         "extra_keys": keys, "extra_values": values})


def test_store_finds_rating_attributes_and_groups_complete_answers(store):
    frame = planted_responses()
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch("facets", datetime(2026, 11, 1), 0), "responses")
        store.uploads.insert_responses(batch, "facets", frame)
    found = store.surveys.facets()
    assert found["name"].tolist() == ["Speed"]  # "Kept informed" holds a word once; Ward is not a number
    patterns = store.surveys.driver_patterns("csat", ["Kept informed", "Speed"])
    assert patterns["responses"].sum() == 399
    assert list(patterns.columns) == ["outcome", "facet_0", "facet_1", "responses"]
    parking = store.surveys.driver_patterns("csat", ["Kept informed", "Speed"], Slice(service=("Parking",)))
    assert parking["responses"].sum() == 200
    result = drivers.analyse(store, "csat", ("Kept informed", "Speed"), reps=50)
    rows = frame.iloc[1:]
    x = np.array([[int(v[0]), int(v[1])] for v in rows["extra_values"]])
    truth = brute_force_shapley(rows["csat"].to_numpy(float), x.astype(float))
    assert [d.importance for d in result.drivers] == pytest.approx(truth, abs=1e-9)
    with pytest.raises(ValueError, match="choose csat or nps"):
        store.surveys.driver_patterns("ces", ["Speed"])


def test_demo_facets_come_out_in_their_planted_order(demo_db_path, tmp_path):
    db = Database(copy_demo(demo_db_path, tmp_path))
    try:
        store = db.store()
        assert set(PLANTED_LOADINGS) <= set(store.surveys.facets()["name"])
        result = drivers.analyse(store, "csat", tuple(PLANTED_LOADINGS), reps=100)
    finally:
        db.close()
    assert [d.facet for d in result.drivers] == list(PLANTED_LOADINGS)
    assert result.n > 1000 and not result.too_few


def test_the_choices_in_words():
    assert drivers.choice_words("nps", ["Speed", "Kept informed"], date(2025, 11, 1), date(2026, 11, 30),
                                ["Waste"]) == ("NPS explained by 2 facets (Speed, Kept informed); completed "
                                               "1 November 2025 to 30 November 2026; Service: Waste.")
    assert drivers.choice_words("csat", [], date(2026, 1, 1), date(2026, 1, 31), []).startswith(
        "CSAT explained by no facets; completed 1 January 2026 to 31 January 2026; every service")
