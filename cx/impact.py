"""Did the plan work? Baselines of roadmap actions and their before-and-after evidence.

Rules worth knowing:

- An action linked to a survey measure (NPS, CSAT, CES) gets a baseline when it
  starts: its status leaves "not started", or its start date has come. The
  baseline is the measure over the `BASELINE_DAYS` before the start date, for the
  services and channels the action covers (none named: all of them), and, over the
  same channels and dates, for the services it does not touch (the comparison).
  It is stored as counts, so answers imported later for those dates do not move
  it; the view says how many arrived since and offers to record it again. Changing
  the action's measure, services, channels or start date records it again.
- The after period has the baseline's length. For a done action it starts a
  settling period after the day it was marked done (its due date when that day
  is not known); for an action still under way it starts the settling period
  after its start, and is labelled interim. It never runs past today.
- Before against after uses the measure's own two-sample test
  (`cx.measures.Measure.difference`); with fewer than the minimum answers on
  either side there is no verdict, only the figures, greyed. Where the action
  leaves some services untouched, the difference in differences against them is
  given with its interval: evidence, not proof.
- KPI measures are whole counts of every call or staff member, not samples, so
  no test is made for them; they are listed as such.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from cx.formatting import format_date, format_value, signed_change
from cx.measures import MEASURES, Measure
from cx.metrics import Difference, Estimate, difference_in_differences
from cx.store import Store
from cx.store.roadmap import BASELINE_COUNTS

BASELINE_DAYS = 90
SETTLE_DAYS = 30
MIN_DAYS, MAX_DAYS = 7, 730
GROUPS = ("action", "comparison")
VERDICTS = {
    "improved": "▲ Significant improvement",
    "worsened": "▼ Significant worsening",
    "no_change": "= No significant change",
    "too_few": "⚠ Too few answers to judge",
    "settling": "… After period not begun",
    "not_started": "○ Not started",
    "kpi": "– Not tested (whole counts)",
}
EVIDENCE_NOT_PROOF = ("This is evidence, not proof: something else may have changed over the same months, "
                      "and the comparison only removes what the untouched services shared.")


def _zero_counts() -> dict[str, float]:
    return dict.fromkeys(BASELINE_COUNTS, 0)


# ------------------------------------------------------------------ recording


def has_started(action: Mapping, today: date) -> bool:
    """True once the status has left 'not started' or the start date has come."""
    return action["status"] != "not_started" or action["start_date"] <= today


def is_tested(metric: object) -> bool:
    """True for the measures a before-and-after test applies to (the survey measures)."""
    return isinstance(metric, str) and metric in MEASURES and MEASURES[metric].source == "survey"


def baseline_window(start: date, days: int = BASELINE_DAYS) -> tuple[date, date]:
    """The `days` days before `start` (inclusive dates). Raises ValueError off MIN_DAYS..MAX_DAYS."""
    check_days("Baseline window", days)
    return start - timedelta(days=days), start - timedelta(days=1)


def check_days(label: str, days: int, low: int = MIN_DAYS) -> None:
    """Raises ValueError starting with `label` when `days` is not a whole number in range."""
    if not isinstance(days, int) or not low <= days <= MAX_DAYS:
        raise ValueError(f"{label}: choose between {low} and {MAX_DAYS} days.")


def _group_rows(frame: pd.DataFrame, window: str, groups: Sequence[str]) -> dict[str, dict]:
    """{group: counts} for one window of `RoadmapStore.window_counts`, zeros where nothing answered."""
    rows = {}
    for grp in groups:
        match = frame[(frame["window"] == window) & (frame["grp"] == grp)]
        rows[grp] = {c: match.iloc[0][c].item() for c in BASELINE_COUNTS} if len(match) else _zero_counts()
    return rows


def record_baseline(store: Store, action_id: int, *, days: int = BASELINE_DAYS, by: int | None,
                    now: datetime) -> dict[str, Estimate]:
    """Measure and store an action's baseline now; return {group: estimate} of its measure.

    Replaces any baseline held, and notes it in the action's history. Raises
    ValueError when the action does not exist, has no survey measure, or `days`
    is out of range.
    """
    with store.transaction():
        action = store.roadmap.action(action_id)
        if not is_tested(action["metric"]):
            raise ValueError("Baseline: link the action to NPS, CSAT or CES first; contact-centre and "
                             "staff figures are counted in full, so they need no baseline test.")
        first, last = baseline_window(action["start_date"], days)
        groups = GROUPS if action["services"] else GROUPS[:1]
        counts = store.roadmap.window_counts(action["services"], action["channels"],
                                             [("before", first, last)])
        rows = _group_rows(counts, "before", groups)
        store.roadmap.save_baseline(action_id, action["metric"], action["services"], action["channels"],
                                    first, last, rows, by=by, now=now)
        spec = MEASURES[action["metric"]]
        estimate = spec.estimate(rows["action"])
        store.roadmap.record_changes(action_id, [(
            "Baseline", "", f"{spec.short} {format_value(estimate)} (n = {estimate.n:,}), "
                            f"{format_date(first)} to {format_date(last)}")], by=by, now=now)
    return {grp: spec.estimate(row) for grp, row in rows.items()}


def after_save(store: Store, action_id: int, was_status: str | None, *, by: int | None,
               now: datetime) -> None:
    """What a saved action sets off: the day it was done, and its baseline once it has started.

    `was_status` is the status before the save (None: the action was just added).
    Called by `cx.roadmap` inside the save's transaction. The baseline is
    (re)recorded when the action has a survey measure, has started, and holds no
    baseline for its current measure, services, channels and start date.
    """
    action = store.roadmap.action(action_id)
    if action["status"] == "done" and was_status != "done":
        # Added as already done: finished by its due date at the latest.
        finished = now.date() if was_status is not None else min(now.date(), action["due_date"])
        store.roadmap.set_finished_on(action_id, finished)
    elif action["status"] != "done" and was_status == "done":
        store.roadmap.set_finished_on(action_id, None)
    if not is_tested(action["metric"]) or not has_started(action, now.date()):
        return
    held = store.roadmap.baselines()
    held = held[(held["action_id"] == action_id) & (held["grp"] == "action")]
    if held.empty:
        record_baseline(store, action_id, by=by, now=now)
    elif not _matches(held.iloc[0], action):
        days = (held.iloc[0]["window_end"] - held.iloc[0]["window_start"]).days + 1
        record_baseline(store, action_id, days=int(days), by=by, now=now)


def _matches(baseline: Mapping, action: Mapping) -> bool:
    """True when a stored baseline was taken for the action's current measure, scope and start."""
    return (baseline["metric"] == action["metric"]
            and list(baseline["services"]) == list(action["services"])
            and list(baseline["channels"]) == list(action["channels"])
            and pd.Timestamp(baseline["window_end"]).date() == action["start_date"] - timedelta(days=1))


def record_missing_baselines(store: Store, *, by: int | None, now: datetime) -> int:
    """Record the baseline of every started action with a survey measure that lacks a current one.

    For actions whose start date came without anyone saving them. Returns how many were recorded.
    """
    with store.transaction():
        actions = store.roadmap.actions()
        held = store.roadmap.baselines()
        held = held[held["grp"] == "action"].set_index("action_id")
        recorded = 0
        for action in actions.to_dict("records"):
            if not is_tested(action["metric"]) or not has_started(action, now.date()):
                continue
            if action["action_id"] in held.index and _matches(held.loc[action["action_id"]], action):
                continue
            record_baseline(store, int(action["action_id"]), by=by, now=now)
            recorded += 1
    return recorded


# ------------------------------------------------------------------ assessing


@dataclass(frozen=True)
class Side:
    """One group's figures in one window."""

    first: date
    last: date
    estimate: Estimate
    counts: Mapping[str, float] = field(repr=False)


@dataclass(frozen=True)
class Impact:
    """One action's before and after, as decided once for the page, the CLI and the board pack."""

    action_id: int
    title: str
    status: str
    metric: str
    services: tuple[str, ...]
    channels: tuple[str, ...]
    verdict: str  # a key of VERDICTS
    sentence: str
    before: Side | None = None
    after: Side | None = None
    difference: Difference | None = None
    comparison: tuple[Side, Side] | None = None  # untouched services, before and after
    did: Difference | None = None
    did_sentence: str = ""
    baseline_note: str = ""
    interim: bool = False

    @property
    def effect(self) -> float | None:
        """The change turned so that positive is better, as a share of the measure's scale."""
        spec = MEASURES[self.metric]
        if self.difference is None or self.difference.change is None or spec.span is None:
            return None
        return spec.better(self.difference.change) / spec.span

    @property
    def judged(self) -> bool:
        return self.verdict in ("improved", "worsened", "no_change")


def after_window(action: Mapping, days: int, settle_days: int, today: date) -> tuple[date, date, bool] | None:
    """(first, last, interim) of the after period, or None while it has not begun."""
    if action["status"] == "done":
        done_on = action.get("finished_on")
        done_on = action["due_date"] if done_on is None or pd.isna(done_on) else pd.Timestamp(done_on).date()
        first, interim = done_on + timedelta(days=settle_days), False
    else:
        first, interim = action["start_date"] + timedelta(days=settle_days), True
    if first > today:
        return None
    return first, min(first + timedelta(days=days - 1), today), interim


def assess(action: Mapping, baseline: Mapping[str, Mapping] | None, live: pd.DataFrame, *, min_n: int,
           today: date, settle_days: int = SETTLE_DAYS) -> Impact:
    """Judge one action from its stored baseline (None: none held) and the live window counts.

    `live` is `RoadmapStore.window_counts` for windows 'before' (the baseline window
    as it would be measured today) and 'after' (see `after_window`).
    """
    spec = MEASURES.get(action["metric"])
    base = dict(action_id=int(action["action_id"]), title=action["title"], status=action["status"],
                metric=action["metric"], services=tuple(action["services"]),
                channels=tuple(action["channels"]))
    if spec is None or spec.source != "survey":
        return Impact(**base, verdict="kpi", sentence="Contact-centre and staff figures count every call or "
                      "person, so there is no sample to test; follow them on the Trends page.")
    if not has_started(action, today):
        return Impact(**base, verdict="not_started", sentence="Not started yet: the baseline is recorded "
                      "when the action starts.")
    groups = GROUPS if action["services"] else GROUPS[:1]
    window = _before_window(action, baseline)
    live_before = _group_rows(live, "before", groups)
    current = baseline is not None and _matches(baseline["action"], action)
    stored = {grp: baseline[grp] for grp in groups} if current else None
    before_rows = stored or live_before
    before = Side(*window, spec.estimate(before_rows["action"]), before_rows["action"])
    note = _baseline_note(baseline, stored, live_before, spec)
    days = (window[1] - window[0]).days + 1
    span = after_window(action, days, settle_days, today)
    if span is None:
        begins = _settle_start(action, settle_days)
        return Impact(**base, verdict="settling", before=before, baseline_note=note,
                      sentence=f"The after period begins on {format_date(begins)}, once the "
                               f"{settle_days}-day settling period has passed.")
    after_rows = _group_rows(live, "after", groups)
    after = Side(span[0], span[1], spec.estimate(after_rows["action"]), after_rows["action"])
    difference = spec.difference(after_rows["action"], before_rows["action"])
    comparison, did = None, None
    did_sentence = "Every service is covered, so there is no untouched service to compare with."
    verdict = _verdict(spec, before.estimate.n, after.estimate.n, difference, min_n)
    if "comparison" in before_rows:
        others_before, others_after = before_rows["comparison"], after_rows["comparison"]
        comparison = (Side(*window, spec.estimate(others_before), others_before),
                      Side(span[0], span[1], spec.estimate(others_after), others_after))
        did, did_sentence = (None, "No comparison either: too few answers where the action worked.") \
            if verdict == "too_few" else _against_untouched(spec, before_rows, after_rows, difference, min_n)
    return Impact(**base, verdict=verdict, before=before, after=after, difference=difference,
                  comparison=comparison, did=did, did_sentence=did_sentence, baseline_note=note,
                  interim=span[2],
                  sentence=_sentence(spec, verdict, before, after, difference, min_n, span[2]))


def _before_window(action: Mapping, baseline: Mapping[str, Mapping] | None) -> tuple[date, date]:
    if baseline and _matches(baseline["action"], action):
        row = baseline["action"]
        return pd.Timestamp(row["window_start"]).date(), pd.Timestamp(row["window_end"]).date()
    return baseline_window(action["start_date"])


def _settle_start(action: Mapping, settle_days: int) -> date:
    done_on = action.get("finished_on")
    if action["status"] == "done":
        done_on = action["due_date"] if done_on is None or pd.isna(done_on) else pd.Timestamp(done_on).date()
        return done_on + timedelta(days=settle_days)
    return action["start_date"] + timedelta(days=settle_days)


def _baseline_note(baseline, stored, live_before: Mapping[str, Mapping], spec: Measure) -> str:
    if stored is None:
        if baseline:
            return ("The action's measure, services, channels or start date changed after its baseline was "
                    "recorded; the figure shown is measured now. Record the baseline again to keep it.")
        return "No baseline stored yet: the figure shown is measured now. Record it to keep it fixed."
    row = stored["action"]
    recorded = f"Baseline recorded on {format_date(pd.Timestamp(row['recorded_at']).date())}"
    if row.get("recorded_by") and isinstance(row["recorded_by"], str):
        recorded += f" by {row['recorded_by']}"
    extra = spec.answers(live_before["action"]) - spec.answers(row)
    if extra:
        return (f"{recorded}. Since then {abs(extra):,} answers for those dates have been "
                f"{'imported' if extra > 0 else 'removed'}; the stored baseline is kept as it was. "
                "Record it again to include them.")
    return f"{recorded}."


def _verdict(spec: Measure, n_before: int, n_after: int, difference: Difference, min_n: int) -> str:
    if min(n_before, n_after) < min_n or difference.change is None:
        return "too_few"
    if not difference.significant:
        return "no_change"
    return "improved" if spec.better(difference.change) > 0 else "worsened"


def change_words(spec: Measure, difference: Difference) -> str:
    """'+14 points (95% interval +8 to +20)' in the measure's unit."""
    unit = "points" if spec.unit in ("points", "%") else spec.unit

    def signed(value: float) -> str:
        return signed_change(value, unit).removesuffix(" points").removesuffix(" point")

    return (f"{signed(difference.change)}{' points' if unit == 'points' else ''} "
            f"(95% interval {signed(difference.low)} to {signed(difference.high)})")


def _sentence(spec: Measure, verdict: str, before: Side, after: Side, difference: Difference, min_n: int,
              interim: bool) -> str:
    counts = f"n = {before.estimate.n:,} before and {after.estimate.n:,} after"
    if verdict == "too_few":
        return (f"Too few answers to judge ({counts}); PlaceCX needs at least {min_n} on each side before "
                "it says whether anything changed.")
    moved = (f"{spec.short} went from {format_value(before.estimate)} to {format_value(after.estimate)}, "
             f"{change_words(spec, difference)}, {counts}")
    p = f"{difference.test}, {p_words(difference.p)}" if difference.p is not None else difference.test
    so_far = " so far" if interim else ""
    if verdict == "no_change":
        return f"{moved}: not a significant change{so_far}; chance alone could explain it ({p})."
    word = "improvement" if verdict == "improved" else "worsening"
    return f"{moved}: a significant {word}{so_far} ({p})."


def p_words(p: float) -> str:
    """'p = 0.032' or 'p < 0.001'."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _against_untouched(spec: Measure, before: Mapping, after: Mapping, difference: Difference,
                       min_n: int) -> tuple[Difference | None, str]:
    untouched = spec.difference(after["comparison"], before["comparison"])
    counts = [spec.answers(before["comparison"]), spec.answers(after["comparison"])]
    if min(counts) < min_n or untouched.change is None:
        return None, (f"Too few answers in the untouched services (n = {counts[0]:,} before and "
                      f"{counts[1]:,} after) to compare against them.")
    did = difference_in_differences(difference, untouched)
    if did.change is None:
        return None, "The untouched services cannot be compared (no spread in the answers)."
    judged = "a significant difference" if did.significant else "not a significant difference"
    return did, (f"Over the same dates and channels the untouched services moved "
                 f"{change_words(spec, untouched).split(' (')[0]}; the action's services changed by "
                 f"{change_words(spec, did)} more than they did (difference in differences): {judged}. "
                 + EVIDENCE_NOT_PROOF)


# ---------------------------------------------------------------- reading all


def _action_record(row: Mapping) -> dict:
    """A row of `RoadmapStore.actions` with plain dates and tuples."""
    record = dict(row)
    for name in ("start_date", "due_date", "finished_on"):
        value = record.get(name)
        record[name] = None if value is None or pd.isna(value) else pd.Timestamp(value).date()
    record["services"] = tuple(record["services"])
    record["channels"] = tuple(record["channels"])
    return record


def impacts(store: Store, today: date, *, min_n: int, settle_days: int = SETTLE_DAYS,
            done_only: bool = False) -> list[Impact]:
    """Every action linked to a measure (or only the done ones), judged; in plan order.

    One grouped query per tested action reads its before and after windows.
    Raises ValueError when `settle_days` is out of range.
    """
    check_days("Settling period", settle_days, low=0)
    actions = store.roadmap.actions()
    held = store.roadmap.baselines()
    found = []
    for row in actions[actions["metric"].notna()].to_dict("records"):
        action = _action_record(row)
        if done_only and action["status"] != "done":
            continue
        mine = held[held["action_id"] == action["action_id"]]
        baseline = {r["grp"]: r for r in mine.to_dict("records")} or None
        live = pd.DataFrame(columns=["window", "grp", *BASELINE_COUNTS])
        if is_tested(action["metric"]) and has_started(action, today):
            first, last = _before_window(action, baseline)
            windows = [("before", first, last)]
            span = after_window(action, (last - first).days + 1, settle_days, today)
            if span is not None:
                windows.append(("after", span[0], span[1]))
            live = store.roadmap.window_counts(action["services"], action["channels"], windows)
        found.append(assess(action, baseline, live, min_n=min_n, today=today, settle_days=settle_days))
    return found


def by_effect(found: Sequence[Impact]) -> list[Impact]:
    """Judged actions first, the biggest improvement first; then those without a verdict."""
    return sorted(found, key=lambda i: (not i.judged, -(i.effect or 0.0) if i.judged else 0.0))


def done_impacts(store: Store, today: date, *, min_n: int, settle_days: int = SETTLE_DAYS) -> list[Impact]:
    """The done actions linked to a measure, sorted by size of effect: the Roadmap's impact view
    and the board pack's slide read this."""
    return by_effect(impacts(store, today, min_n=min_n, settle_days=settle_days, done_only=True))


def _side_words(side: Side | None) -> str:
    if side is None:
        return ""
    estimate = side.estimate
    interval = (f", 95% interval {format_value(_bare(estimate, estimate.low))} to "
                f"{format_value(_bare(estimate, estimate.high))}" if estimate.low is not None else "")
    return (f"{format_value(estimate)} (n = {estimate.n:,}{interval}), {format_date(side.first)} to "
            f"{format_date(side.last)}")


def _bare(estimate: Estimate, value: float) -> Estimate:
    return Estimate(estimate.metric, value, estimate.n, None, None, estimate.unit)


def impact_table(found: Sequence[Impact]) -> pd.DataFrame:
    """The impact view as people read it (and as the board pack's slide lists it)."""
    rows = []
    for item in found:
        spec = MEASURES[item.metric]
        change = item.difference
        rows.append({
            "ID": item.action_id,
            "Action": item.title,
            "Measure": spec.short,
            "Covers": scope_words(item.services, item.channels),
            "Before": _side_words(item.before),
            "After": _side_words(item.after) + (" (interim)" if item.interim and item.after else ""),
            "Change": change_words(spec, change) if change is not None and change.change is not None else "",
            "Verdict": VERDICTS[item.verdict],
            "Against untouched services": item.did_sentence.split(" This is evidence")[0]
            if item.after else "",
            "In words": item.sentence,
            "Baseline": item.baseline_note,
        })
    return pd.DataFrame(rows, columns=["ID", "Action", "Measure", "Verdict", "Change", "Before", "After",
                                       "Covers", "Against untouched services", "In words", "Baseline"])


def scope_words(services: Sequence[str], channels: Sequence[str]) -> str:
    """'Parking; Web' / 'All services; all channels'."""
    return f"{', '.join(services) or 'All services'}; {', '.join(channels) or 'all channels'}"


def chart_points(found: Sequence[Impact]) -> pd.DataFrame:
    """Per action with an after figure: the change and its interval, for `cx.evidence_charts.impact_chart`.

    Columns: label, measure (short name), unit_label, change, low, high, reliable, verdict.
    """
    rows = []
    for item in found:
        change = item.difference
        if change is None or change.change is None:
            continue
        spec = MEASURES[item.metric]
        rows.append({"label": f"#{item.action_id} {item.title}", "measure": spec.short,
                     "unit_label": "points" if spec.unit in ("points", "%") else "score",
                     "change": change.change, "low": change.low, "high": change.high,
                     "reliable": item.verdict != "too_few", "verdict": VERDICTS[item.verdict]})
    return pd.DataFrame(rows, columns=["label", "measure", "unit_label", "change", "low", "high", "reliable",
                                       "verdict"])


def points_table(points: pd.DataFrame) -> pd.DataFrame:
    """The impact chart's numbers as a table a screen reader can read."""
    return pd.DataFrame({"Action": points["label"], "Measure": points["measure"],
                         "Change": points["change"].round(1), "95% interval from": points["low"].round(1),
                         "95% interval to": points["high"].round(1), "Verdict": points["verdict"]})


def _side_dict(side: Side | None) -> dict | None:
    if side is None:
        return None
    e = side.estimate
    return {"first_day": side.first.isoformat(), "last_day": side.last.isoformat(), "value": e.value,
            "low": e.low, "high": e.high, "n": e.n}


def _difference_dict(d: Difference | None) -> dict | None:
    if d is None or d.change is None:
        return None
    return {"change": d.change, "low": d.low, "high": d.high, "z": d.z, "p": d.p,
            "significant": d.significant, "test": d.test}


def as_dict(item: Impact) -> dict:
    """One action's impact as plain JSON-ready values (what `python -m cx impact --json` prints)."""
    return {
        "action_id": item.action_id, "title": item.title, "status": item.status, "measure": item.metric,
        "services": list(item.services), "channels": list(item.channels),
        "baseline": _side_dict(item.before), "baseline_note": item.baseline_note,
        "after": _side_dict(item.after), "interim": item.interim,
        "difference": _difference_dict(item.difference),
        "comparison_before": _side_dict(item.comparison[0]) if item.comparison else None,
        "comparison_after": _side_dict(item.comparison[1]) if item.comparison else None,
        "difference_in_differences": _difference_dict(item.did),
        "verdict": item.verdict, "verdict_words": VERDICTS[item.verdict], "sentence": item.sentence,
        "against_untouched": item.did_sentence if item.after else "",
    }
