"""The programme at a glance for the Overview: heat map, roadmap and culture change.

Composed from the page models of the programme pages (`cx.heat_map.round_view`,
`cx.roadmap.plan_progress`, `cx.culture.progress`), so the Overview says exactly
what those pages say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from cx import culture, roadmap
from cx.access import Actor
from cx.formatting import format_date
from cx.heat_map import RoundView, round_view
from cx.roadmap import PlanProgress
from cx.store import Store


@dataclass(frozen=True)
class RoadmapGlance:
    progress: PlanProgress
    attention: pd.DataFrame  # the most urgent overdue or blocked actions: Action, Owner, Due, Why

    def sentence(self) -> str:
        return self.progress.sentence()


@dataclass(frozen=True)
class Glance:
    heat_map: RoundView | None  # None until a round has submissions
    roadmap: RoadmapGlance | None
    culture: culture.Progress | None


def build_glance(store: Store, today: date, chosen_round: int | None = None,
                 viewer: Actor | None = None, attention: int = 3) -> Glance:
    """What the programme pages hold today, as `viewer` may see it; a part is None when it has no data.

    `attention`: how many overdue or blocked actions to list, most urgent first.
    """
    view = round_view(store, chosen_round, viewer, today)
    return Glance(view if view is not None and view.rated else None, _roadmap(store, today, attention),
                  _culture(store, today))


def _roadmap(store: Store, today: date, attention: int) -> RoadmapGlance | None:
    if store.roadmap.programme() is None:
        return None
    actions = store.roadmap.actions()
    needing = roadmap.needs_attention(actions, today).head(attention)
    attention = pd.DataFrame({
        "Action": needing["title"],
        "Owner": needing["owner"].fillna("no owner"),
        "Due": [format_date(pd.Timestamp(d).date()) for d in needing["due_date"]],
        "Why": ["blocked" if s == "blocked" else f"overdue by {n} days"
                for s, n in zip(needing["status"], needing["days_overdue"], strict=True)],
    })
    return RoadmapGlance(roadmap.plan_progress(actions, today), attention)


def _culture(store: Store, today: date) -> culture.Progress | None:
    stored = store.leadership.culture_steps()
    if stored.empty:
        return None
    return culture.progress(culture.roadmap(stored, today))
