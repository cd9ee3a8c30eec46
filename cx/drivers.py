"""Key drivers: which facets of a service move overall satisfaction most.

Surveys often ask, beside the overall score, how customers rate parts of the
service ("speed", "being kept informed", "staff helpfulness"). Imported as
attributes, each facet holds whole numbers (1 to 5, say). This module answers
"which facet matters most?" with the Shapley (LMG) decomposition of R²: the
outcome (the CSAT score 1-5 or the NPS answer 0-10) is regressed on every subset
of the facets, and each facet gets its average gain in R² over all orders in which
the facets could enter. The shares add up to the R² of the full model, they do not
depend on the order the facets are listed, and they share out fairly what
correlated facets explain together.

The store hands over only distinct answer patterns with their counts (DuckDB
groups the responses), so the work here is a few small matrices however many
responses there are. Uncertainty: a bootstrap that resamples responses (a
multinomial draw of pattern counts), with percentile 95% intervals.

Warnings, not verdicts: fewer complete answers than `min_answers(k, min_n)`,
or facets so alike (pairwise correlation above `COLLINEAR_R` or variance
inflation above `COLLINEAR_VIF`) that the split between them is shaky.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from cx.formatting import format_date
from cx.store import Store
from cx.store.filters import Slice

OUTCOMES: dict[str, str] = {
    "csat": "Overall satisfaction (CSAT score, 1 to 5)",
    "nps": "Likelihood to recommend (NPS answer, 0 to 10)",
}
OUTCOME_SHORT: dict[str, str] = {"csat": "satisfaction", "nps": "likelihood to recommend"}
OUTCOME_LABEL: dict[str, str] = {"csat": "CSAT", "nps": "NPS"}
MAX_FACETS = 8
MIN_FACETS = 2
ANSWERS_PER_FACET = 20
COLLINEAR_R = 0.8
COLLINEAR_VIF = 5.0
DEFAULT_REPS = 400
# Correlations are computed from the patterns' counts: below this the model is undefined.
_MIN_VARIANCE = 1e-12


@dataclass(frozen=True)
class Driver:
    """One facet's share of the explained variation, with its bootstrap 95% interval.

    `importance` is the Shapley share of R² (0 to R²); `share` is that as a
    proportion of R² (the facets' shares add up to 1). `rank` is 1 for the biggest.
    """

    facet: str
    importance: float
    low: float
    high: float
    share: float
    share_low: float
    share_high: float
    correlation: float
    rank: int


@dataclass(frozen=True)
class DriverResult:
    """The key-driver analysis of one outcome over the chosen responses."""

    outcome: str
    n: int
    r2: float
    r2_low: float
    r2_high: float
    drivers: tuple[Driver, ...]
    reps: int
    warnings: tuple[str, ...]
    too_few: bool

    def table(self) -> pd.DataFrame:
        """The drivers, biggest first, as the page shows them (percentages, rounded)."""
        return pd.DataFrame(
            {
                "Rank": [d.rank for d in self.drivers],
                "Facet": [d.facet for d in self.drivers],
                "Share of explained variation (%)": [round(100 * d.share, 1) for d in self.drivers],
                "95% interval, low (%)": [round(100 * d.share_low, 1) for d in self.drivers],
                "95% interval, high (%)": [round(100 * d.share_high, 1) for d in self.drivers],
                "R² explained (points of 100)": [round(100 * d.importance, 1) for d in self.drivers],
                "Correlation with the outcome": [round(d.correlation, 2) for d in self.drivers],
                "n": [self.n] * len(self.drivers),
            }
        )

    def sentence(self) -> str:
        """One plain-English sentence naming the facet that matters most, or why none is named."""
        outcome = OUTCOME_SHORT[self.outcome]
        if not self.drivers:
            return "There are not enough answers to say which facet matters most."
        top = self.drivers[0]
        explained = (f"together the facets explain {100 * self.r2:.0f}% of the variation in {outcome} "
                     f"(95% interval {100 * self.r2_low:.0f}% to {100 * self.r2_high:.0f}%), from "
                     f"{self.n:,} answers")
        if self.too_few:
            return (f"Too few answers to rank the facets with confidence: {explained}. "
                    f"{top.facet} leads for now, but treat this as a hint only.")
        lead = (f"{top.facet} matters most: it accounts for {100 * top.share:.0f}% of what the facets "
                f"explain (95% interval {100 * top.share_low:.0f}% to {100 * top.share_high:.0f}%)")
        if len(self.drivers) > 1 and self.drivers[1].share_high >= top.share_low:
            second = self.drivers[1]
            lead += (f", though its interval overlaps that of {second.facet} "
                     f"({100 * second.share:.0f}%), so the order of the two is not certain")
        return f"{lead}; {explained}."


def choice_words(outcome: str, facets: list[str], start: date, end: date, services: list[str]) -> str:
    """The analysis chosen, in words: "CSAT explained by 4 facets (Speed, ...); completed 1 November
    2025 to 30 November 2026; every service." """
    facet_words = (f"{len(facets)} facet{'s' if len(facets) != 1 else ''} ({', '.join(facets)})" if facets
                   else "no facets")
    service_words = f"Service: {', '.join(services)}" if services else "every service"
    return (f"{OUTCOME_LABEL[outcome]} explained by {facet_words}; completed {format_date(start)} to "
            f"{format_date(end)}; {service_words}.")


def min_answers(facets: int, min_n: int) -> int:
    """Fewest complete answers to rank `facets` facets: `ANSWERS_PER_FACET` each, and never below min_n."""
    return max(min_n, ANSWERS_PER_FACET * facets)


def key_drivers(patterns: pd.DataFrame, facets: list[str], outcome: str, *, reps: int = DEFAULT_REPS,
                seed: int = 0, min_n: int = 30) -> DriverResult:
    """Shapley relative importance of `facets` for `outcome`, with bootstrap 95% intervals.

    `patterns` has a column `outcome`, then one column per facet in the order of
    `facets` (the names label them; the columns may be named anything else),
    and `responses` (how many answered that way); rows with any blank are
    ignored. Raises ValueError when fewer than MIN_FACETS or more than
    MAX_FACETS facets are asked for, the outcome is unknown, or the answers do
    not vary (every answer alike in the outcome or in a facet), since then there
    is nothing to explain.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"Outcome: choose {' or '.join(OUTCOMES)}.")
    if not MIN_FACETS <= len(facets) <= MAX_FACETS:
        raise ValueError(f"Facets: choose between {MIN_FACETS} and {MAX_FACETS} facets.")
    facet_columns = [c for c in patterns.columns if c not in ("outcome", "responses")]
    if len(facet_columns) != len(facets):
        raise ValueError(f"Expected {len(facets)} facet columns, got {len(facet_columns)}.")
    complete = patterns.dropna(subset=["outcome", *facet_columns])
    values = complete[["outcome", *facet_columns]].to_numpy(dtype=float)
    counts = complete["responses"].to_numpy(dtype=float)
    n = int(counts.sum())
    corr, point, boot = bootstrap_shapley(values, counts, reps=reps, seed=seed)
    low, high = np.percentile(boot, [2.5, 97.5], axis=0)
    totals = boot.sum(axis=1, keepdims=True)
    shares = np.divide(boot, totals, out=np.zeros_like(boot), where=totals > 0)
    share_low, share_high = np.percentile(shares, [2.5, 97.5], axis=0)
    r2 = float(point.sum())
    r2_low, r2_high = np.percentile(boot.sum(axis=1), [2.5, 97.5])
    order = np.argsort(-point, kind="stable")
    drivers = tuple(
        Driver(facets[j], float(point[j]), float(low[j]), float(high[j]),
               float(point[j] / r2) if r2 > 0 else 0.0, float(share_low[j]), float(share_high[j]),
               float(corr[0, j + 1]), rank)
        for rank, j in enumerate(order, start=1)
    )
    too_few = n < min_answers(len(facets), min_n)
    warnings = _warnings(corr[1:, 1:], facets, n, min_answers(len(facets), min_n))
    return DriverResult(outcome, n, r2, float(r2_low), float(r2_high), drivers, len(boot),
                        tuple(warnings), too_few)


def bootstrap_shapley(values: np.ndarray, counts: np.ndarray, *, reps: int,
                      seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The correlation matrix, the Shapley importances and `reps` bootstrap replicates of them.

    `values` is (m patterns × p) with the outcome first; `counts` how many
    responses gave each pattern. Each replicate redraws the same number of
    responses with replacement (a multinomial draw over the patterns); replicates
    in which a column happens not to vary are dropped. Returns (p × p correlations,
    k importances, replicates × k). Raises ValueError when the outcome or a facet
    does not vary at all, or fewer than three responses are complete.
    """
    n = int(counts.sum())
    if n < 3:
        raise ValueError("Too few responses answered the outcome and every chosen facet to explain anything.")
    corr = weighted_correlations(values, counts[None, :])
    if corr is None or not np.isfinite(corr).all():
        raise ValueError("The answers do not vary enough (everyone gave the same answer to the outcome "
                         "or to a facet), so there is nothing to explain.")
    point = shapley_importance(corr)[0]
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts / n, size=reps).astype(float)
    boot_corr = weighted_correlations(values, draws, strict=False)
    usable = np.isfinite(boot_corr).all(axis=(1, 2))
    return corr[0], point, shapley_importance(boot_corr[usable])


def weighted_correlations(values: np.ndarray, weights: np.ndarray, *,
                          strict: bool = True) -> np.ndarray | None:
    """Correlation matrices of the columns of `values` (m patterns × p), one per row of `weights`.

    `weights` is (B × m): how many times each pattern counts in each of B samples.
    Returns (B × p × p). A column with no variance gives NaN in its row and column;
    with `strict`, None is returned instead when the first sample has such a column.
    """
    totals = weights.sum(axis=1)
    means = weights @ values / totals[:, None]
    outer = np.einsum("mi,mj->mij", values, values).reshape(len(values), -1)
    second = (weights @ outer).reshape(len(weights), values.shape[1], values.shape[1]) / totals[:, None, None]
    cov = second - np.einsum("bi,bj->bij", means, means)
    variances = np.diagonal(cov, axis1=1, axis2=2)
    if strict and (variances[0] <= _MIN_VARIANCE).any():
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.sqrt(np.where(variances > _MIN_VARIANCE, variances, np.nan))
        return cov / scale[:, :, None] / scale[:, None, :]


def subset_r2(corr: np.ndarray) -> dict[frozenset[int], np.ndarray]:
    """R² of the outcome (index 0) on every subset of the predictors (1..k), per sample.

    `corr` is (B × p × p) with p = k + 1. R²(S) = r_S' R_SS⁻¹ r_S; the empty set is 0.
    A singular subset (perfectly collinear facets) is solved by least squares.
    """
    samples, p = corr.shape[0], corr.shape[1]
    result: dict[frozenset[int], np.ndarray] = {frozenset(): np.zeros(samples)}
    for size in range(1, p):
        for subset in itertools.combinations(range(1, p), size):
            index = list(subset)
            block = corr[:, index][:, :, index]
            target = corr[:, index, 0]
            try:
                beta = np.linalg.solve(block, target[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                beta = np.stack([np.linalg.lstsq(b, t, rcond=None)[0]
                                 for b, t in zip(block, target, strict=True)])
            result[frozenset(subset)] = np.clip((beta * target).sum(axis=1), 0.0, 1.0)
    return result


def shapley_importance(corr: np.ndarray) -> np.ndarray:
    """Shapley (LMG) share of R² for each predictor, per sample: (B × k), rows add up to the full R²."""
    k = corr.shape[1] - 1
    r2 = subset_r2(corr)
    importance = np.zeros((corr.shape[0], k))
    for j in range(1, k + 1):
        others = [i for i in range(1, k + 1) if i != j]
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for subset in itertools.combinations(others, size):
                base = frozenset(subset)
                importance[:, j - 1] += weight * (r2[base | {j}] - r2[base])
    return importance


def variance_inflation(facet_corr: np.ndarray) -> np.ndarray:
    """Variance inflation factor of each facet: the diagonal of the inverse correlation matrix.

    Perfectly collinear facets give infinity.
    """
    try:
        return np.diag(np.linalg.inv(facet_corr))
    except np.linalg.LinAlgError:
        return np.full(len(facet_corr), np.inf)


def _warnings(facet_corr: np.ndarray, facets: list[str], n: int, needed: int) -> list[str]:
    warnings = []
    if n < needed:
        warnings.append(f"Only {n:,} responses answered the outcome and every facet; ranking "
                        f"{len(facets)} facets needs at least {needed:,}. Read the order as a hint, "
                        "not a finding.")
    for i, j in itertools.combinations(range(len(facets)), 2):
        if abs(facet_corr[i, j]) > COLLINEAR_R:
            warnings.append(f"{facets[i]} and {facets[j]} move almost together (correlation "
                            f"{facet_corr[i, j]:.2f}): customers may not tell them apart, so how the "
                            "credit is split between them is uncertain.")
    vif = variance_inflation(facet_corr)
    strong = [f"{facets[i]} ({'very high' if not np.isfinite(v) else f'{v:.1f}'})"
              for i, v in enumerate(vif) if not np.isfinite(v) or v > COLLINEAR_VIF]
    if strong:
        warnings.append("Some facets are largely predictable from the others (variance inflation above "
                        f"{COLLINEAR_VIF:.0f}): " + ", ".join(strong) + ". Their shares are unstable.")
    return warnings


def analyse(store: Store, outcome: str, facets: tuple[str, ...], where: Slice = Slice(), *,
            min_n: int = 30, reps: int = DEFAULT_REPS, seed: int = 0) -> DriverResult:
    """The key drivers of `outcome` among the responses in `where`, from the survey store.

    DuckDB hands over only the distinct answer patterns with their counts. Raises
    ValueError as `key_drivers` (too many or too few facets, nothing that varies,
    fewer than three complete responses).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"Outcome: choose {' or '.join(OUTCOMES)}.")
    if not MIN_FACETS <= len(facets) <= MAX_FACETS:
        raise ValueError(f"Facets: choose between {MIN_FACETS} and {MAX_FACETS} facets.")
    patterns = store.surveys.driver_patterns(outcome, list(facets), where)
    return key_drivers(patterns, list(facets), outcome, reps=reps, seed=seed, min_n=min_n)
