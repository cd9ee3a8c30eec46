"""The roadmap as people read it: the page model, tables, the latest figure of each linked
measure, and the board pack.

Built on the rules in `cx.roadmap`; every status is shown with its symbol and word.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cx.access import Actor
from cx.exports import to_xlsx_bytes
from cx.formatting import format_date, format_value, period_label
from cx.framework import BLOCK_BY_CODE, STAGE_BY_CODE
from cx.heat_map import RoundView, round_view
from cx.measures import KPI_MEASURES, MEASURES, SURVEY_MEASURES
from cx.metrics import Estimate
from cx.roadmap import (
    STARTER_ACTIONS,
    STARTER_SOURCES,
    critical_flags,
    needs_attention,
    progress,
    suggest_entry_stages,
    with_attention,
)
from cx.status import STATUS_BY_CODE, STATUSES
from cx.store import Store
from cx.store.filters import Slice


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
    if not isinstance(metric, str) or metric not in MEASURES:
        return ""
    spec = MEASURES[metric]
    if target is None or pd.isna(target):
        return spec.label
    return f"{spec.label}: {spec.target_words(float(target)).removeprefix('target ')}"


def latest_metric_values(survey_months: pd.DataFrame, kpi_months: pd.DataFrame,
                         kpi_quarters: pd.DataFrame) -> dict[str, tuple[str, Estimate]]:
    """The newest figure of each measure that has data: {code: (period, estimate)}.

    survey_months: `SurveyStore.metrics(grain="month")`; kpi_months and
    kpi_quarters: `SurveyStore.kpi_totals(codes, grain=...)`. A KPI recorded
    quarterly (staff engagement) falls back to its newest quarter.
    """
    latest = {}
    for code in SURVEY_MEASURES:
        if f"{code}_n" not in survey_months:  # a frame from before the measure existed
            continue
        rows = survey_months[survey_months[f"{code}_n"] > 0]
        if not rows.empty:
            row = rows.iloc[-1]
            latest[code] = (period_label(pd.Timestamp(row["period"]).date(), "month"),
                            MEASURES[code].estimate(row))
    for code in KPI_MEASURES:
        for grain, frame in (("month", kpi_months), ("quarter", kpi_quarters)):
            rows = frame[(frame["metric"] == code) & (frame["denominator"] > 0)]
            if not rows.empty:
                row = rows.iloc[-1]
                latest[code] = (period_label(pd.Timestamp(row["period"]).date(), grain),
                                MEASURES[code].estimate(row))
                break
    return latest


def latest_figures(store: Store) -> dict[str, tuple[str, Estimate]]:
    """`latest_metric_values` from the store's small monthly and quarterly aggregates (survey
    figures from the headline surveys, as on the Overview)."""
    codes = list(KPI_MEASURES)
    surveys = store.surveys
    return latest_metric_values(surveys.metrics(Slice(headline_only=True), grain="month"),
                                surveys.kpi_totals(codes, grain="month"),
                                surveys.kpi_totals(codes, grain="quarter"))


def latest_text(metric: object, target: object, latest: Mapping[str, tuple[str, Estimate]]) -> str:
    """'71% in October 2026, ✗ off target' for an action's measure; '' without data."""
    if not isinstance(metric, str) or metric not in latest:
        return ""
    period, estimate = latest[metric]
    text = f"{format_value(estimate)} in {period}"
    if target is None or pd.isna(target) or estimate.value is None:
        return text
    return f"{text}, {MEASURES[metric].target_verdict(estimate.value, float(target))}"


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
    attention = action_table(needs_attention(actions, today), today, cells, latest)
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
    """`RoadmapStore.history` or `recent_changes` as people read it."""
    table = pd.DataFrame({
        "When": [f"{format_date(t)}, {t:%H:%M}" for t in pd.to_datetime(history["changed_at"])],
        "Who": history["changed_by"].fillna("PlaceCX itself (demo or import)") if len(history) else [],
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


# ------------------------------------------------------------- page model


@dataclass(frozen=True)
class RoadmapPage:
    """What the Roadmap page shows, decided once: the plan, and the heat-map round it is read against."""

    programme: dict | None
    entry_stages: dict[str, str]
    actions: pd.DataFrame  # RoadmapStore.actions
    round: RoundView | None  # the heat-map round `cx.heat_map.current_round` picks, if it has ratings
    suggestions: dict[str, tuple[str, str]]  # block -> (suggested entry stage, reason)
    latest: dict[str, tuple[str, Estimate]]  # measure code -> (period, newest figure)

    @property
    def critical(self) -> set[tuple[str, str]]:
        return self.round.critical() if self.round is not None else set()


def roadmap_page(store: Store, chosen_round: int | None = None, viewer: Actor | None = None) -> RoadmapPage:
    """The Roadmap page's model; the heat-map round is the one every page shows, as `viewer` may see it."""
    view = round_view(store, chosen_round, viewer)
    rated = view if view is not None and view.rated else None
    return RoadmapPage(
        programme=store.roadmap.programme(),
        entry_stages=store.roadmap.entry_stages(),
        actions=store.roadmap.actions(),
        round=rated,
        suggestions=suggest_entry_stages(rated.summary) if rated is not None else {},
        latest=latest_figures(store),
    )


def starter_catalogue(present_keys: set[str]) -> pd.DataFrame:
    """Every starter action with where in the toolkit it comes from, for the Roadmap page.

    Columns: Action, Stage, Building blocks, Comes from, In the plan ('✓ Yes' or '✗ No',
    from `present_keys`: the toolkit keys of the plan's actions, archived ones included).
    """
    return pd.DataFrame(
        [{"Action": s.title, "Stage": STAGE_BY_CODE[s.stage].label,
          "Building blocks": ", ".join(BLOCK_BY_CODE[b].label for b in s.blocks),
          "Comes from": STARTER_SOURCES[s.source],
          "In the plan": "✓ Yes" if s.key in present_keys else "✗ No"}
         for s in STARTER_ACTIONS],
        columns=["Action", "Stage", "Building blocks", "Comes from", "In the plan"],
    )
