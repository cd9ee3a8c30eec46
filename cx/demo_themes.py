"""Demo comments that read like residents wrote them, and the demo's themes, tags and list.

`vary_comments` rewrites the demo's comment column (before it is stored) so that
comments vary: many get a second sentence about the same experience, a few raise a
topic the shipped theme list does not cover (street lights, dog fouling, noise),
which the theme suggestions then find, and a few promoters and detractors write a
comment that contradicts their score, as real respondents sometimes do.
`install_themes_demo` tags the stored comments, makes the suggestions and adds a
short "you said, we did" list. Seeded: the same responses give the same text.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from cx import theme_suggest, themes
from cx.store import Store

SEED = 1_717

# Second sentences, by how the customer felt. None: the comment stays one sentence.
_NEGATIVE_EXTRA = (
    "Waited over half an hour on hold before anyone answered.",
    "The online form crashed twice before it would submit.",
    "Nobody called back when they said they would.",
    "The person on the phone was rude and dismissive.",
    "Had to chase it three times before anything happened.",
    "No update at all since I reported it.",
    "Still waiting for a refund of the payment.",
    "Someone has dumped a mattress on the corner as well.",
    "The street is covered in litter too.",
)
_POSITIVE_EXTRA = (
    "The adviser was patient and explained the options.",
    "Kept me updated by email the whole way through.",
    "Booked it on the website in five minutes.",
    "Much quicker than I expected.",
    "Thank you to the crew who came out.",
)
# Topics outside the shipped list, for the suggestions to find.
_UNLISTED = (
    "The street lights on our road have been out for weeks and it is dark walking home.",
    "Broken street lights near the school, please fix them.",
    "Dog fouling on the footpath by the school is disgusting.",
    "Dog fouling everywhere along the river path, no dog bins.",
    "Noise from the late night bar keeps us awake, noise complaint ignored.",
    "Constant noise from building work at night, noise team never came.",
)
# What a customer wrote when the comment contradicts the score.
_PROMOTER_BUT_ANGRY = (
    "Terrible, the worst experience I have had with the council, awful.",
    "Disgusting service, nobody cares and nothing ever gets fixed.",
)
_DETRACTOR_BUT_HAPPY = (
    "Brilliant, thank you so much, really happy with the help.",
    "Excellent service, great staff, very pleased.",
)

_YOU_SAID = (
    ("Missed bins", "Bins were missed and nobody told you why.",
     "We changed the collection contract and now text you when a round is running late."),
    ("Online forms and website", "The online forms kept crashing.",
     "We rebuilt the report forms and tested them with residents before launch."),
    ("Waiting and delays", "You waited too long on the phone.",
     "We added staff at the busiest hours and offer a call back instead of holding."),
)


def vary_comments(responses: pd.DataFrame) -> pd.Series:
    """The demo's comments, varied as described above; rows without a comment keep none."""
    rng = np.random.default_rng(SEED)
    comments = responses["comment"].to_numpy(dtype=object).copy()
    has = np.array([isinstance(c, str) for c in comments])
    nps = responses["nps"].to_numpy(dtype="float64", na_value=np.nan)
    negative = has & (np.nan_to_num(nps, nan=7) <= 6)
    positive = has & (nps >= 9)
    draw = rng.random(len(comments))
    pick = rng.random(len(comments))
    for mask, extras, rate in ((negative, _NEGATIVE_EXTRA, 0.45), (positive, _POSITIVE_EXTRA, 0.3)):
        chosen = mask & (draw < rate)
        index = (pick[chosen] * len(extras)).astype(int)
        comments[chosen] = [f"{c} {extras[i]}" for c, i in zip(comments[chosen], index, strict=True)]
    for mask, texts, low, high in ((has, _UNLISTED, 0.95, 0.985),
                                   (positive, _PROMOTER_BUT_ANGRY, 0.985, 0.995),
                                   (negative, _DETRACTOR_BUT_HAPPY, 0.985, 0.995)):
        chosen = mask & (draw >= low) & (draw < high)
        comments[chosen] = np.asarray(texts, dtype=object)[(pick[chosen] * len(texts)).astype(int)]
    return pd.Series(comments, index=responses.index, dtype=object)


def install_themes_demo(store: Store, now: datetime) -> None:
    """Tag the demo's comments, suggest themes from the untagged ones, and add "you said, we did"."""
    themes.refresh(store, now=now)
    theme_suggest.refresh_suggestions(store, now=now)
    named = dict(zip(store.themes.themes()["name"], store.themes.themes()["theme_id"], strict=True))
    actions = store.roadmap.actions()
    for index, (theme, said, did) in enumerate(_YOU_SAID):
        action = int(actions["action_id"].iloc[index]) if len(actions) > index else None
        store.you_said.save_you_said(None, {"theme_id": named[theme], "action_id": action,
                                                 "you_said": said,
                                                 "we_did": did, "published": index < 2}, by=None, now=now)
