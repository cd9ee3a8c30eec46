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
from datetime import date, datetime

import pandas as pd

from cx import edits, impact
from cx.formatting import format_date
from cx.framework import BLOCK_BY_CODE, BLOCKS, LEVEL_BY_CODE, STAGE_BY_CODE, STAGES
from cx.measures import MEASURES
from cx.status import STATUS_BY_CODE, STATUSES, percent_done
from cx.store import Store
from cx.store.roadmap import ACTION_FIELDS, RoadmapStore

MIN_YEARS, MAX_YEARS = 3, 5
MAX_TITLE = 120
MAX_NOTES = 4000


# The toolkit pages a starter action comes from. Most are the typical actions its
# roadmap page lists per stage; two come from the pages on building blocks, and say so.
STARTER_SOURCES: dict[str, str] = {
    "roadmap": "Toolkit roadmap page (typical actions for this stage)",
    "branding": "Toolkit page on branding and shared values (not the roadmap page)",
    "collaboration": "Toolkit page on collaboration and integrated services (not the roadmap page)",
}


@dataclass(frozen=True)
class StarterAction:
    """One of the toolkit's typical actions for a stage, in our words, with its building blocks.

    `source` names the toolkit page it comes from (a key of STARTER_SOURCES).
    """

    key: str
    title: str
    stage: str
    blocks: tuple[str, ...]
    source: str = "roadmap"


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
                  "basics", ("branding", "culture"), source="branding"),
    StarterAction("leaders_commit", "Leaders say publicly that teams will work together around the customer",
                  "basics", ("culture", "collaboration"), source="collaboration"),
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
    services: tuple[str, ...] = ()  # the services it covers; empty: every service
    channels: tuple[str, ...] = ()  # the channels it covers; empty: every channel


FIELD_LABELS = {
    "title": "Title", "stage": "Stage", "blocks": "Building blocks", "owner_id": "Owner",
    "status": "Status", "start_date": "Start date", "due_date": "Due date", "notes": "Notes",
    "metric": "Metric", "target": "Target", "services": "Services", "channels": "Channels",
}
MAX_NAMES, MAX_NAME = 50, 200


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
    if metric is not None and metric not in MEASURES:
        raise ValueError("Metric: choose one of the listed metrics.")
    _check_target(metric, action.target)
    blocks = tuple(b.code for b in BLOCKS if b.code in set(action.blocks))
    return replace(action, title=title, blocks=blocks, notes=notes, metric=metric,
                   services=_names("Services", action.services), channels=_names("Channels", action.channels))


def _names(label: str, names: Sequence[str]) -> tuple[str, ...]:
    """Service or channel names trimmed, blanks and repeats dropped.

    Raises ValueError when there are too many or one is too long."""
    clean = tuple(dict.fromkeys(" ".join(str(n).split()) for n in names if str(n).strip()))
    if len(clean) > MAX_NAMES or any(len(n) > MAX_NAME for n in clean):
        raise ValueError(f"{label}: name at most {MAX_NAMES} of them, each under {MAX_NAME} characters.")
    return clean


def _check_target(metric: str | None, target: float | None) -> None:
    if target is None:
        return
    if metric is None:
        raise ValueError("Target: choose the metric the target is for, or clear the target.")
    MEASURES[metric].check_target(target)


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


def needs_attention(actions: pd.DataFrame, today: date) -> pd.DataFrame:
    """The actions that are overdue or blocked, in the order of `with_attention`."""
    marked = with_attention(actions, today)
    return marked[marked["attention"]].reset_index(drop=True)


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
                     "percent_done": percent_done(counts["done"], total)})
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
    metric = MEASURES[action.metric].label if action.metric else ""
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
        "services": ", ".join(action.services) or "All services",
        "channels": ", ".join(action.channels) or "All channels",
    }


def changes(before: ActionInput, after: ActionInput, owners: Mapping[int, str]) -> list[tuple[str, str, str]]:
    """(field label, old words, new words) for every field that differs, in form order."""
    old, new = describe(before, owners), describe(after, owners)
    return [(FIELD_LABELS[f], old[f], new[f]) for f in FIELD_LABELS if old[f] != new[f]]



# ------------------------------------------------------------- progress


@dataclass(frozen=True)
class PlanProgress:
    """How far the plan has got: the figures Overview, Roadmap and the board pack all show."""

    total: int
    done: int
    in_progress: int
    not_started: int
    blocked: int
    overdue: int

    @property
    def percent_done(self) -> int | None:
        return percent_done(self.done, self.total)

    def sentence(self) -> str:
        if self.total == 0:
            return "The roadmap has no actions yet."
        return (f"Roadmap: {self.done} of {self.total} actions done ({self.percent_done}%), "
                f"{self.in_progress} in progress; {self.overdue} overdue and {self.blocked} blocked.")


def plan_progress(actions: pd.DataFrame, today: date) -> PlanProgress:
    """Counts by status, and overdue actions, over a frame of actions."""
    counts = actions["status"].value_counts()
    return PlanProgress(
        total=len(actions),
        done=int(counts.get("done", 0)),
        in_progress=int(counts.get("in_progress", 0)),
        not_started=int(counts.get("not_started", 0)),
        blocked=int(counts.get("blocked", 0)),
        overdue=int(overdue(actions, today).sum()) if len(actions) else 0,
    )


# ---------------------------------------------------------------- saving
# Every save checks its input here, writes through the roadmap store and records
# what changed, in words, in the same transaction.


def load_action(plans: RoadmapStore, action_id: int) -> ActionInput:
    """One action's current fields. Raises ValueError when there is no such action."""
    row = plans.action(action_id)
    return ActionInput(row["title"], row["stage"], tuple(row["blocks"]), row["owner_id"], row["status"],
                       row["start_date"], row["due_date"], row["notes"] or "", row["metric"], row["target"],
                       tuple(row["services"]), tuple(row["channels"]))


def programme_fields(programme: Mapping | None, entry_stages: Mapping[str, str]) -> dict[str, object]:
    """The programme form's fields as one flat record: start_date, years, and an entry stage per block."""
    fields: dict[str, object] = {"start_date": programme["start_date"] if programme else None,
                                 "years": int(programme["years"]) if programme else None}
    fields.update({f"entry:{b.code}": entry_stages.get(b.code) for b in BLOCKS})
    return fields


def save_programme(store: Store, start: date | None, years: int | None, entry_stages: Mapping[str, str], *,
                   by: int | None, now: datetime, with_starters: bool = False,
                   based_on: Mapping[str, object] | None = None, overwrite: bool = False) -> int:
    """Set the programme's start, length and entry stages; optionally add the starter actions.

    `based_on` is `programme_fields` as the form showed them: only what the person
    changed is written. Returns how many starter actions were added. Raises
    ValueError naming the field (see `validate_programme`) or an unknown block or
    stage, and EditConflict when someone else changed the same setting since
    (unless `overwrite`).
    """
    validate_programme(start, years)
    for block, stage in entry_stages.items():
        if block not in BLOCK_BY_CODE or stage not in STAGE_BY_CODE:
            raise ValueError(f"Entry stage: {block!r} / {stage!r} is not a building block and stage.")
    with store.transaction():
        plans = store.roadmap
        before, current = plans.programme(), plans.entry_stages()
        stored = programme_fields(before, current)
        mine = {**stored, **programme_fields({"start_date": start, "years": years}, entry_stages)}
        mine = {name: value for name, value in mine.items() if value is not None}
        owners = store.people.names([before["updated_by"]] if before else [], field="Programme")
        write = edits.check(
            "the programme", based_on or stored, mine, stored, words=_programme_words,
            label=_programme_label,
            changed_by=owners.get(before["updated_by"]) if before else None,
            changed_at=before["updated_at"] if before else None, overwrite=overwrite)
        merged = {**stored, **write}
        plans.set_programme(merged["start_date"], int(merged["years"]), by=by, now=now)
        plans.record_changes(None, [
            ("Programme start", format_date(before["start_date"]) if before else "",
             format_date(merged["start_date"])),
            ("Programme length", f"{before['years']} years" if before else "",
             f"{int(merged['years'])} years"),
        ], by=by, now=now)
        changed = {name.removeprefix("entry:"): value for name, value in write.items()
                   if name.startswith("entry:")}
        for block, stage in changed.items():
            plans.set_entry_stage(block, stage, by=by, now=now)
        plans.record_changes(None, [
            (f"Entry stage: {BLOCK_BY_CODE[b].label}",
             STAGE_BY_CODE[current[b]].label if b in current else "", STAGE_BY_CODE[s].label)
            for b, s in changed.items()
        ], by=by, now=now)
        entries = {b.code: merged[f"entry:{b.code}"] for b in BLOCKS if merged[f"entry:{b.code}"]}
        starters = starter_plan(merged["start_date"], int(merged["years"]), entries) if with_starters else []
        for key, action in starters:
            create_action(store, action, by=by, now=now, toolkit_key=key)
    return len(starters)


def _programme_label(name: str) -> str:
    if name.startswith("entry:"):
        return f"Entry stage: {BLOCK_BY_CODE[name.removeprefix('entry:')].label}"
    return {"start_date": "Programme start", "years": "Programme length"}[name]


def _programme_words(name: str, value: object) -> str:
    if value is None:
        return "(not set)"
    if name == "start_date":
        return format_date(value)
    if name == "years":
        return f"{value} years"
    return STAGE_BY_CODE[str(value)].label


def create_action(store: Store, action: ActionInput, *, by: int | None, now: datetime,
                  toolkit_key: str | None = None) -> int:
    """Add an action to the plan and return its id; the history records its creation.

    Raises ValueError naming the field (see `validate_action`), or "Owner: ..." for
    an owner who is not in the people table.
    """
    clean = validate_action(action)
    with store.transaction():
        store.people.names([clean.owner_id], field="Owner")
        action_id = store.roadmap.insert_action(_fields(clean), by=by, now=now, toolkit_key=toolkit_key)
        store.roadmap.record_changes(action_id, [("Created", "", clean.title)], by=by, now=now)
        impact.after_save(store, action_id, None, by=by, now=now)
    return action_id


def update_action(store: Store, action_id: int, action: ActionInput, *, by: int | None, now: datetime,
                  based_on: ActionInput | None = None, overwrite: bool = False) -> list[tuple[str, str, str]]:
    """Save an edited action and return the (field, old, new) changes recorded (none: no write).

    `based_on` is the action as the form showed it: only the fields the person
    changed from it are written, and changes others made meanwhile to other fields
    are kept. Without it, every field that differs from the stored action is
    written. Raises EditConflict when someone else changed one of the same fields
    since (unless `overwrite`), ValueError as `create_action`, or when the action
    does not exist.
    """
    mine = validate_action(action)
    with store.transaction():
        row = store.roadmap.action(action_id)
        current = load_action(store.roadmap, action_id)
        owners = store.people.names([mine.owner_id, current.owner_id, row["updated_by"]], field="Owner")
        write = edits.check(
            "this action", _fields(based_on or current), _fields(mine), _fields(current),
            words=lambda name, value: describe(replace(current, **{name: value}), owners)[name] or "(empty)",
            label=FIELD_LABELS.get, changed_by=owners.get(row["updated_by"]), changed_at=row["updated_at"],
            overwrite=overwrite)
        merged = validate_action(replace(current, **write))
        diffs = changes(current, merged, owners)
        if not diffs:
            return []
        store.roadmap.update_action(action_id, write, by=by, now=now)
        store.roadmap.record_changes(action_id, diffs, by=by, now=now)
        impact.after_save(store, action_id, current.status, by=by, now=now)
    return diffs


def set_archived(store: Store, action_id: int, archived: bool, *, by: int | None, now: datetime) -> bool:
    """Archive (hide from the plan) or restore an action; return False when nothing changed.

    Raises ValueError when the action does not exist.
    """
    with store.transaction():
        was = bool(store.roadmap.action(action_id)["archived"])
        if was == archived:
            return False
        store.roadmap.set_archived(action_id, archived, by=by, now=now)
        words = {True: "Archived", False: "In the plan"}
        store.roadmap.record_changes(action_id, [("Archived", words[was], words[archived])], by=by, now=now)
    return True


def _fields(action: ActionInput) -> dict[str, object]:
    return {name: getattr(action, name) for name in ACTION_FIELDS}


def missing_starters(store: Store) -> list[tuple[str, ActionInput]]:
    """The toolkit's starter actions for the current programme that the plan (or its archive) lacks."""
    programme = store.roadmap.programme()
    if programme is None:
        return []
    present = set(store.roadmap.actions()["toolkit_key"].dropna()) | set(
        store.roadmap.actions(archived=True)["toolkit_key"].dropna())
    plan = starter_plan(programme["start_date"], int(programme["years"]), store.roadmap.entry_stages())
    return [(key, action) for key, action in plan if key not in present]


def add_missing_starters(store: Store, *, by: int | None, now: datetime) -> int:
    """Add every missing starter action (see `missing_starters`); return how many were added."""
    with store.transaction():
        missing = missing_starters(store)
        for key, action in missing:
            create_action(store, action, by=by, now=now, toolkit_key=key)
    return len(missing)
