"""The demo leadership team's own work: checklist answers, the cultural-change roadmap, a journey map.

Written into the demo database by `cx.demo.install_demo`, inside its transaction,
with every date counted back from the demo's `today`, so a given day always gives
the same content. The journey is the toolkit's worked example (claiming a council
tax discount for a family member with a severe mental impairment), in PlaceCX's
own words, with a to-be version built from the improvements the toolkit suggests.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd

from cx import checklist, culture, journeys
from cx.journeys import STEP_COLUMNS
from cx.store import Store

# (leader, question, days before today, hour, shared, answer)
_CHECKLIST = (
    ("Amara Okafor", "three_years", 96, 9, False,
     "That we answer the phone and sort things first time."),
    ("Amara Okafor", "three_years", 6, 17, False,
     "That dealing with the council is easy: you can do most things online, you are told what "
     "will happen and when, and if something goes wrong someone owns it and puts it right.\n\n"
     "I would also like staff to say they are proud of the service they give."),
    ("Amara Okafor", "shoes", 41, 14, False,
     "Spent a morning on the phones with the council tax team. Three of the calls I "
     "heard were people chasing forms they had already sent. We ask for the same thing twice."),
    ("Amara Okafor", "culture", 6, 17, True,
     "Leaders going first: every head of service spends half a day a quarter on the front line "
     "and brings back one thing to fix."),
    ("Tom Hargreaves", "data", 30, 11, True,
     "We collect missed-bin reports by round and crew but nobody looks at them together with "
     "the survey comments. I want a monthly page per round that the crews see too."),
    ("Tom Hargreaves", "stakeholders", 30, 11, False,
     "The collection contractor's account manager; union reps on the crews; finance, who will "
     "ask what the new in-cab system saves."),
    ("Priya Nair", "employees", 12, 10, False,
     "Inspectors can't promise a repair date because they don't see the works schedule. Give "
     "them read access first, then discretion to book small jobs."),
    ("Gareth Lewis", "employees", 19, 15, True,
     "Advisers are engaged but stretched: engagement is lowest in the weeks after bills go out. "
     "We should plan cover for March and let advisers close simple cases without a referral."),
    ("Gareth Lewis", "values", 19, 15, False,
     "We have values on the intranet but no one could name them in the last staff survey."),
)

# (step, status, owner, days from today to the step's date (None: no date), evidence)
_CULTURE = (
    (1, "done", "Amara Okafor", -120, "Customer promise and year 1-3 goals agreed at the away day."),
    (2, "done", "Amara Okafor", -90, "Leadership behaviours sent to all staff in the Director's briefing."),
    (3, "in_progress", "Gareth Lewis", 45, "Draft plan with the communications team."),
    (4, "done", "Gareth Lewis", -30, "Monthly customer dashboard on the council website."),
    (5, "not_started", None, None, None),
    (6, "in_progress", "Tom Hargreaves", -14,
     "Waste and council tax groups meet; highways group not yet formed."),
    (7, "in_progress", "Priya Nair", 30, "Four of six heads of service have done a front-line shift."),
    (8, "in_progress", "Amara Okafor", 60,
     "Satisfaction added to the quarterly finance report from next quarter."),
    (9, "not_started", None, 150, None),
    (10, "not_started", "Gareth Lewis", 200, None),
    (11, "not_started", None, None, None),
)

WORKED_EXAMPLE_NAME = "Apply for a council tax discount"
WORKED_EXAMPLE_DESCRIPTION = (
    "A carer claims the council tax discount for a family member with a severe mental impairment."
)

# One tuple per step, in STEP_COLUMNS order after position:
# stage, goal, action, channel, pain points, emotions, emotion score, opportunities.
_AS_IS = (
    ("Find out help exists",
     "Make sure the family gets the financial help it is entitled to, often without knowing that a "
     "council tax discount exists.",
     "Looks for information.",
     "Internet search",
     "People without internet access ring the council or another organisation instead.",
     "Depends a great deal on whether the person is confident online and speaks English.",
     0,
     "How could the council tell people about what they are entitled to before they have to ask?"),
    ("Learn how to claim",
     "Find out what help there is and how to claim it.",
     "Rings the council.",
     "Phone call to the council",
     "Research suggests about two councils in three gave wrong information over the phone.",
     "Frustration, anger or worry are likely.",
     -1,
     "Train call handlers; make the online route as simple and clear as it can be."),
    ("Apply",
     "Make a claim.",
     "Gets the application form.",
     "Mostly online",
     "The form may have to be posted to people who are not online.",
     "Frustration, anger or worry are likely.",
     -1,
     "Could we offer help with filling in the form before it is asked for?"),
    ("Check eligibility",
     "Work out whether the family member qualifies.",
     "Has to know which benefits the family member is entitled to.",
     "The form asks for it",
     "Being entitled to a benefit and actually receiving it are easy to confuse.",
     "Confused and frustrated.",
     -2,
     "Could we help with this, above all when the customer already receives benefits?"),
    ("Ask the GP for confirmation",
     "Show the family member qualifies, which needs a confirmed diagnosis.",
     "Contacts the GP surgery.",
     "Email",
     "Without email the customer has to ring or go to the surgery.",
     "Feels they are piecing together information held by different organisations.",
     -1,
     "Where a diagnosis is already on record, could the council and the NHS share it?"),
    ("Chase the GP confirmation",
     "Show the family member qualifies, which needs a confirmed diagnosis.",
     "Contacts the GP surgery again.",
     "Email",
     "Without email the customer has to ring or go to the surgery.",
     "Feels they are doing the joining-up between organisations themselves.",
     -2,
     "Where a diagnosis is already on record, could the council and the NHS share it?"),
    ("Hear the decision",
     "Find out whether the discount has been given.",
     "The council writes to the customer.",
     "Letter",
     "The customer may expect a refund for earlier years.",
     "Relief or disappointment, depending on the decision.",
     0,
     "Could the decision letter explain how to appeal or how to claim a refund?"),
)
_TO_BE = (
    ("Told about the discount",
     "Make sure the family gets the financial help it is entitled to.",
     "Reads about discounts in the note sent with the annual bill, or hears from a partner agency.",
     "Council tax bill, website, carers' organisations",
     None,
     "Informed: knows help exists and where to ask.",
     1,
     "Compare take-up by area with the expected number of eligible households."),
    ("Ask for help",
     "Find out what help there is and how to claim it.",
     "Reads the web page or rings the council.",
     "Website; phone",
     "Calls peak when bills go out in March.",
     "Reassured: gets a right answer first time.",
     1,
     "Call handlers trained on discounts; plan cover for March."),
    ("Apply with help",
     "Make a claim.",
     "Fills in a short plain-English form, online or on paper, with help offered.",
     "Online form; paper form; phone help",
     "Some details of benefits are still needed.",
     "Supported.",
     0,
     "Fill in what the council already knows from benefits records."),
    ("Diagnosis confirmed for them",
     "Show the family member qualifies.",
     "Agrees to the council checking the diagnosis with the NHS.",
     "Consent on the form",
     "Needs a data-sharing agreement with the NHS.",
     "Relieved not to chase the surgery.",
     1,
     "Agree data sharing with the local NHS; offer the old route where consent is not given."),
    ("Hear the decision",
     "Find out whether the discount has been given.",
     "Gets updates while the claim is checked, then the decision.",
     "Email or letter, as the customer chose",
     None,
     "Knows what happens next, whatever the decision.",
     2,
     "Decision sets out the amount, any refund for earlier years and how to appeal."),
)


def install_leadership_demo(store: Store, today: date) -> None:
    """Write the demo team's checklist answers, roadmap and worked-example journey.

    Runs inside the demo's transaction; the leaders of `cx.demo.LEADERS` must
    already be in the people table.
    """
    people = store.people.all()
    ids = dict(zip(people["name"], people["person_id"].astype(int), strict=True))
    for name, question, days_ago, hour, shared, answer in _CHECKLIST:
        checklist.save(store, ids[name], question, answer, shared=shared, now=_moment(today, -days_ago, hour))
    for step, status, owner, days, evidence in _CULTURE:
        step_date = None if days is None else today + timedelta(days=days)
        culture.save_step(store, step, status, ids.get(owner), step_date, evidence,
                          updated_by=ids["Amara Okafor"], now=_moment(today, -5, 10))
    journey = journeys.create(store, WORKED_EXAMPLE_NAME, WORKED_EXAMPLE_DESCRIPTION,
                              updated_by=ids["Gareth Lewis"], now=_moment(today, -21, 13))
    journeys.set_service(store, journey, "Council tax", updated_by=ids["Gareth Lewis"],
                         now=_moment(today, -21, 13))
    for version, steps in (("as_is", _AS_IS), ("to_be", _TO_BE)):
        journeys.save_steps(store, journey, version, _steps_frame(steps),
                            updated_by=ids["Gareth Lewis"], now=_moment(today, -20, 16))


def _moment(today: date, days: int, hour: int) -> datetime:
    return datetime.combine(today + timedelta(days=days), time(hour, 0))


def _steps_frame(steps: tuple[tuple, ...]) -> pd.DataFrame:
    frame = pd.DataFrame([(n, *step) for n, step in enumerate(steps, start=1)], columns=list(STEP_COLUMNS))
    frame["emotion_score"] = frame["emotion_score"].astype("Int64")
    return frame
