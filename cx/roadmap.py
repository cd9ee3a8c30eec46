"""The roadmap planner: the toolkit's three stages as a living plan of actions.

Pure functions over small frames of actions as returned by `Store.roadmap_actions`
(columns action_id, title, stage, blocks (a list of block codes), owner_id, owner,
status, start_date, due_date, notes, metric, target, archived, toolkit_key).

Rules worth knowing:

- An action is overdue when it is not done and its due date is before today.
  Overdue and blocked actions are listed first, soonest due first.
- Progress counts each action once per stage; per building block an action tagged
  with two blocks counts in both.
- The entry stage suggested for a building block is the first stage, in roadmap
  order, that the latest heat-map round does not rate a strength: a critical cell
  there makes it the obvious place to start, and a strength means the council can
  step in further along. When every stage is a strength it is Customer excellence.
- An action is flagged when the latest heat-map round rates its stage a critical
  focus for any of its building blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from cx import metrics
from cx.exports import to_xlsx_bytes
from cx.formatting import format_date, format_value, period_label
from cx.framework import BLOCK_BY_CODE, BLOCKS, LEVEL_BY_CODE, STAGE_BY_CODE, STAGES
from cx.kpis import KPIS
from cx.metrics import Estimate

MIN_YEARS, MAX_YEARS = 3, 5
MAX_TITLE = 120
MAX_NOTES = 4000


@dataclass(frozen=True)
class Status:
    code: str
    word: str
    symbol: str
    fill: str  # colour-blind-safe (Okabe-Ito); always shown with the word and symbol
    pattern: str  # plotly bar pattern, so statuses differ in greyscale too

    @property
    def tag(self) -> str:
        return f"{self.symbol} {self.word}"


STATUSES: tuple[Status, ...] = (
    Status("not_started", "Not started", "○", "#BBBBBB", "."),
    Status("in_progress", "In progress", "◑", "#56B4E9", "/"),
    Status("done", "Done", "●", "#009E73", ""),
    Status("blocked", "Blocked", "⊘", "#D55E00", "x"),
)
STATUS_BY_CODE: dict[str, Status] = {s.code: s for s in STATUSES}


@dataclass(frozen=True)
class Metric:
    """A figure an action can aim to move; `unit` as in cx.metrics.Estimate."""

    code: str
    label: str
    unit: str
    low: float
    high: float | None
    higher_is_better: bool


METRICS: dict[str, Metric] = {
    m.code: m for m in (
        Metric("nps", "Net Promoter Score", "points", -100, 100, True),
        Metric("csat", "Satisfaction (CSAT)", "%", 0, 100, True),
        Metric("ces", "Ease (CES, 1 to 7)", "", 1, 7, True),
        *(Metric(k.code, k.label, k.unit, 0, 100 if k.unit == "%" else None, k.higher_is_better)
          for k in KPIS.values()),
    )
}


@dataclass(frozen=True)
class StarterAction:
    """One of the toolkit's typical actions for a stage, in our words, with its building blocks."""

    key: str
    title: str
    stage: str
    blocks: tuple[str, ...]


STARTER_ACTIONS: tuple[StarterAction, ...] = (
    StarterAction("voice_of_customer", "Gather customer feedback on how services perform today "
                  "(Voice of the Customer)", "basics", ("data",)),
    StarterAction("data_gaps", "Find out which information we lack and how to collect it",
                  "basics", ("data",)),
    StarterAction("pain_points", "Rank the pain points customers hit most often and fix the worst first",
                  "basics", ("data", "collaboration")),
    StarterAction("quick_digital", "Review digital fixes that can be made in the short term",
                  "basics", ("collaboration", "data")),
    StarterAction("staff_groups", "Bring staff into focus groups and working groups on service problems",
                  "basics", ("employees", "collaboration")),
    StarterAction("voice_of_employee", "Survey staff engagement (Voice of the Employee)",
                  "basics", ("employees", "data")),
    StarterAction("customer_promise", "Agree and publish what customers can expect from us",
                  "basics", ("branding", "culture")),
    StarterAction("leaders_commit", "Leaders say publicly that teams will work together around the customer",
                  "basics", ("culture", "collaboration")),
    StarterAction("monitor_consistency", "Track performance continuously from customer data, watching "
                  "that key processes run the same way every time", "consistency", ("data",)),
    StarterAction("channels", "Compare and even out service across online and face-to-face channels",
                  "consistency", ("collaboration", "data")),
    StarterAction("communication_style", "Review how we write and speak to customers: channels, tone "
                  "and style", "consistency", ("branding",)),
    StarterAction("excellence_training", "Train staff in customer excellence",
                  "consistency", ("employees", "culture")),
    StarterAction("monitor_engagement", "Track staff engagement over time and act on it",
                  "consistency", ("employees", "data")),
    StarterAction("co_creation", "Consult customers more widely and design current and future services "
                  "with them", "excellence", ("collaboration", "branding")),
    StarterAction("personalised", "Tailor communications and services to the individual",
                  "excellence", ("branding", "data")),
    StarterAction("digital_capability", "Build stronger digital services", "excellence", ("data",)),
    StarterAction("empowerment", "Set up schemes that let staff put things right for customers themselves",
                  "excellence", ("employees", "culture")),
    StarterAction("behaviours", "Develop staff's behavioural skills", "excellence", ("employees", "culture")),
)


@dataclass(frozen=True)
class ActionInput:
    """What a person enters for an action; `validate_action` cleans and checks it."""

    title: str
    stage: str
    blocks: tuple[str, ...]
    owner_id: int | None
    status: str
    start_date: date | None
    due_date: date | None
    notes: str = ""
    metric: str | None = None
    target: float | None = None


FIELD_LABELS = {
    "title": "Title", "stage": "Stage", "blocks": "Building blocks", "owner_id": "Owner",
    "status": "Status", "start_date": "Start date", "due_date": "Due date", "notes": "Notes",
    "metric": "Metric", "target": "Target",
}


# --------------------------------------------------------------- checking


def validate_action(action: ActionInput) -> ActionInput:
    """Return the action cleaned (trimmed text, blocks in framework order).

    Raises ValueError whose message starts with the field's label: an empty or
    overlong title, an unknown stage or status, no building block, a missing date,
    a due date before the start date, overlong notes, an unknown metric, a target
    without a metric or outside the metric's range.
    """
    title = " ".join((action.title or "").split())
    if not title:
        raise ValueError("Title: enter a short title for the action.")
    if len(title) > MAX_TITLE:
        raise ValueError(f"Title: keep it to {MAX_TITLE} characters or fewer.")
    if action.stage not in STAGE_BY_CODE:
        raise ValueError("Stage: choose one of the three roadmap stages.")
    unknown = [b for b in action.blocks if b not in BLOCK_BY_CODE]
    if unknown:
        raise ValueError(f"Building blocks: {unknown} are not building blocks.")
    if not action.blocks:
        raise ValueError("Building blocks: choose at least one.")
    if action.status not in STATUS_BY_CODE:
        raise ValueError("Status: choose not started, in progress, done or blocked.")
    if action.start_date is None:
        raise ValueError("Start date: enter the date work starts (or started).")
    if action.due_date is None:
        raise ValueError("Due date: enter the date the action should be finished.")
    if action.due_date < action.start_date:
        raise ValueError(f"Due date: {format_date(action.due_date)} is before the start date "
                         f"({format_date(action.start_date)}); choose a later due date.")
    notes = (action.notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValueError(f"Notes: keep them to {MAX_NOTES:,} characters or fewer.")
    metric = action.metric or None
    if metric is not None and metric not in METRICS:
        raise ValueError("Metric: choose one of the listed metrics.")
    _check_target(metric, action.target)
    blocks = tuple(b.code for b in BLOCKS if b.code in set(action.blocks))
    return replace(action, title=title, blocks=blocks, notes=notes, metric=metric)


def _check_target(metric: str | None, target: float | None) -> None:
    if target is None:
        return
    if metric is None:
        raise ValueError("Target: choose the metric the target is for, or clear the target.")
    spec = METRICS[metric]
    if target < spec.low or (spec.high is not None and target > spec.high):
        top = f"{spec.high:g}" if spec.high is not None else "no upper limit"
        raise ValueError(f"Target: {spec.label} runs from {spec.low:g} to {top}; {target:g} is outside it.")


def validate_programme(start: date | None, years: int | None) -> None:
    """Raises ValueError naming the field when the start is missing or the length is not 3 to 5 years."""
    if start is None:
        raise ValueError("Programme start: enter the date the programme starts.")
    if years is None or not MIN_YEARS <= int(years) <= MAX_YEARS:
        raise ValueError(f"Length: a programme runs for {MIN_YEARS} to {MAX_YEARS} years.")


def programme_end(start: date, years: int) -> date:
    """The last day of a programme of `years` years from `start`."""
    return (pd.Timestamp(start) + pd.DateOffset(years=years) - pd.Timedelta(days=1)).date()


# ---------------------------------------------------------- the plan itself


def stage_window(start: date, years: int, entry_stage: str, stage: str) -> tuple[date, date]:
    """Default dates for work in `stage` when a block steps in at `entry_stage`.

    The programme's months are shared equally between the stages from the entry
    stage on, in order (3 to 5 years split two or three ways is always whole
    months). Raises ValueError when `stage` comes before `entry_stage`.
    """
    order = [s.code for s in STAGES]
    remaining = order[order.index(entry_stage):]
    if stage not in remaining:
        raise ValueError(f"Stage: {STAGE_BY_CODE[stage].label} comes before the entry stage.")
    months = 12 * years // len(remaining)
    index = remaining.index(stage)
    first = pd.Timestamp(start) + pd.DateOffset(months=months * index)
    last = pd.Timestamp(start) + pd.DateOffset(months=months * (index + 1)) - pd.Timedelta(days=1)
    return first.date(), last.date()


def starter_plan(start: date, years: int, entry_stages: Mapping[str, str]) -> list[tuple[str, ActionInput]]:
    """The toolkit's starter actions a council still needs, as (toolkit key, action) pairs.

    An action is kept for the building blocks that enter at or before its stage
    (earlier stages are behind those blocks); its dates are that stage's window for
    the earliest-entering of them. All start as not started, with no owner.
    """
    order = {s.code: s.order for s in STAGES}
    plan = []
    for starter in STARTER_ACTIONS:
        blocks = tuple(b.code for b in BLOCKS if b.code in starter.blocks
                       and order[entry_stages.get(b.code, "basics")] <= order[starter.stage])
        if not blocks:
            continue
        entry = min((entry_stages.get(b, "basics") for b in blocks), key=order.get)
        first, last = stage_window(start, years, entry, starter.stage)
        plan.append((starter.key, ActionInput(starter.title, starter.stage, blocks, None, "not_started",
                                              first, last)))
    return plan


def overdue(actions: pd.DataFrame, today: date) -> pd.Series:
    """True for actions not done whose due date is before today."""
    due = pd.to_datetime(actions["due_date"])
    return (actions["status"] != "done") & (due < pd.Timestamp(today))


def with_attention(actions: pd.DataFrame, today: date) -> pd.DataFrame:
    """The actions with `overdue`, `days_overdue` and `attention` columns, attention first.

    Order: overdue or blocked actions first, then the rest; within each, soonest
    due first, then title.
    """
    frame = actions.copy()
    frame["overdue"] = overdue(frame, today)
    due = pd.to_datetime(frame["due_date"])
    frame["days_overdue"] = ((pd.Timestamp(today) - due).dt.days).where(frame["overdue"], 0).astype(int)
    frame["attention"] = frame["overdue"] | (frame["status"] == "blocked")
    frame["_due"] = due
    frame = frame.sort_values(["attention", "_due", "title"], ascending=[False, True, True], kind="stable")
    return frame.drop(columns="_due").reset_index(drop=True)


def progress(actions: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts per status and the share done, per 'stage' or per 'block', in framework order.

    Columns: code, label, one column per status code, total, percent_done (None
    when a group has no actions). Raises ValueError for another `by`.
    """
    if by == "stage":
        groups, keys = STAGES, actions["stage"]
        frame = actions.assign(_key=keys)
    elif by == "block":
        groups = BLOCKS
        frame = actions.assign(_key=actions["blocks"].map(list)).explode("_key")
    else:
        raise ValueError(f"Progress is by 'stage' or 'block', not {by!r}.")
    rows = []
    for group in groups:
        mine = frame[frame["_key"] == group.code]
        counts = {s.code: int((mine["status"] == s.code).sum()) for s in STATUSES}
        total = len(mine)
        rows.append({"code": group.code, "label": group.label, **counts, "total": total,
                     "percent_done": round(100 * counts["done"] / total) if total else None})
    return pd.DataFrame(rows)


def filter_actions(actions: pd.DataFrame, *, owners: Sequence[int | None] = (),
                   blocks: Sequence[str] = (), stages: Sequence[str] = ()) -> pd.DataFrame:
    """Actions matching every filter given (empty = no restriction); owner None means "no owner"."""
    keep = pd.Series(True, index=actions.index)
    if owners:
        wanted = set(owners)
        keep &= actions["owner_id"].map(lambda o: (None if pd.isna(o) else int(o)) in wanted)
    if blocks:
        keep &= actions["blocks"].map(lambda bs: bool(set(bs) & set(blocks)))
    if stages:
        keep &= actions["stage"].isin(stages)
    return actions[keep]


# ------------------------------------------------------- from the heat map


def suggest_entry_stages(summary: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Per building block, (suggested entry stage, reason) from a heat-map summary.

    `summary` is `cx.assessment.summarise(...)` of the latest round. Blocks with no
    team level for a stage are treated as not yet a strength there. Returns blocks
    in framework order.
    """
    levels = summary.set_index(["block", "stage"])["consensus"]
    suggestions = {}
    for block in BLOCKS:
        seen = []
        for stage in STAGES:
            level = levels.get((block.code, stage.code))
            tag = LEVEL_BY_CODE[level].tag if isinstance(level, str) else "– not rated"
            seen.append(f"{stage.label} is rated {tag}")
            if level != "strength":
                suggestions[block.code] = (stage.code, "; ".join(seen))
                break
        else:
            suggestions[block.code] = ("excellence", "every stage is rated ✓ Strength")
    return suggestions


def critical_cells(summary: pd.DataFrame) -> set[tuple[str, str]]:
    """The (block, stage) cells the heat-map summary rates a critical focus."""
    rated = summary[summary["consensus"].map(lambda c: c == "critical")]
    return set(zip(rated["block"], rated["stage"], strict=True))


def critical_flags(actions: pd.DataFrame, cells: set[tuple[str, str]]) -> pd.Series:
    """Per action, '' or '! Critical focus: Data, Employees' naming the critical blocks at its stage."""
    symbol = LEVEL_BY_CODE["critical"].tag

    def flag(row) -> str:
        mine = set(row["blocks"])
        hit = [b.short for b in BLOCKS if b.code in mine and (b.code, row["stage"]) in cells]
        return f"{symbol}: {', '.join(hit)}" if hit else ""

    if actions.empty:
        return pd.Series([], dtype=object)
    return actions.apply(flag, axis=1)


# ---------------------------------------------------------------- history


def describe(action: ActionInput, owners: Mapping[int, str]) -> dict[str, str]:
    """Each field of an action as the words the history records."""
    metric = METRICS[action.metric].label if action.metric else ""
    return {
        "title": action.title,
        "stage": STAGE_BY_CODE[action.stage].label,
        "blocks": ", ".join(BLOCK_BY_CODE[b].label for b in action.blocks),
        "owner_id": owners.get(action.owner_id, "No owner") if action.owner_id is not None else "No owner",
        "status": STATUS_BY_CODE[action.status].tag,
        "start_date": format_date(action.start_date) if action.start_date else "",
        "due_date": format_date(action.due_date) if action.due_date else "",
        "notes": action.notes,
        "metric": metric,
        "target": f"{action.target:g}" if action.target is not None else "",
    }


def changes(before: ActionInput, after: ActionInput, owners: Mapping[int, str]) -> list[tuple[str, str, str]]:
    """(field label, old words, new words) for every field that differs, in form order."""
    old, new = describe(before, owners), describe(after, owners)
    return [(FIELD_LABELS[f], old[f], new[f]) for f in FIELD_LABELS if old[f] != new[f]]


# ----------------------------------------------------------------- display


def action_table(actions: pd.DataFrame, today: date, cells: set[tuple[str, str]],
                 latest: Mapping[str, tuple[str, Estimate]] | None = None) -> pd.DataFrame:
    """The plan as people read it: attention first, words and symbols for stage, status and flags.

    `latest` (from `latest_metric_values`) adds each linked metric's newest figure.
    """
    frame = with_attention(actions, today)
    latest = latest or {}
    flags = critical_flags(frame, cells)
    return pd.DataFrame({
        "ID": frame["action_id"],
        "Action": frame["title"],
        "Stage": [STAGE_BY_CODE[s].label for s in frame["stage"]],
        "Building blocks": [", ".join(BLOCK_BY_CODE[b].short for b in bs) for bs in frame["blocks"]],
        "Owner": frame["owner"].fillna("No owner yet") if len(frame) else [],
        "Status": [STATUS_BY_CODE[s].tag for s in frame["status"]],
        "Start": [format_date(d) for d in pd.to_datetime(frame["start_date"]).dt.date],
        "Due": [format_date(d) for d in pd.to_datetime(frame["due_date"]).dt.date],
        "Overdue": [f"{d} days" if o else "" for d, o in zip(frame["days_overdue"], frame["overdue"],
                                                              strict=True)],
        "Heat map": flags.tolist(),
        "Metric and target": [_metric_text(m, t) for m, t in zip(frame["metric"], frame["target"],
                                                                 strict=True)],
        "Latest figure": [latest_text(m, t, latest) for m, t in zip(frame["metric"], frame["target"],
                                                                    strict=True)],
        "Notes": frame["notes"].fillna("") if len(frame) else [],
    })


def _metric_text(metric: object, target: object) -> str:
    if not isinstance(metric, str) or metric not in METRICS:
        return ""
    spec = METRICS[metric]
    if target is None or pd.isna(target):
        return spec.label
    relation = "or more" if spec.higher_is_better else "or less"
    unit = {"%": "%", "seconds": " s", "points": ""}.get(spec.unit, "")
    value = f"{target:+g}" if spec.unit == "points" else f"{target:g}"
    return f"{spec.label}: {value}{unit} {relation}"


def latest_metric_values(survey_months: pd.DataFrame, kpi_months: pd.DataFrame,
                         kpi_quarters: pd.DataFrame) -> dict[str, tuple[str, Estimate]]:
    """The newest figure of each metric in METRICS that has data: {code: (period, estimate)}.

    survey_months: `Store.survey_metrics(grain="month")`; kpi_months and
    kpi_quarters: `Store.kpi_totals(codes, grain=...)`. A KPI recorded quarterly
    (staff engagement) falls back to its newest quarter.
    """
    latest = {}
    for code, counts, make in (
        ("nps", "nps_n", lambda r: metrics.nps(int(r.promoters), int(r.detractors), int(r.nps_n))),
        ("csat", "csat_n", lambda r: metrics.csat(int(r.csat_satisfied), int(r.csat_n))),
        ("ces", "ces_n", lambda r: metrics.ces(float(r.ces_sum), float(r.ces_sumsq), int(r.ces_n))),
    ):
        rows = survey_months[survey_months[counts] > 0]
        if not rows.empty:
            row = rows.iloc[-1]
            latest[code] = (period_label(pd.Timestamp(row.period).date(), "month"), make(row))
    for code in KPIS:
        for grain, frame in (("month", kpi_months), ("quarter", kpi_quarters)):
            rows = frame[(frame["metric"] == code) & (frame["denominator"] > 0)]
            if not rows.empty:
                row = rows.iloc[-1]
                latest[code] = (period_label(pd.Timestamp(row.period).date(), grain),
                                _kpi_estimate(code, float(row.numerator), float(row.denominator)))
                break
    return latest


def latest_figures(store) -> dict[str, tuple[str, Estimate]]:
    """`latest_metric_values` from a cx.store.Store's small monthly and quarterly aggregates."""
    codes = list(KPIS)
    return latest_metric_values(store.survey_metrics(grain="month"),
                                store.kpi_totals(codes, grain="month"),
                                store.kpi_totals(codes, grain="quarter"))


def _kpi_estimate(code: str, numerator: float, denominator: float) -> Estimate:
    spec = KPIS[code]
    if spec.unit == "%":
        return metrics.kpi_ratio(spec.label, numerator, denominator)
    return Estimate(spec.label, numerator / denominator, int(denominator), None, None, spec.unit)


def latest_text(metric: object, target: object, latest: Mapping[str, tuple[str, Estimate]]) -> str:
    """'71% in October 2026, ✗ short of the target' for an action's metric; '' without data."""
    if not isinstance(metric, str) or metric not in latest:
        return ""
    period, estimate = latest[metric]
    text = f"{format_value(estimate)} in {period}"
    if target is None or pd.isna(target) or estimate.value is None:
        return text
    spec = METRICS[metric]
    met = estimate.value >= target if spec.higher_is_better else estimate.value <= target
    return text + (", ✓ meets the target" if met else ", ✗ short of the target")


def progress_table(table: pd.DataFrame, heading: str) -> pd.DataFrame:
    """`progress(...)` with status words as column names, for screens and exports."""
    out = pd.DataFrame({heading: table["label"]})
    for status in STATUSES:
        out[status.tag] = table[status.code]
    out["Actions"] = table["total"]
    out["% done"] = table["percent_done"]
    return out


def plan_xlsx(actions: pd.DataFrame, today: date, cells: set[tuple[str, str]], title: str,
              latest: Mapping[str, tuple[str, Estimate]] | None = None) -> bytes:
    """The board-pack workbook: the plan (status cells coloured, words kept), progress, attention.

    Text is formula-safe through cx.exports.
    """
    plan = action_table(actions, today, cells, latest)
    attention = plan[[bool(o) or s == STATUS_BY_CODE["blocked"].tag
                      for o, s in zip(plan["Overdue"], plan["Status"], strict=True)]]
    fills = {s.tag: s.fill for s in STATUSES}

    def status_fill(row: int, column: str, value: object) -> str | None:
        return fills.get(value) if column == "Status" else None

    return to_xlsx_bytes(
        {
            "Plan": plan,
            "Needs attention": attention,
            "Progress by stage": progress_table(progress(actions, "stage"), "Stage"),
            "Progress by block": progress_table(progress(actions, "block"), "Building block"),
        },
        fills={"Plan": status_fill, "Needs attention": status_fill},
        titles={"Plan": title, "Needs attention": f"{title}: overdue or blocked on {format_date(today)}",
                "Progress by stage": title, "Progress by block": title},
    )


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """`Store.roadmap_history` or `roadmap_recent_changes` as people read it."""
    table = pd.DataFrame({
        "When": [f"{format_date(t)}, {t:%H:%M}" for t in pd.to_datetime(history["changed_at"])],
        "Who": history["changed_by"].fillna("Not recorded") if len(history) else [],
    })
    if "action" in history.columns:
        table["Action"] = [
            "The programme" if pd.isna(i) else f"#{int(i)} {t}"
            for i, t in zip(history["action_id"], history["action"], strict=True)
        ]
    table["What changed"] = history["field"].tolist()
    table["From"] = history["old_value"].fillna("").tolist()
    table["To"] = history["new_value"].fillna("").tolist()
    return table
