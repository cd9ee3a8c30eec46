"""Journeys into actions: a step's opportunity becomes a roadmap action that points back to it.

The action keeps a link to the journey (by id) and the step (by its step key,
which survives renaming, moving and editing the step), so renaming the journey,
editing the map or editing the action never breaks it. When the step is removed
from the map the link says so and keeps the step's name and the opportunity as
they were when the action was made.

Also here: the measured satisfaction of the service and channel a step names,
and the facilitation prompts for a mapping session, in our words from the
toolkit's method.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from cx import metrics
from cx.formatting import format_interval, format_value
from cx.journeys import is_missing, version_label
from cx.roadmap import MAX_TITLE, ActionInput, create_action
from cx.status import STATUS_BY_CODE
from cx.store import Store
from cx.store.filters import Slice

# A journey map is work across teams: the toolkit places it under collaboration.
DEFAULT_BLOCKS: tuple[str, ...] = ("collaboration",)
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class PromptGroup:
    title: str
    prompts: tuple[str, ...]


FACILITATION_PROMPTS: tuple[PromptGroup, ...] = (
    PromptGroup("Before the session", (
        "Which journey will we map? A fairly simple one is a better first try than the most tangled.",
        "Who knows this journey first hand? Aim for about ten people who run the process and deal with "
        "customers; senior managers are not the core of the room. Could a customer join us?",
        "Who will facilitate? Their job is to steer the process and keep time, not to supply the answers.",
        "What evidence can we bring: where contacts fail or repeat, how long each step takes, what "
        "complaints say? The Trends and Key drivers pages hold some of it.",
        "Will we meet in a room, or online with a shared board that everyone can write on?",
    )),
    PromptGroup("Mapping the journey as it is", (
        "Start with the evidence, and if you can, a customer telling how it went for them recently.",
        "At each step: what is the customer trying to get done, what do they do, and where (web, phone, "
        "letter, office, a partner)?",
        "What goes wrong here, and how does the customer feel? How they were treated counts for more than "
        "how much effort it took.",
        "Where is it more complicated than it needs to be, where is information missing or hard to find, "
        "where can mistakes creep in?",
        "Who might struggle here (with technology, with language)? Is it clear who owns this step? "
        "Is it slow, or hard to see what is happening?",
        "Expect loops and dead ends. Write the messy version down; tidying comes later.",
    )),
    PromptGroup("Designing the journey as it should be", (
        "Consider a separate session, so the as-is map can be checked and new people brought in.",
        "For each step: do we need it at all? Is there a quicker way to the customer's goal? Could it be "
        "done online, or earlier in the journey?",
        "Where could we delight the customer, and where can we take frustration out?",
        "How ready are our customers for this change: will they take to it, or need help to adapt?",
        "What would it take: money or people for new technology, whose support we need, a realistic "
        "timescale, and which quick wins we can simply do now? Turn each answer into an action below.",
    )),
)


def opportunities(steps: pd.DataFrame) -> pd.DataFrame:
    """The steps (both versions) that name an opportunity: version, position, stage, opportunities, step_key.

    `steps` is `JourneyStore.steps` output. As-is steps come first, each version in step order.
    """
    columns = ["version", "position", "stage", "opportunities", "step_key"]
    named = steps[[not is_missing(v) for v in steps["opportunities"]]] if len(steps) else steps
    if named.empty:
        return pd.DataFrame(columns=columns)
    order = named.assign(_v=(named["version"] != "as_is").astype(int)).sort_values(["_v", "position"])
    return order[columns].reset_index(drop=True)


def option_label(row: pd.Series | dict) -> str:
    """'As is, step 2 (Find the form): Put the form online', shortened to fit a list."""
    text = " ".join(str(row["opportunities"]).split())
    label = f"{version_label(row['version'])}, step {int(row['position'])} ({row['stage']}): {text}"
    return label if len(label) <= 160 else label[:159] + "…"


def proposed_action(journey: str, step: pd.Series | dict, today: date,
                    owner_id: int | None = None) -> ActionInput:
    """The action PlaceCX offers for a step's opportunity; the person may change any field before saving.

    Title: the opportunity (its first line, cut to fit); stage Fix the basics; the
    collaboration block; not started; from today for DEFAULT_WEEKS weeks; notes say
    where it came from.
    """
    first_line = str(step["opportunities"]).strip().splitlines()[0].strip()
    title = first_line if len(first_line) <= MAX_TITLE else first_line[:MAX_TITLE - 1] + "…"
    notes = (f"From the journey map '{journey}' ({version_label(step['version']).lower()}), step "
             f"{int(step['position'])} '{step['stage']}'. Opportunity: {str(step['opportunities']).strip()}")
    return ActionInput(title, "basics", DEFAULT_BLOCKS, owner_id, "not_started", today,
                       today + timedelta(weeks=DEFAULT_WEEKS), notes=notes[:4000])


def make_action(store: Store, journey_id: int, version: str, step_key: str, action: ActionInput, *,
                by: int | None, now: datetime) -> int:
    """Add `action` to the roadmap, linked to the step `step_key`; return the action's id.

    One unit of work: the action, its history line and the link commit together.
    Raises ValueError when the step is no longer on the map (someone removed it
    meanwhile) or the action does not pass `cx.roadmap.validate_action`.
    """
    version_label(version)
    with store.transaction():
        store.journeys.require(journey_id)
        step = store.journey_links.step(journey_id, version, step_key)
        if step is None:
            raise ValueError("Opportunity: this step is no longer on the map (someone changed it meanwhile). "
                             "Choose the opportunity again.")
        action_id = create_action(store, action, by=by, now=now)
        store.journey_links.link(action_id, journey_id, version, step_key, step_name=step["stage"],
                                 opportunity=step["opportunities"], by=by, now=now)
    return action_id


def link_table(links: pd.DataFrame) -> pd.DataFrame:
    """Linked actions as people read them: Action, Status, Journey, Step, Opportunity.

    The journey and step are named as they are now; a step removed from the map,
    or a deleted journey, is said so with the name it had when the action was made.
    """
    rows = []
    for link in links.to_dict("records"):
        status = STATUS_BY_CODE[link["status"]]
        journey = link["journey"] if isinstance(link["journey"], str) else "(journey deleted)"
        if is_missing(link["position"]):
            step = f"{link['step_name']} (no longer on the map)"
        else:
            step = f"{version_label(link['version'])}, step {int(link['position'])}: {link['step']}"
        rows.append({"Action": link["title"] + (" (archived)" if link["archived"] else ""),
                     "Status": status.tag, "Journey": journey, "Step": step,
                     "Opportunity": link["opportunity"] or ""})
    return pd.DataFrame(rows, columns=["Action", "Status", "Journey", "Step", "Opportunity"])


# Words a journey map uses for a channel that surveys name otherwise.
CHANNEL_WORDS: dict[str, str] = {
    "online": "web", "website": "web", "internet": "web", "telephone": "phone",
    "call": "phone", "ring": "phone", "e-mail": "email", "office": "face to face", "visit": "face to face",
    "in person": "face to face",
}


def matching_channel(named: object, channels: list[str]) -> str | None:
    """The survey channel a step's channel text names ('Mostly online' names 'Web'), or None.

    A channel matches when its name (ignoring case) is a word or phrase of the
    text, or a word of the text means it (`CHANNEL_WORDS`); the longest name wins.
    """
    if is_missing(named):
        return None
    text = " " + " ".join(str(named).lower().replace("/", " ").replace(",", " ").split()) + " "
    meant = {c for word, c in CHANNEL_WORDS.items() if f" {word} " in text}
    found = [c for c in channels if f" {c.lower()} " in text or c.lower() in meant]
    return max(found, key=len) if found else None


def step_satisfaction(store: Store, service: str, steps: pd.DataFrame, start: date, end: date,
                      min_n: int) -> pd.DataFrame:
    """CSAT of `service` through the channel each step names, between `start` and `end`.

    Columns: Step, Channel named, Survey channel, CSAT, 95% interval, n, Enough answers.
    A step whose channel matches no survey channel says so. Raises ValueError
    when `start` is after `end`.
    """
    by_channel = store.surveys.metrics(Slice(start=start, end=end, service=(service,)), by=["channel"])
    counts = {row["channel"]: (int(row["csat_satisfied"]), int(row["csat_n"]))
              for row in by_channel.to_dict("records") if isinstance(row["channel"], str)}
    rows = []
    for step in steps.sort_values("position").to_dict("records"):
        channel = matching_channel(step["channel"], list(counts))
        label = f"{int(step['position'])}. {step['stage']}"
        named = "" if is_missing(step["channel"]) else str(step["channel"])
        if channel is None:
            rows.append({"Step": label, "Channel named": named, "Survey channel": "no survey channel matches",
                         "CSAT": "", "95% interval": "", "n": 0, "Enough answers": "✗ No"})
            continue
        estimate = metrics.csat(*counts[channel])
        rows.append({"Step": label, "Channel named": named, "Survey channel": channel,
                     "CSAT": format_value(estimate), "95% interval": format_interval(estimate),
                     "n": estimate.n, "Enough answers": "✓ Yes" if estimate.is_reliable(min_n) else "✗ No"})
    return pd.DataFrame(rows, columns=["Step", "Channel named", "Survey channel", "CSAT", "95% interval", "n",
                                       "Enough answers"])
