"""Customer-experience metrics as pure functions: point estimates, 95% intervals, tests.

Definitions (see docs/metrics.md):
- NPS: % promoters (9-10) minus % detractors (0-6), from -100 to +100. The 95%
  interval is the adjusted-Wald form (add 0.75 to promoters and detractors and 3 to
  n before computing the spread), which stays sensible at small n.
- CSAT: % of answers 4 or 5 on a 1-5 scale, with a Wilson 95% interval.
- CES: mean on the scale the survey asked it on (1-5 or 1-7, higher = easier; two
  scales are never averaged together), with a normal 95% interval, plus the % easy.
- FFT (NHS Friends and Family Test style): % of answers in the top two of five
  ("very good" or "good"), over all answers including "don't know", with a Wilson
  interval.
- GovMetric net satisfaction: % good minus % poor (good +1, average 0, poor -1),
  with the same multinomial variance and adjusted-Wald interval as NPS.
- KPI ratios: numerator over denominator, summed before dividing.

Every estimate carries n, so callers can grey out figures below the minimum n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A metric value with its sample size and 95% interval (None when n is 0)."""

    metric: str
    value: float | None
    n: int
    low: float | None
    high: float | None
    unit: str  # "points" for NPS, "%" for shares, "" for means

    def is_reliable(self, min_n: int) -> bool:
        """True when there are enough answers to headline this figure."""
        return self.value is not None and self.n >= min_n


@dataclass(frozen=True)
class Comparison:
    """The change from a previous estimate to a current one and whether it is significant."""

    change: float | None
    z: float | None
    significant: bool
    test: str


def nps(promoters: int, detractors: int, n: int) -> Estimate:
    """NPS from counts. Raises ValueError when counts are negative or exceed n."""
    return net_score("NPS", promoters, detractors, n)


def net_satisfaction(good: int, poor: int, n: int) -> Estimate:
    """GovMetric-style net satisfaction: % good minus % poor, from -100 to +100 points.

    Raises ValueError when counts are negative or good and poor together exceed n.
    """
    return net_score("Net satisfaction", good, poor, n)


def net_score(metric: str, positive: int, negative: int, n: int) -> Estimate:
    """% positive minus % negative in points, with the adjusted-Wald 95% interval.

    Each answer scores +1, 0 or -1, so the variance of one answer is
    p+ + p- - (p+ - p-)^2; the interval adds 0.75 to both counts and 3 to n first,
    which keeps it sensible at small n. Raises ValueError for impossible counts.
    """
    _check_counts(n, positive, negative)
    if positive + negative > n:
        raise ValueError(f"{metric}: the positive and negative answers together cannot exceed n.")
    if n == 0:
        return Estimate(metric, None, 0, None, None, "points")
    value = 100.0 * (positive - negative) / n
    adj_n = n + 3
    p_positive = (positive + 0.75) / adj_n
    p_negative = (negative + 0.75) / adj_n
    centre = p_positive - p_negative
    margin = Z95 * math.sqrt(nps_variance(p_positive, p_negative) / adj_n)
    low = max(-100.0, 100.0 * (centre - margin))
    high = min(100.0, 100.0 * (centre + margin))
    return Estimate(metric, value, n, low, high, "points")


def nps_variance(p_promoter: float, p_detractor: float) -> float:
    """Variance of one response's score (+1 promoter, 0 passive, -1 detractor)."""
    return p_promoter + p_detractor - (p_promoter - p_detractor) ** 2


def proportion(metric: str, successes: int, n: int) -> Estimate:
    """A percentage with its Wilson 95% interval (used for CSAT, % easy, FFT).

    Raises ValueError when successes is negative or exceeds n.
    """
    _check_counts(n, successes)
    if n == 0:
        return Estimate(metric, None, 0, None, None, "%")
    p = successes / n
    low, high = wilson_interval(successes, n)
    return Estimate(metric, 100.0 * p, n, 100.0 * low, 100.0 * high, "%")


def csat(satisfied: int, n: int) -> Estimate:
    """CSAT: share of 4s and 5s on the 1-5 scale."""
    return proportion("CSAT", satisfied, n)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion, as fractions in [0, 1]."""
    if n == 0:
        raise ValueError("The Wilson interval needs at least one observation.")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0% or 100% the bound is exactly 0 or 1; rounding would otherwise exclude p.
    low = 0.0 if successes == 0 else max(0.0, centre - spread)
    high = 1.0 if successes == n else min(1.0, centre + spread)
    return low, high


def mean_score(metric: str, total: float, total_sq: float, n: int) -> Estimate:
    """A mean with a normal 95% interval, from the sum and sum of squares of n answers."""
    if n < 0:
        raise ValueError("n cannot be negative.")
    if n == 0:
        return Estimate(metric, None, 0, None, None, "")
    mean = total / n
    if n == 1:
        return Estimate(metric, mean, 1, None, None, "")
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    margin = Z95 * math.sqrt(variance / n)
    return Estimate(metric, mean, n, mean - margin, mean + margin, "")


def ces(total: float, total_sq: float, n: int) -> Estimate:
    """CES mean on the survey's own scale (higher = easier); the caller knows which scale."""
    return mean_score("CES", total, total_sq, n)


def fft(positive: int, n: int) -> Estimate:
    """Friends and Family Test: % of answers "very good" or "good" (4 or 5 of 5), Wilson interval.

    `n` counts every answer, "don't know" included (the NHS convention).
    """
    return proportion("FFT", positive, n)


def kpi_ratio(metric: str, numerator: float, denominator: float) -> Estimate:
    """A contact-centre or workforce ratio as a percentage of its denominator.

    These figures are counts of every call or every employee respondent, so the
    interval is the Wilson interval on the denominator as n.
    Raises ValueError when the numerator exceeds the denominator.
    """
    if denominator < 0 or numerator < 0:
        raise ValueError("KPI counts cannot be negative.")
    if numerator > denominator:
        raise ValueError(f"{metric}: numerator {numerator} exceeds denominator {denominator}.")
    return proportion(metric, int(round(numerator)), int(round(denominator)))


def compare_nps(current: tuple[int, int, int], previous: tuple[int, int, int],
                test: str = "two-sample z-test on NPS") -> Comparison:
    """Two-sample z-test on a net score (NPS, net satisfaction); each argument is (positive, negative, n)."""
    (p1, d1, n1), (p2, d2, n2) = current, previous
    if n1 == 0 or n2 == 0:
        return Comparison(None, None, False, test)
    a = (p1 / n1, d1 / n1)
    b = (p2 / n2, d2 / n2)
    change = 100.0 * ((a[0] - a[1]) - (b[0] - b[1]))
    se = 100.0 * math.sqrt(nps_variance(*a) / n1 + nps_variance(*b) / n2)
    return _z_result(change, se, test)


def compare_proportions(current: tuple[int, int], previous: tuple[int, int]) -> Comparison:
    """Two-proportion z-test (pooled); each argument is (successes, n). Change in % points."""
    (s1, n1), (s2, n2) = current, previous
    if n1 == 0 or n2 == 0:
        return Comparison(None, None, False, "two-proportion z-test")
    pooled = (s1 + s2) / (n1 + n2)
    change = 100.0 * (s1 / n1 - s2 / n2)
    se = 100.0 * math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return _z_result(change, se, "two-proportion z-test")


def compare_means(current: Estimate, previous: Estimate) -> Comparison:
    """Welch z-test on two means, from their 95% intervals (large-sample)."""
    test = "Welch z-test on means"
    if None in (current.value, previous.value, current.low, previous.low):
        return Comparison(None, None, False, test)
    change = current.value - previous.value
    se1 = (current.high - current.low) / (2 * Z95)
    se2 = (previous.high - previous.low) / (2 * Z95)
    return _z_result(change, math.sqrt(se1 * se1 + se2 * se2), test)


def _z_result(change: float, se: float, test: str) -> Comparison:
    if se == 0:
        return Comparison(change, None, False, test)
    z = change / se
    return Comparison(change, z, abs(z) >= Z95, test)


def _check_counts(n: int, *parts: int) -> None:
    if n < 0 or any(part < 0 for part in parts):
        raise ValueError("Counts cannot be negative.")
    if any(part > n for part in parts):
        raise ValueError("A count cannot exceed n.")


# --- Differences with their intervals (before and after an action) -------------------


@dataclass(frozen=True)
class Difference:
    """After minus before (or a difference in differences) with its 95% interval and test.

    change: in the measure's unit (NPS points, percentage points, mean score).
    se: the standard error the interval is built from (unpooled: each side's own variance).
    z, p: the test statistic and its two-sided p-value (normal approximation).
    significant: p < 0.05. None values mean there was nothing to compare.
    """

    change: float | None
    se: float | None
    low: float | None
    high: float | None
    z: float | None
    p: float | None
    significant: bool
    test: str

    @classmethod
    def empty(cls, test: str) -> Difference:
        return cls(None, None, None, None, None, None, False, test)


def two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def _difference(change: float, se: float, test: str, test_se: float | None = None) -> Difference:
    """A change with the interval from `se` and the test from `test_se` (default `se`)."""
    test_se = se if test_se is None else test_se
    low, high = change - Z95 * se, change + Z95 * se
    if test_se <= 0:
        return Difference(change, se, low, high, None, None, False, test)
    z = change / test_se
    p = two_sided_p(z)
    return Difference(change, se, low, high, z, p, p < 0.05, test)


NPS_DIFFERENCE_TEST = "two-sample z-test on NPS (multinomial variance)"
PROPORTION_DIFFERENCE_TEST = "two-proportion z-test"
MEAN_DIFFERENCE_TEST = "Welch test on two means (normal approximation)"
DID_TEST = "difference in differences (z-test over four independent samples)"


def nps_difference(after: tuple[int, int, int], before: tuple[int, int, int]) -> Difference:
    """NPS after minus before, in points; each argument is (promoters, detractors, n).

    Each answer scores +1, 0 or -1, so NPS is a mean of a three-valued (multinomial)
    variable with variance pP + pD - (pP - pD)^2; the two samples are independent.
    """
    (p1, d1, n1), (p2, d2, n2) = after, before
    if n1 == 0 or n2 == 0:
        return Difference.empty(NPS_DIFFERENCE_TEST)
    a, b = (p1 / n1, d1 / n1), (p2 / n2, d2 / n2)
    change = 100.0 * ((a[0] - a[1]) - (b[0] - b[1]))
    se = 100.0 * math.sqrt(nps_variance(*a) / n1 + nps_variance(*b) / n2)
    return _difference(change, se, NPS_DIFFERENCE_TEST)


def proportion_difference(after: tuple[int, int], before: tuple[int, int]) -> Difference:
    """Share after minus share before, in percentage points; each argument is (successes, n).

    The test is the pooled two-proportion z-test (the same as `compare_proportions`);
    the interval is the unpooled (Wald) interval of the difference, so on a knife
    edge the two can disagree: the test decides the verdict.
    """
    (s1, n1), (s2, n2) = after, before
    if n1 == 0 or n2 == 0:
        return Difference.empty(PROPORTION_DIFFERENCE_TEST)
    q1, q2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    se = 100.0 * math.sqrt(q1 * (1 - q1) / n1 + q2 * (1 - q2) / n2)
    test_se = 100.0 * math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return _difference(100.0 * (q1 - q2), se, PROPORTION_DIFFERENCE_TEST, test_se)


def mean_difference(after: tuple[float, float, int], before: tuple[float, float, int]) -> Difference:
    """Mean after minus mean before; each argument is (sum, sum of squares, n).

    Welch's form: each side keeps its own variance (n - 1 denominator). With at
    least 30 answers a side (what PlaceCX asks before it gives a verdict) the
    normal approximation differs from Student's t only in the third decimal.
    """
    (t1, q1, n1), (t2, q2, n2) = after, before
    if n1 < 2 or n2 < 2:
        return Difference.empty(MEAN_DIFFERENCE_TEST)
    m1, m2 = t1 / n1, t2 / n2
    v1 = max(0.0, (q1 - n1 * m1 * m1) / (n1 - 1))
    v2 = max(0.0, (q2 - n2 * m2 * m2) / (n2 - 1))
    return _difference(m1 - m2, math.sqrt(v1 / n1 + v2 / n2), MEAN_DIFFERENCE_TEST)


def difference_in_differences(treated: Difference, comparison: Difference) -> Difference:
    """(after - before where the action worked) minus (after - before where it did not).

    The four samples are independent, so the variance is the sum of the two
    differences' (unpooled) variances.
    """
    if None in (treated.change, treated.se, comparison.change, comparison.se):
        return Difference.empty(DID_TEST)
    change = treated.change - comparison.change
    return _difference(change, math.hypot(treated.se, comparison.se), DID_TEST)
