"""The demo council: two years of plausible, seeded data so a first start is alive.

Fenbridge is a fictional district council. Its data is generated in bulk with
NumPy (never row by row) and is the same for the same seed and end month:

- survey responses (about 50,000 over 24 months) for six place services, with
  seasonality (garden waste in summer, potholes in winter, council-tax bills in
  spring), a service that improves (waste and recycling, after a new collection
  contract), a service that slips (planning, as a backlog builds), channel shift
  towards the web, staff effects and realistic comments;
- monthly contact-centre figures per service, kept as numerators and denominators;
- a quarterly employee-engagement survey per service that moves with satisfaction;
- the leadership team's heat-map rounds and a roadmap a year in (cx.demo_programme).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from cx.demo_cases import install_cases_demo
from cx.demo_facets import add_facet_answers
from cx.demo_impact import install_impact_demo, plant_effects
from cx.demo_leadership import install_leadership_demo
from cx.demo_meetings import install_meetings_demo
from cx.demo_programme import install_assessment_demo, install_roadmap_demo
from cx.demo_themes import install_themes_demo, vary_comments
from cx.measures import save_target
from cx.store import Store
from cx.store.uploads import UploadBatch
from cx.surveys import record_upload

DEMO_SEED = 20_201_107
DEMO_SOURCE = "Fenbridge residents' transaction survey (demo)"
DEMO_KPI_SOURCE = "Fenbridge contact centre and staff survey (demo)"
MONTHS = 24

SERVICES = (
    "Waste and recycling",
    "Highways",
    "Planning",
    "Parking",
    "Council tax",
    "Parks and green spaces",
)
CHANNELS = ("Phone", "Web", "Email", "Face to face")
AREAS = (
    "Abbey", "Castle", "Harbour", "Millbrook", "Northgate", "Riverside", "St Anne's", "Westfield",
)
SEGMENTS = ("Resident", "Business", "Landlord or agent", "Carer or representative")
# The demo leadership team (fictional).
LEADERS = (
    ("Amara Okafor", "Director of Place"),
    ("Tom Hargreaves", "Head of Waste and Environment"),
    ("Priya Nair", "Head of Highways and Transport"),
    ("Gareth Lewis", "Head of Customer Services"),
)
# Survey targets: council-wide ('' service) and one service with its own.
DEMO_TARGETS = (("csat", "", 90.0), ("nps", "", 20.0), ("ces", "", 5.0), ("csat", "Highways", 65.0))
AGE_BANDS = ("16-24", "25-44", "45-64", "65-74", "75+")

# Responses a month per service before seasonality.
_BASE_VOLUME = {
    "Waste and recycling": 700,
    "Highways": 340,
    "Planning": 150,
    "Parking": 300,
    "Council tax": 440,
    "Parks and green spaces": 120,
}
# Relative volume by calendar month (index 0 = January).
_SEASON_VOLUME = {
    "Waste and recycling": (1.25, 1.0, 0.9, 1.0, 1.1, 1.2, 1.25, 1.2, 1.0, 0.9, 0.9, 1.15),
    "Highways": (1.4, 1.35, 1.1, 0.9, 0.8, 0.75, 0.75, 0.8, 0.9, 1.0, 1.15, 1.3),
    "Planning": (0.8, 0.9, 1.0, 1.1, 1.1, 1.1, 1.0, 0.9, 1.0, 1.1, 1.0, 0.8),
    "Parking": (0.9, 0.9, 1.0, 1.0, 1.05, 1.1, 1.2, 1.2, 1.0, 0.95, 0.95, 1.1),
    "Council tax": (0.8, 0.9, 1.6, 1.5, 1.1, 0.9, 0.8, 0.8, 0.85, 0.9, 0.9, 0.7),
    "Parks and green spaces": (0.5, 0.6, 0.9, 1.2, 1.4, 1.5, 1.6, 1.5, 1.1, 0.8, 0.6, 0.5),
}
# Satisfaction (latent, in standard deviations) at the start and end of the two years.
_LEVEL_START_END = {
    "Waste and recycling": (-0.55, 0.45),  # improves: new contract beds in
    "Highways": (-0.25, -0.15),
    "Planning": (0.35, -0.55),  # slips: a validation backlog builds
    "Parking": (-0.2, -0.1),
    "Council tax": (0.25, 0.35),
    "Parks and green spaces": (0.6, 0.65),
}
# Extra seasonal effect on satisfaction by calendar month.
_SEASON_MOOD = {
    "Waste and recycling": (-0.35, -0.1, 0, 0, 0, 0.05, 0, 0, 0, 0, 0, -0.3),
    "Highways": (-0.4, -0.35, -0.2, 0, 0.1, 0.15, 0.15, 0.1, 0, -0.05, -0.2, -0.35),
}
_CHANNEL_MOOD = {"Phone": 0.05, "Web": -0.05, "Email": -0.3, "Face to face": 0.3}
_CHANNEL_SHARE_START = (0.45, 0.33, 0.12, 0.10)
_CHANNEL_SHARE_END = (0.36, 0.46, 0.10, 0.08)


@dataclass(frozen=True)
class DemoData:
    responses: pd.DataFrame
    kpis: pd.DataFrame


def last_complete_month(today: date) -> date:
    """The first day of the month before `today`'s month."""
    first = today.replace(day=1)
    return (pd.Timestamp(first) - pd.DateOffset(months=1)).date()


def build_demo(end_month: date, seed: int = DEMO_SEED) -> DemoData:
    """Generate the demo council's data for the 24 months ending with `end_month`."""
    rng = np.random.default_rng(seed)
    months = pd.date_range(end=pd.Timestamp(end_month), periods=MONTHS, freq="MS")
    responses = _responses(rng, months)
    kpis = _kpis(rng, months, responses)
    return DemoData(plant_effects(responses, end_month), kpis)


def _responses(rng: np.random.Generator, months: pd.DatetimeIndex) -> pd.DataFrame:
    month_idx, service_idx = _volumes(rng, months)
    n = len(month_idx)
    progress = month_idx / (len(months) - 1)
    calendar_month = months.month.to_numpy()[month_idx] - 1

    share = np.outer(1 - progress, _CHANNEL_SHARE_START) + np.outer(progress, _CHANNEL_SHARE_END)
    channel_idx = _choose_rows(rng, share)
    channel = np.asarray(CHANNELS)[channel_idx]
    completed_at = _timestamps(rng, months, month_idx, channel)

    staff_pool = np.array([f"CSA-{i:03d}" for i in range(1, 25)])
    staff_effect = rng.normal(0, 0.22, len(staff_pool))
    staff_effect[6] = -0.75  # one colleague who needs support shows up in the data
    staff_effect[13] = 0.55
    assisted = np.isin(channel, ("Phone", "Face to face"))
    staff_idx = rng.integers(0, len(staff_pool), n)
    staff_id = np.where(assisted, staff_pool[staff_idx], None)

    start_level = np.array([_LEVEL_START_END[s][0] for s in SERVICES])
    end_level = np.array([_LEVEL_START_END[s][1] for s in SERVICES])
    mood_table = np.array([_SEASON_MOOD.get(s, (0,) * 12) for s in SERVICES])
    hours = completed_at.hour.to_numpy()
    weekday = completed_at.day_of_week.to_numpy()
    latent = (
        start_level[service_idx] + (end_level - start_level)[service_idx] * progress
        + mood_table[service_idx, calendar_month]
        + np.vectorize(_CHANNEL_MOOD.get)(channel)
        + np.where(assisted, staff_effect[staff_idx], 0.0)
        - 0.25 * ((channel == "Phone") & (weekday == 0))  # Monday queues
        - 0.15 * (hours >= 16)  # late-afternoon calls wait longest
        + rng.normal(0, 1.0, n)
    )

    nps = np.clip(np.rint(8.0 + 2.0 * latent + rng.normal(0, 0.9, n)), 0, 10)
    csat = 1 + np.searchsorted([-1.8, -1.1, -0.6, 0.5], latent + rng.normal(0, 0.45, n))
    ces_latent = latent + 0.3 * (channel == "Web") + rng.normal(0, 0.6, n)
    ces = 1 + np.searchsorted([-1.9, -1.2, -0.6, -0.1, 0.5, 1.2], ces_latent)

    frame = pd.DataFrame(
        {
            "response_id": [f"FEN-{i:06d}" for i in range(1, n + 1)],
            "completed_at": completed_at,
            "service": np.asarray(SERVICES)[service_idx],
            "channel": channel,
            "area": rng.choice(AREAS, n, p=[0.1, 0.14, 0.09, 0.15, 0.16, 0.13, 0.11, 0.12]),
            "segment": rng.choice(SEGMENTS, n, p=[0.79, 0.1, 0.05, 0.06]),
            "staff_id": staff_id,
            "nps": _some_missing(rng, nps, 0.14),
            "csat": _some_missing(rng, csat.astype(float), 0.03),
            "ces": _some_missing(rng, ces.astype(float), 0.24),
        }
    )
    frame["ces_scale"] = np.where(frame["ces"].isna(), np.nan, 7.0)
    for column in ("nps", "csat", "ces", "ces_scale"):
        frame[column] = frame[column].astype("UInt8")
    frame["comment"] = _comments(rng, frame["service"].to_numpy(), latent)
    frame["comment"] = vary_comments(frame)
    age = rng.choice(AGE_BANDS, n, p=[0.08, 0.3, 0.34, 0.16, 0.12])
    frame["extra_keys"] = [["Age band"]] * n
    frame["extra_values"] = [[a] for a in age]
    frame = add_facet_answers(frame, latent)
    return frame.sort_values("completed_at", kind="stable").reset_index(drop=True)


def _volumes(rng: np.random.Generator, months: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """One (month index, service index) pair per response."""
    calendar = months.month.to_numpy() - 1
    expected = np.array(
        [[_BASE_VOLUME[s] * _SEASON_VOLUME[s][m] for s in SERVICES] for m in calendar]
    )
    counts = rng.poisson(expected)
    month_idx = np.repeat(np.arange(len(months)), counts.sum(axis=1))
    service_idx = np.concatenate([np.repeat(np.arange(len(SERVICES)), row) for row in counts])
    return month_idx, service_idx


def _choose_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Draw one category index per row of a probability matrix."""
    cumulative = probabilities.cumsum(axis=1)
    draws = rng.random(len(probabilities))[:, None] * cumulative[:, -1:]
    return (draws > cumulative).sum(axis=1)


def _timestamps(
    rng: np.random.Generator, months: pd.DatetimeIndex, month_idx: np.ndarray, channel: np.ndarray
) -> pd.DatetimeIndex:
    """Completion times: assisted channels in office hours on weekdays, web any day."""
    starts = months.to_numpy()[month_idx]
    days_in_month = months.days_in_month.to_numpy()[month_idx]
    day = rng.integers(0, days_in_month)
    office = np.isin(channel, ("Phone", "Face to face"))
    office_hours = np.clip(np.rint(rng.normal(12.5, 2.6, len(day))), 8, 17)
    online_hours = np.clip(np.rint(rng.normal(15.5, 4.5, len(day))), 6, 23)
    hour = np.where(office, office_hours, online_hours)
    stamps = pd.DatetimeIndex(
        starts + day.astype("timedelta64[D]") + hour.astype("timedelta64[h]")
        + rng.integers(0, 3600, len(day)).astype("timedelta64[s]")
    )
    # Assisted contacts at weekends move to the nearest weekday inside the same month:
    # Saturday to Friday (or Monday), Sunday to Monday (or Friday).
    weekday = stamps.day_of_week.to_numpy()
    month_start = pd.DatetimeIndex(starts)
    month_end = month_start + pd.to_timedelta(days_in_month, unit="D")
    near = np.where(weekday == 5, -1, 1)
    far = np.where(weekday == 5, 2, -2)
    near_stamps = stamps + pd.to_timedelta(near, unit="D")
    fits = (near_stamps >= month_start) & (near_stamps < month_end)
    shift = np.where(office & (weekday >= 5), np.where(fits, near, far), 0)
    return stamps + pd.to_timedelta(shift, unit="D")


def _some_missing(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    values = values.astype(float)
    values[rng.random(len(values)) < rate] = np.nan
    return values


_NEGATIVE = {
    "Waste and recycling": (
        "My bin was missed again on collection day and nobody told me why.",
        "Reported the missed green bin twice online and still waiting.",
        "The crew left rubbish all over the pavement after emptying the bins.",
        "Took three calls to get a replacement recycling box delivered.",
        "Christmas collection dates were not on the website when I looked.",
        "- bins not collected for two weeks, street smells terrible",
    ),
    "Highways": (
        "The pothole I reported in March is still there and getting deeper.",
        "Street light out for a month, reported it three times.",
        "No updates after I logged the report, it just says 'in progress'.",
        "Gritting on our hill never happens until the afternoon.",
        "Roadworks signs left up long after the work finished.",
    ),
    "Planning": (
        "Application has been waiting for validation for over six weeks.",
        "Could not get hold of the case officer, emails unanswered.",
        "The online portal kept timing out when I uploaded drawings.",
        "Fee paid but no acknowledgement for weeks.",
        "Nobody could tell me when a decision would be made.",
    ),
    "Parking": (
        "Permit renewal form rejected my documents with no explanation.",
        "Waited 40 minutes on the phone to ask about a penalty notice.",
        "Pay machine out of order and I still got a ticket.",
        "Visitor permits are far too hard to buy online.",
    ),
    "Council tax": (
        "Direct debit taken twice this month and it took ages to sort.",
        "The single person discount form is confusing.",
        "Was passed between three departments before anyone could help.",
        "Letter said I was in arrears when I had already paid.",
    ),
    "Parks and green spaces": (
        "Play area equipment broken for months.",
        "Grass in the park left uncut all summer.",
        "Bins in the park overflowing at weekends.",
    ),
}
_POSITIVE = (
    "Really helpful adviser, sorted it in one call.",
    "Quick and easy online, got a confirmation straight away.",
    "Kept informed at every step, thank you.",
    "Polite staff and the problem was fixed within a week.",
    "Much better than last year, collections have been reliable.",
    "The new online form was simple to use.",
    "Friendly and knowledgeable, explained everything clearly.",
    "@Fenbridge team were brilliant - fixed the same day",
)
_NEUTRAL = (
    "Fine, but it took longer than I expected.",
    "Got there in the end.",
    "OK once I found the right page on the website.",
    "Average service, nothing special.",
    "Would have been quicker if I could do it all online.",
)


def _comments(rng: np.random.Generator, services: np.ndarray, latent: np.ndarray) -> np.ndarray:
    """Comment text for roughly a third of responses, more often from unhappy customers."""
    n = len(services)
    leaves_comment = rng.random(n) < np.where(latent < -0.6, 0.55, np.where(latent > 0.8, 0.35, 0.2))
    comments = np.full(n, None, dtype=object)
    choice = rng.random(n)
    for service, phrases in _NEGATIVE.items():
        mask = leaves_comment & (latent < -0.4) & (services == service)
        comments[mask] = np.asarray(phrases, dtype=object)[(choice[mask] * len(phrases)).astype(int)]
    for phrases, mask in (
        (_POSITIVE, leaves_comment & (latent > 0.6)),
        (_NEUTRAL, leaves_comment & (latent >= -0.4) & (latent <= 0.6)),
    ):
        comments[mask] = np.asarray(phrases, dtype=object)[(choice[mask] * len(phrases)).astype(int)]
    return comments


def _kpis(rng: np.random.Generator, months: pd.DatetimeIndex, responses: pd.DataFrame) -> pd.DataFrame:
    """Contact-centre figures per month and service, and a quarterly engagement survey."""
    calendar = months.month.to_numpy() - 1
    rows = []
    for service in SERVICES:
        offered = rng.poisson(
            [_BASE_VOLUME[service] * 6.5 * _SEASON_VOLUME[service][m] for m in calendar]
        ).astype(float)
        pressure = offered / offered.mean()
        abandon_rate = np.clip(0.035 + 0.04 * (pressure - 1) + rng.normal(0, 0.006, MONTHS), 0.01, 0.2)
        abandoned = np.rint(offered * abandon_rate)
        answered = offered - abandoned
        within_20s_rate = np.clip(0.84 - 0.22 * (pressure - 1) + rng.normal(0, 0.02, MONTHS), 0.4, 0.97)
        within_20s = np.rint(offered * np.minimum(within_20s_rate, answered / offered))
        start, end = _LEVEL_START_END[service]
        trend = np.linspace(start, end, MONTHS)
        fcr_rate = np.clip(0.68 + 0.08 * trend + rng.normal(0, 0.015, MONTHS), 0.4, 0.95)
        resolved = np.rint(answered * fcr_rate)
        mean_wait = np.clip(45 + 90 * (pressure - 1) + rng.normal(0, 6, MONTHS), 8, 400)
        wait_seconds = np.rint(answered * mean_wait)
        for metric, numerator, denominator in (
            ("answered_within_20s", within_20s, offered),
            ("abandoned", abandoned, offered),
            ("first_contact_resolution", resolved, answered),
            ("average_wait_seconds", wait_seconds, answered),
        ):
            rows.append(
                pd.DataFrame(
                    {
                        "period_start": months.date,
                        "period_grain": "month",
                        "service": service,
                        "metric": metric,
                        "numerator": numerator,
                        "denominator": denominator,
                    }
                )
            )
    rows.append(_engagement(rng, months, responses))
    return pd.concat(rows, ignore_index=True)


def _engagement(rng: np.random.Generator, months: pd.DatetimeIndex, responses: pd.DataFrame) -> pd.DataFrame:
    """Quarterly staff survey: engagement tracks each service's customer satisfaction."""
    # Only quarters that have ended by the last demo month: the survey runs at quarter end.
    quarters = pd.period_range(months[0], months[-1], freq="Q")
    quarters = quarters[quarters.end_time <= months[-1] + pd.offsets.MonthEnd(1) + pd.Timedelta(days=1)]
    quarter_of = responses["completed_at"].dt.to_period("Q")
    satisfied = (responses["csat"] >= 4).astype(float).where(responses["csat"].notna())
    share = satisfied.groupby([responses["service"], quarter_of]).mean()
    staff = {"Waste and recycling": 140, "Highways": 90, "Planning": 45, "Parking": 60,
             "Council tax": 75, "Parks and green spaces": 50}
    frames = []
    for service in SERVICES:
        respondents = rng.binomial(staff[service], 0.7, len(quarters)).astype(float)
        csat_share = np.array([share.get((service, q), np.nan) for q in quarters])
        csat_share = np.nan_to_num(csat_share, nan=np.nanmean(csat_share))
        rate = np.clip(0.2 + 0.6 * csat_share + rng.normal(0, 0.03, len(quarters)), 0.2, 0.95)
        engaged = rng.binomial(respondents.astype(int), rate).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "period_start": quarters.start_time.date,
                    "period_grain": "quarter",
                    "service": service,
                    "metric": "employee_engagement",
                    "numerator": engaged,
                    "denominator": respondents,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def install_demo(store: Store, today: date) -> int:
    """Write the demo council into an empty database in one transaction; return responses written.

    The end month is the last complete month before
    `today` and is recorded in app_meta as `demo_end_month`, so the data can be
    regenerated exactly.
    """
    end_month = last_complete_month(today)
    data = build_demo(end_month)
    stamp = datetime.combine(today, datetime.min.time())
    uploads = store.uploads
    with store.transaction():
        record_upload(store, DEMO_SOURCE, name=DEMO_SOURCE, kind="post_contact", updated_by=None, now=stamp,
                      services=data.responses["service"].dropna().unique().tolist())
        batch = uploads.create_batch(UploadBatch(DEMO_SOURCE, stamp, len(data.responses), tool="demo",
                                                 uploaded_by="PlaceCX demo"), "responses")
        written = uploads.insert_responses(batch, DEMO_SOURCE, data.responses)
        uploads.set_batch_counts(batch, new=written, duplicate=0, rejected=0)
        kpi_batch = uploads.create_batch(UploadBatch(DEMO_KPI_SOURCE, stamp, len(data.kpis), tool="demo",
                                                     uploaded_by="PlaceCX demo"), "kpi")
        kpis = uploads.insert_kpi_observations(kpi_batch, data.kpis)
        uploads.set_batch_counts(kpi_batch, new=kpis, duplicate=0, rejected=0)
        for name, role in LEADERS:
            store.people.add(name, role, now=stamp)
        install_assessment_demo(store, end_month)
        install_roadmap_demo(store, end_month)
        install_impact_demo(store, end_month)
        install_leadership_demo(store, today)
        install_meetings_demo(store, end_month)
        install_cases_demo(store, today, DEMO_SOURCE)
        install_themes_demo(store, stamp)
        for metric, service, target in DEMO_TARGETS:
            save_target(store.surveys, metric, service, target, updated_by=None, now=stamp,
                        source_note="Fenbridge's own target (demo data).")
        store.admin.set_meta("demo_end_month", end_month.isoformat())
    return written
