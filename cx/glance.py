"""The programme at a glance for the Overview: heat map, roadmap and culture change.

Composed from the pure functions of `cx.assessment`, `cx.roadmap` and `cx.culture`
over the store's small frames, so the Overview says exactly what those pages say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from cx import assessment, culture, roadmap
from cx.formatting import format_date
from cx.store import Store


@dataclass(frozen=True)
class HeatMapGlance:
    round_name: str
    held_on: date
    submitted: int
    raters: int
    critical_cells: int
    differing_cells: int
    comparison: str | None  # "3 cells improved since Q2 2026 review, ..." or None for a first round

    def sentence(self) -> str:
        text = (
            f"Latest heat-map round: {self.round_name} ({format_date(self.held_on)}), "
            f"{self.submitted} of {self.raters} raters submitted; {self.critical_cells} of 15 cells "
            f"are a critical focus and views differ on {self.differing_cells}."
        )
        return text + (f" {self.comparison}" if self.comparison else "")


@dataclass(frozen=True)
class RoadmapGlance:
    total: int
    done: int
    in_progress: int
    overdue: int
    blocked: int
    attention: pd.DataFrame  # up to three overdue or blocked actions: title, owner, due_date, reason

    def sentence(self) -> str:
        if self.total == 0:
            return "The roadmap has no actions yet."
        share = round(100 * self.done / self.total)
        return (
            f"Roadmap: {self.done} of {self.total} actions done ({share}%), {self.in_progress} in "
            f"progress; {self.overdue} overdue and {self.blocked} blocked."
        )


@dataclass(frozen=True)
class Glance:
    heat_map: HeatMapGlance | None
    roadmap: RoadmapGlance | None
    culture: culture.Progress | None


def build_glance(store: Store, today: date) -> Glance:
    """What the programme pages hold today; a part is None when its page has no data yet."""
    return Glance(_heat_map(store), _roadmap(store, today), _culture(store, today))


def _heat_map(store: Store) -> HeatMapGlance | None:
    rounds = store.assessment_rounds()
    rounds = rounds[rounds["submitted"] > 0]
    if rounds.empty:
        return None
    latest = rounds.iloc[0]
    summary = assessment.summarise(store.round_ratings(int(latest["round_id"])))
    comparison = None
    if len(rounds) > 1:
        earlier = rounds.iloc[1]
        before = assessment.summarise(store.round_ratings(int(earlier["round_id"])))
        comparison = assessment.change_summary(assessment.compare_rounds(before, summary), earlier["name"])
    return HeatMapGlance(
        round_name=str(latest["name"]),
        held_on=pd.Timestamp(latest["held_on"]).date(),
        submitted=int(latest["submitted"]),
        raters=int(latest["raters"]),
        critical_cells=int((summary["consensus"] == "critical").sum()),
        differing_cells=int(summary["views_differ"].sum()),
        comparison=comparison,
    )


def _roadmap(store: Store, today: date) -> RoadmapGlance | None:
    if store.roadmap_programme() is None:
        return None
    actions = roadmap.with_attention(store.roadmap_actions(), today)
    status = actions["status"]
    needing = actions[actions["attention"]].head(3)
    attention = pd.DataFrame({
        "Action": needing["title"],
        "Owner": needing["owner"].fillna("no owner"),
        "Due": [format_date(pd.Timestamp(d).date()) for d in needing["due_date"]],
        "Why": ["blocked" if s == "blocked" else f"overdue by {n} days"
                for s, n in zip(needing["status"], needing["days_overdue"], strict=True)],
    })
    return RoadmapGlance(
        total=len(actions),
        done=int((status == "done").sum()),
        in_progress=int((status == "in_progress").sum()),
        overdue=int(actions["overdue"].sum()),
        blocked=int((status == "blocked").sum()),
        attention=attention,
    )


def _culture(store: Store, today: date) -> culture.Progress | None:
    stored = store.culture_steps()
    if stored.empty:
        return None
    return culture.progress(culture.roadmap(stored, today))
