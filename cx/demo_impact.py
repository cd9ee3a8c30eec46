"""The demo council's evidence that its plan works: three actions with a measured before and after.

- Simpler online parking permit renewal (Parking, web, CSAT): after it is done,
  some unhappy web answers about parking turn happy, so CSAT rises clearly: a
  significant improvement.
- One council tax team from first call to answer (Council tax, phone, NPS): the
  answers in its default after period are drawn, quantile by quantile, from its
  baseline period's answers, so NPS does not move: no significant change, whatever
  end month the demo is built for.
- A drop-in desk for park and allotment bookings (Parks, face to face, NPS) with
  a 30-day window: a handful of answers a month, so too few to judge.

`plant_effects` changes the generated responses (its own seeded generator, so the
rest of the demo stays as it was); `install_impact_demo` adds the actions, inside
the demo's transaction, after the roadmap demo. Dates follow `cx.demo_programme`:
months counted from the programme start, status changes on the 11th at 10:00.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from cx import impact, roadmap
from cx.demo_programme import programme_start
from cx.roadmap import ActionInput
from cx.store import Store

IMPACT_SEED = 18_042


@dataclass(frozen=True)
class DemoAction:
    title: str
    owner: str
    service: str
    channel: str
    metric: str
    target: float
    start: int  # months after the programme start
    due: int
    begun: int  # month it moved to in progress
    done: int  # month it was marked done
    baseline_days: int = impact.BASELINE_DAYS


IMPROVES = DemoAction("Make renewing a parking permit online simpler", "Priya Nair", "Parking", "Web", "csat",
                      75.0, 6, 9, 6, 7)
NO_CHANGE = DemoAction("Give council tax callers one team from first call to answer", "Gareth Lewis",
                       "Council tax", "Phone", "nps", 30.0, 7, 9, 7, 8)
TOO_FEW = DemoAction("Open a drop-in desk for park and allotment bookings", "Tom Hargreaves",
                     "Parks and green spaces", "Face to face", "nps", 40.0, 2, 4, 2, 3, baseline_days=30)
DEMO_ACTIONS = (IMPROVES, NO_CHANGE, TOO_FEW)


def month_start(end_month: date, offset: int) -> date:
    return (pd.Timestamp(programme_start(end_month)) + pd.DateOffset(months=offset)).date()


def change_time(end_month: date, offset: int) -> datetime:
    """When a status change `offset` months into the programme is saved (the 11th, 10:00)."""
    return datetime.combine(month_start(end_month, offset) + timedelta(days=10), datetime.min.time()) \
        + timedelta(hours=10)


def plant_effects(responses: pd.DataFrame, end_month: date) -> pd.DataFrame:
    """The responses with the parking improvement and the council-tax standstill planted (a copy)."""
    rng = np.random.default_rng(IMPACT_SEED)
    frame = responses.copy()
    stamps = frame["completed_at"]
    parking = ((frame["service"] == IMPROVES.service) & (frame["channel"] == IMPROVES.channel)
               & (stamps >= pd.Timestamp(change_time(end_month, IMPROVES.done))))
    csat = frame["csat"].astype("float")
    lift = rng.random(len(frame))
    lifted = np.where((csat == 3) & (lift < 0.5), 4, np.where((csat <= 2) & (lift < 0.3), csat + 2, csat))
    frame["csat"] = pd.array(np.where(parking, lifted, csat), dtype="Float64").astype("UInt8")
    frame["nps"] = _standstill(frame, end_month, rng)
    return frame


def _standstill(frame: pd.DataFrame, end_month: date, rng: np.random.Generator) -> pd.Series:
    """NPS answers of the no-change slice's default after period, matched to its baseline's quantiles."""
    action, stamps = NO_CHANGE, frame["completed_at"]
    scope = (frame["service"] == action.service) & (frame["channel"] == action.channel) & frame["nps"].notna()
    first, last = impact.baseline_window(month_start(end_month, action.start), action.baseline_days)
    done_on = change_time(end_month, action.done).date()
    after_first = done_on + timedelta(days=impact.SETTLE_DAYS)
    after_last = after_first + timedelta(days=action.baseline_days - 1)
    before = scope & _within(stamps, first, last)
    after = scope & _within(stamps, after_first, after_last)
    values = np.sort(frame.loc[before, "nps"].astype(int).to_numpy())
    nps = frame["nps"].copy()
    if len(values) and after.any():
        quantiles = (np.arange(int(after.sum())) + 0.5) / int(after.sum())
        matched = values[np.minimum((quantiles * len(values)).astype(int), len(values) - 1)]
        nps.loc[after] = pd.array(rng.permutation(matched), dtype="UInt8")
    return nps


def _within(stamps: pd.Series, first: date, last: date) -> pd.Series:
    return (stamps >= pd.Timestamp(first)) & (stamps < pd.Timestamp(last) + pd.Timedelta(days=1))


def install_impact_demo(store: Store, end_month: date) -> list[int]:
    """Add the three demo actions with their history; return their ids.

    Runs inside the demo's transaction, with the demo leaders and the programme added.
    """
    people = store.people.all()
    ids = dict(zip(people["name"], people["person_id"].astype(int), strict=True))
    added = []
    for spec in DEMO_ACTIONS:
        owner = ids[spec.owner]
        action = ActionInput(spec.title, "basics", ("collaboration", "data"), owner, "not_started",
                             month_start(end_month, spec.start),
                             month_start(end_month, spec.due) - timedelta(days=1),
                             metric=spec.metric, target=spec.target, services=(spec.service,),
                             channels=(spec.channel,))
        action_id = roadmap.create_action(store, action, by=owner, now=change_time(end_month, spec.start) -
                                          timedelta(days=14))
        for offset, status in ((spec.begun, "in_progress"), (spec.done, "done")):
            now = change_time(end_month, offset)
            current = roadmap.load_action(store.roadmap, action_id)
            roadmap.update_action(store, action_id, replace(current, status=status), by=owner, now=now)
            if status == "in_progress" and spec.baseline_days != impact.BASELINE_DAYS:
                impact.record_baseline(store, action_id, days=spec.baseline_days, by=owner, now=now)
        added.append(action_id)
    return added
