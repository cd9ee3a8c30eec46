"""The one catalogue of measures: what each figure is, how it is estimated, tested and judged.

Overview, Trends, Roadmap and the exports all ask this module, so a measure has
one label, one unit, one scale, one direction, one estimate from the stored
aggregates, one two-sample test, one target rule and one way of being written.

Survey measures are estimated from a row of `SurveyStore.metrics` (counts, sums
and sums of squares); KPI measures from a summed numerator and denominator
(`SurveyStore.kpi_totals`), never from averaged percentages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cx import edits, metrics
from cx.formatting import format_value, shown_decimals
from cx.metrics import Comparison, Difference, Estimate
from cx.store.surveys import SurveyStore

_UNIT_SUFFIX = {"%": "%", "seconds": " s", "points": "", "": ""}


@dataclass(frozen=True)
class Verdict:
    """What a change between two periods means, in a word and a symbol as well as a colour.

    colour names one of Streamlit's badge/metric colours; it is never the only carrier.
    """

    code: str
    symbol: str
    word: str
    colour: str

    @property
    def tag(self) -> str:
        """Symbol and word together: '▲ Significantly better'."""
        return f"{self.symbol} {self.word}"


BETTER = Verdict("better", "▲", "Significantly better", "green")
WORSE = Verdict("worse", "▼", "Significantly worse", "red")
NO_CHANGE = Verdict("same", "≈", "No significant change", "gray")
NO_COMPARISON = Verdict("none", "–", "Nothing to compare with", "gray")


@dataclass(frozen=True)
class Measure:
    """One measure PlaceCX reports.

    unit: as in `cx.metrics.Estimate` ("points", "%", "seconds", "" for a mean).
    lowest, highest: the scale a value or target must lie on (None = open).
    source: "survey" (from response aggregates) or "kpi" (numerator/denominator).
    grain: the period KPI figures are recorded for ("month"; staff engagement "quarter").
    Targets are not part of a measure: the council sets them, per service if it wishes,
    with a note of their source (`save_target`; defaults come from schema step "surveys").
    """

    code: str
    label: str
    short: str
    unit: str
    lowest: float | None
    highest: float | None
    higher_is_better: bool
    source: str
    definition: str
    grain: str = "month"
    numerator_label: str = ""
    denominator_label: str = ""

    # ------------------------------------------------------------ estimating

    def estimate(self, row: Mapping) -> Estimate:
        """The estimate from one aggregate row (survey counts, or numerator and denominator)."""
        if self.code == "nps":
            return metrics.nps(int(row["promoters"]), int(row["detractors"]), int(row["nps_n"]))
        if self.code == "csat":
            return metrics.csat(int(row["csat_satisfied"]), int(row["csat_n"]))
        if self.code == "ces":
            if self.scale_problem(row):
                return Estimate(self.label, None, 0, None, None, self.unit)
            return metrics.ces(float(row["ces_sum"]), float(row["ces_sumsq"]), int(row["ces_n"]))
        if self.code == "fft":
            return metrics.fft(int(row["fft_positive"]), int(row["fft_n"]))
        if self.code == "govmetric":
            return metrics.net_satisfaction(int(row["govmetric_good"]), int(row["govmetric_poor"]),
                                            int(row["govmetric_n"]))
        return self.ratio(float(row["numerator"]), float(row["denominator"]))

    def scale_problem(self, row: Mapping) -> str:
        """Why this row's figure cannot be given as one number ('' when it can).

        CES answers from a 1-5 and a 1-7 survey are never averaged together.
        """
        if self.code != "ces" or int(row.get("ces_n", 0) or 0) == 0:
            return ""
        low, high = _whole(row.get("ces_scale_low")), _whole(row.get("ces_scale"))
        if low is not None and high is not None and low != high:
            return ("Ease answers here come from surveys asked on a 1 to 5 and a 1 to 7 scale, which "
                    "cannot be averaged together: choose one survey to see its mean.")
        return ""

    def scale_words(self, row: Mapping | None = None) -> str:
        """The axis words for this measure's values, e.g. 'Mean score (1 to 5)' for a five-point CES."""
        if self.unit == "points":
            return f"{self.short} (points)"
        if self.unit == "%":
            return "Per cent"
        if self.code == "ces" and row is not None and _whole(row.get("ces_scale")) is not None \
                and not self.scale_problem(row):
            return f"Mean score (1 to {_whole(row['ces_scale'])})"
        return "Mean score"

    def ratio(self, numerator: float, denominator: float) -> Estimate:
        """A KPI figure from summed counts: a share with its interval, or a mean in seconds."""
        if self.unit == "%":
            return metrics.kpi_ratio(self.label, numerator, denominator)
        if denominator <= 0:
            return Estimate(self.label, None, 0, None, None, self.unit)
        return Estimate(self.label, numerator / denominator, int(denominator), None, None, self.unit)

    def compare(self, current: Mapping, previous: Mapping) -> tuple[Estimate, Estimate, Comparison]:
        """Both estimates and the measure's two-sample test of current against previous."""
        now, before = self.estimate(current), self.estimate(previous)
        if self.code == "nps":
            test = metrics.compare_nps(
                (int(current["promoters"]), int(current["detractors"]), int(current["nps_n"])),
                (int(previous["promoters"]), int(previous["detractors"]), int(previous["nps_n"])))
        elif self.code == "csat":
            test = metrics.compare_proportions(
                (int(current["csat_satisfied"]), int(current["csat_n"])),
                (int(previous["csat_satisfied"]), int(previous["csat_n"])))
        elif self.code == "fft":
            test = metrics.compare_proportions((int(current["fft_positive"]), int(current["fft_n"])),
                                               (int(previous["fft_positive"]), int(previous["fft_n"])))
        elif self.code == "govmetric":
            def counts(row: Mapping) -> tuple[int, int, int]:
                return int(row["govmetric_good"]), int(row["govmetric_poor"]), int(row["govmetric_n"])
            test = metrics.compare_nps(counts(current), counts(previous),
                                       "two-sample z-test on net satisfaction")
        elif self.code == "ces" and (_whole(current.get("ces_scale")) != _whole(previous.get("ces_scale"))
                                     and int(current.get("ces_n", 0)) and int(previous.get("ces_n", 0))):
            test = metrics.Comparison(None, None, False, "no test: the two figures use different CES scales")
        elif self.unit == "%":
            test = metrics.compare_proportions(
                (int(current["numerator"]), int(current["denominator"])),
                (int(previous["numerator"]), int(previous["denominator"])))
        else:
            test = metrics.compare_means(now, before)
        return now, before, test

    def difference(self, after: Mapping, before: Mapping) -> Difference:
        """After minus before from two survey aggregate rows, with the measure's own test.

        NPS: difference of two NPS with the multinomial variance; CSAT: two-proportion
        z-test; CES: Welch test on the means. Raises ValueError for a KPI measure:
        its figures are whole counts of every call or staff member, not a sample.
        """
        if self.code == "nps":
            return metrics.nps_difference(
                (int(after["promoters"]), int(after["detractors"]), int(after["nps_n"])),
                (int(before["promoters"]), int(before["detractors"]), int(before["nps_n"])))
        if self.code == "csat":
            return metrics.proportion_difference((int(after["csat_satisfied"]), int(after["csat_n"])),
                                                 (int(before["csat_satisfied"]), int(before["csat_n"])))
        if self.code == "ces":
            return metrics.mean_difference(
                (float(after["ces_sum"]), float(after["ces_sumsq"]), int(after["ces_n"])),
                (float(before["ces_sum"]), float(before["ces_sumsq"]), int(before["ces_n"])))
        raise ValueError(f"Measure: before-and-after tests are for {', '.join(SURVEY_MEASURES).upper()} "
                         "only.")

    def answers(self, row: Mapping) -> int:
        """How many answers to this survey measure an aggregate row holds."""
        return int(row[f"{self.code}_n"])

    def better(self, change: float) -> float:
        """A change turned so that positive is always an improvement."""
        return change if self.higher_is_better else -change

    @property
    def span(self) -> float | None:
        """The width of the measure's scale (200 NPS points, 100%, 6 CES steps), None when open."""
        if self.lowest is None or self.highest is None:
            return None
        return self.highest - self.lowest

    def verdict(self, comparison: Comparison) -> Verdict:
        """Better, worse or no significant change, in the measure's direction (lower is better for waits)."""
        if comparison.change is None:
            return NO_COMPARISON
        if not comparison.significant or abs(comparison.change) < 0.05:
            return NO_CHANGE
        return BETTER if (comparison.change > 0) == self.higher_is_better else WORSE

    # ---------------------------------------------------------------- targets

    def check_target(self, target: float) -> None:
        """Raises ValueError naming the measure when `target` is off its scale."""
        low = -float("inf") if self.lowest is None else self.lowest
        high = float("inf") if self.highest is None else self.highest
        if not low <= target <= high:
            if self.highest is None:
                raise ValueError(f"Target for {self.short}: must be {self.lowest:g} or more, not {target:g}.")
            raise ValueError(f"Target for {self.short}: must be between {self.lowest:g} and "
                             f"{self.highest:g}, not {target:g}.")

    def meets(self, value: float | None, target: float | None) -> bool | None:
        """True/False against the target in the measure's direction; None without value or target."""
        if value is None or target is None:
            return None
        return value >= target if self.higher_is_better else value <= target

    def format_target(self, target: float) -> str:
        """'90%', '+10', '60 s', '5.5': a target written in the measure's unit."""
        if self.unit == "points":
            return f"{target:+g}"
        return f"{target:g}{_UNIT_SUFFIX[self.unit]}"

    def target_words(self, target: float | None) -> str:
        """'target 90% or more' / 'target 5% or less' / 'no target set'."""
        if target is None:
            return "no target set"
        return f"target {self.format_target(target)} {'or more' if self.higher_is_better else 'or less'}"

    def target_status(self, value: float | None, target: float | None) -> str:
        """'✓ on target (target 90% or more)', '✗ off target: +19.9 (target +20 or more)' (see
        `target_verdict`), 'no target set', or '' for a target without a value."""
        verdict = self.target_verdict(value, target)
        if not verdict:
            return "no target set" if target is None else ""
        return f"{verdict} ({self.target_words(target)})"

    def target_verdict(self, value: float | None, target: float | None) -> str:
        """'✓ on target' or '✗ off target'; '' without a value or a target.

        A value shown rounded can seem to sit on the other side of its target: an NPS of 19.9
        is shown as '+20', which reads as meeting 'target +20 or more'. The verdict then gives
        the value to as many decimals as it takes to see the side: '✗ off target: +19.9'.
        """
        met = self.meets(value, target)
        if met is None:
            return ""
        words = "✓ on target" if met else "✗ off target"
        shown = shown_decimals(self.unit)
        if self.meets(round(value, shown), target) == met:
            return words
        # Fifteen places tell any value from its target on the measures' scales (|value| <= 100).
        decimals = next((places for places in range(shown + 1, 15)
                         if self.meets(round(value, places), target) == met), 15)
        return f"{words}: {self.value_words(value, decimals)}"

    def value_words(self, value: float, decimals: int | None = None) -> str:
        """A bare value in the measure's unit, e.g. '81%' or '+12' (or to `decimals` places: '+19.9')."""
        return format_value(Estimate(self.label, value, 0, None, None, self.unit), decimals)


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure("nps", "Net Promoter Score", "NPS", "points", -100, 100, True, "survey",
                "Promoters (9 or 10) minus detractors (0 to 6), as points from −100 to +100."),
        Measure("csat", "Satisfaction (CSAT)", "CSAT", "%", 0, 100, True, "survey",
                "Share of answers that are 4 or 5 on the five-point satisfaction scale."),
        Measure("ces", "Ease (CES)", "CES", "", 1, 7, True, "survey",
                "Mean ease score on the scale the survey asked it on (1 to 5 or 1 to 7, higher is "
                "easier); surveys on different scales are never averaged together."),
        Measure("fft", "Friends and Family Test", "FFT", "%", 0, 100, True, "survey",
                "Share of all Friends and Family Test answers that are 'very good' or 'good' (the top "
                "two of five), 'don't know' counted among all answers, with its 95% Wilson interval."),
        Measure("govmetric", "Net satisfaction (GovMetric)", "Net satisfaction", "points", -100, 100, True,
                "survey",
                "Per cent of GovMetric answers 'good' minus per cent 'poor' (good +1, average 0, poor −1), "
                "from −100 to +100."),
        Measure("answered_within_20s", "Calls answered within 20 seconds", "Answered in 20 s", "%", 0, 100,
                True, "kpi",
                "Calls answered within 20 seconds divided by all calls offered, abandoned calls "
                "included and no short abandons excluded (the strictest common variant).",
                numerator_label="calls answered within 20 s", denominator_label="calls offered"),
        Measure("abandoned", "Calls abandoned", "Abandoned", "%", 0, 100, False, "kpi",
                "Calls where the caller hung up before being answered, divided by calls offered.",
                numerator_label="calls abandoned", denominator_label="calls offered"),
        Measure("first_contact_resolution", "Resolved at first contact", "First-contact resolution", "%",
                0, 100, True, "kpi",
                "Answered calls where the caller's need was met without a further contact.",
                numerator_label="calls resolved at first contact", denominator_label="calls answered"),
        Measure("average_wait_seconds", "Average wait before answer", "Average wait", "seconds", 0, None,
                False, "kpi", "Total waiting time of answered calls divided by calls answered.",
                numerator_label="total seconds waited", denominator_label="calls answered"),
        Measure("employee_engagement", "Employee engagement", "Engagement", "%", 0, 100, True, "kpi",
                "Staff survey respondents classed as engaged, divided by all who answered.",
                grain="quarter", numerator_label="engaged respondents",
                denominator_label="staff survey respondents"),
    )
}
SURVEY_MEASURES: tuple[str, ...] = tuple(c for c, m in MEASURES.items() if m.source == "survey")
KPI_MEASURES: tuple[str, ...] = tuple(c for c, m in MEASURES.items() if m.source == "kpi")
CONTACT_CENTRE: tuple[str, ...] = ("answered_within_20s", "abandoned", "first_contact_resolution",
                                   "average_wait_seconds")
# Always on the Overview; FFT and net satisfaction join them when a headline survey asks them.
CORE_SURVEY_MEASURES: tuple[str, ...] = ("nps", "csat", "ces")
# The measures a survey of each kind usually carries, first = the one its page opens on.
KIND_MEASURES: dict[str, tuple[str, ...]] = {
    "post_contact": ("csat", "nps", "ces"), "resident": ("csat", "nps", "ces"),
    "service": ("csat", "nps", "ces"), "fft": ("fft",), "govmetric": ("govmetric",),
    "staff": ("csat", "nps", "ces"),
}
TESTS_USED = ("NPS and net satisfaction: two-sample z-test on the net score; CSAT, FFT and other shares: "
              "two-proportion z-test; CES: Welch z-test on the two means. A change is called significant "
              "when the test gives p < 0.05 (|z| ≥ 1.96).")


def _whole(value: object) -> int | None:
    """A whole number from an aggregate cell, None for NULL, NaN or pandas' NA."""
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def measure(code: str) -> Measure:
    """The measure with this code. Raises ValueError naming the field for an unknown code."""
    try:
        return MEASURES[code]
    except KeyError:
        raise ValueError(f"Measure: {code!r} is not a measure PlaceCX knows.") from None


UNKNOWN = object()  # `based_on` when the caller did not see the target before (no conflict check)


def save_target(surveys: SurveyStore, metric: str, service: str, target: float | None, *,
                updated_by: int | None, now: datetime, based_on: float | None | object = UNKNOWN,
                overwrite: bool = False, source_note: str = "") -> None:
    """Set (or, with None, remove) a measure's target for one service ('' = every service).

    Every survey measure and KPI can have one. `source_note` says where the figure
    comes from (a standard, a plan, a study). `based_on` is the target the person saw
    when they typed theirs (None: there was none). Raises EditConflict when someone
    else has changed that target since (unless `overwrite`), and ValueError naming the
    field for an unknown measure, a target off the measure's scale or a note over
    500 characters.
    """
    chosen = measure(metric)
    if target is not None:
        chosen.check_target(target)
    note = " ".join((source_note or "").split())
    if len(note) > 500:
        raise ValueError(f"Source of the {chosen.short} target: at most 500 characters, not {len(note)}.")
    with surveys.transaction():
        held = surveys.target(metric, service)
        current = None if held is None else held["target"]
        if based_on is not UNKNOWN:
            edits.check(f"the {chosen.short} target", {"target": based_on}, {"target": target},
                        {"target": current},
                        words=lambda _, v: "none" if v is None else chosen.format_target(v),
                        label=lambda _: "Target", changed_by=held and held["updated_by"],
                        changed_at=held and held["updated_at"], overwrite=overwrite)
        surveys.set_target(metric, service, target, updated_by=updated_by, now=now, source_note=note)

