"""Journeys into actions: the link from an action to its step survives edits on both sides."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cx import journey_actions, journeys, roadmap, roadmap_view
from cx.migrations import MIGRATIONS, apply_migrations
from cx.store.uploads import UploadBatch

T0 = datetime(2026, 9, 1, 9)
T1 = datetime(2026, 10, 1, 9)
FIXTURES = Path(__file__).parent / "fixtures"


def steps_frame(*rows):
    """(stage, channel, opportunity) per step, numbered from 1."""
    frame = pd.DataFrame({"position": range(1, len(rows) + 1), "stage": [r[0] for r in rows]})
    for code in journeys.FIELD_CODES[1:]:
        frame[code] = None
    frame["channel"] = [r[1] for r in rows]
    frame["opportunities"] = [r[2] for r in rows]
    frame["emotion_score"] = pd.array([None] * len(rows), dtype="Int64")
    return frame[list(journeys.STEP_COLUMNS)]


@pytest.fixture
def mapped(store):
    """A journey with three as-is steps, two of them naming an opportunity, and its editor."""
    with store.transaction():
        me = store.people.add("Gareth", None, now=T0)
        jid = journeys.create(store, "Claim a discount", None, updated_by=me, now=T0)
        journeys.save_steps(store, jid, "as_is", steps_frame(
            ("Find help", "Internet search", None),
            ("Ask", "Phone call", "Train call handlers\nand check their answers"),
            ("Apply", "Mostly online", "Offer help with the form")), updated_by=me, now=T0)
    return store, jid, me


def make_from(store, jid, me, stage_name):
    steps = store.journeys.steps(jid)
    step = journey_actions.opportunities(steps).set_index("stage").loc[stage_name]
    step = {**step.to_dict(), "stage": stage_name}
    proposal = journey_actions.proposed_action("Claim a discount", step, date(2026, 9, 1), me)
    return journey_actions.make_action(store, jid, step["version"], step["step_key"], proposal, by=me, now=T1)


def test_an_opportunity_becomes_an_action_in_one_step(mapped):
    store, jid, me = mapped
    action_id = make_from(store, jid, me, "Ask")
    action = store.roadmap.action(action_id)
    assert action["title"] == "Train call handlers"  # the first line of the opportunity
    assert (action["stage"], action["blocks"], action["status"], action["owner_id"]) == (
        "basics", ["collaboration"], "not_started", me)
    assert "step 2 'Ask'" in action["notes"] and "Train call handlers\nand check" in action["notes"]
    table = journey_actions.link_table(store.journey_links.links(jid))
    assert table.to_dict("records") == [{
        "Action": "Train call handlers", "Status": "○ Not started", "Journey": "Claim a discount",
        "Step": "As is, step 2: Ask", "Opportunity": "Train call handlers\nand check their answers"}]
    assert store.roadmap.history(action_id)["field"].tolist() == ["Created"]


def test_the_link_survives_renaming_the_journey_editing_the_step_and_editing_the_action(mapped):
    store, jid, me = mapped
    action_id = make_from(store, jid, me, "Ask")
    # The journey is renamed.
    journeys.rename(store, jid, "Claim a council tax discount", None, updated_by=me, now=T1)
    # The step is renamed and moved to the end through the editing grid; a new step goes first.
    as_is = store.journeys.steps(jid).query("version == 'as_is'")
    grid = journeys.editor_frame(as_is)
    grid.loc[grid["stage"] == "Ask", ["stage", "position"]] = ["Ring the council", 9]
    grid.loc[len(grid)] = {"stage": "Hear about it", "position": 1}
    journeys.save_steps(store, jid, "as_is", journeys.arrange_steps(grid), updated_by=me, now=T1,
                        based_on=as_is)
    # The action is edited on the roadmap.
    before = roadmap.load_action(store.roadmap, action_id)
    edited = replace(before, title="Retrain call handlers", status="in_progress")
    roadmap.update_action(store, action_id, edited, by=me, now=T1, based_on=before)
    link = journey_actions.link_table(store.journey_links.links(jid)).iloc[0]
    assert link["Journey"] == "Claim a council tax discount"
    assert link["Step"] == "As is, step 4: Ring the council"
    assert link["Action"] == "Retrain call handlers" and link["Status"] == "◑ In progress"
    assert [s for s in store.journeys.steps(jid)["stage"]] == ["Hear about it", "Find help", "Apply",
                                                              "Ring the council"]


def test_a_step_removed_from_the_map_is_named_as_it_was(mapped):
    store, jid, me = mapped
    make_from(store, jid, me, "Apply")
    as_is = store.journeys.steps(jid).query("version == 'as_is'")
    journeys.save_steps(store, jid, "as_is", as_is[as_is["stage"] != "Apply"], updated_by=me, now=T1)
    link = journey_actions.link_table(store.journey_links.links()).iloc[0]
    assert link["Step"] == "Apply (no longer on the map)"
    assert link["Opportunity"] == "Offer help with the form"
    with store.transaction():
        store.journeys.delete(jid)
    assert journey_actions.link_table(store.journey_links.links()).iloc[0]["Journey"] == "(journey deleted)"


def test_an_opportunity_whose_step_went_meanwhile_adds_nothing(mapped):
    store, jid, me = mapped
    steps = store.journeys.steps(jid)
    step = journey_actions.opportunities(steps).iloc[0]
    journeys.save_steps(store, jid, "as_is", steps_frame(("Only", None, None)), updated_by=me, now=T1)
    proposal = journey_actions.proposed_action("Claim a discount", step, date(2026, 9, 1), me)
    with pytest.raises(ValueError, match="^Opportunity: this step is no longer on the map"):
        journey_actions.make_action(store, jid, "as_is", step["step_key"], proposal, by=me, now=T1)
    assert store.roadmap.actions().empty and store.journey_links.links().empty


def test_an_invalid_action_writes_neither_action_nor_link(mapped):
    store, jid, me = mapped
    step = journey_actions.opportunities(store.journeys.steps(jid)).iloc[0]
    proposal = replace(journey_actions.proposed_action("J", step, date(2026, 9, 1), me), blocks=())
    with pytest.raises(ValueError, match="^Building blocks"):
        journey_actions.make_action(store, jid, "as_is", step["step_key"], proposal, by=me, now=T1)
    assert store.roadmap.actions().empty and store.journey_links.links().empty


def test_opportunities_and_their_labels():
    steps = steps_frame(("A", None, None), ("B", None, "  "), ("C", None, "Do it  online")).assign(
        version="as_is", step_key=["k1", "k2", "k3"])
    found = journey_actions.opportunities(steps)
    assert found["step_key"].tolist() == ["k3"]
    assert journey_actions.option_label(found.iloc[0]) == "As is, step 3 (C): Do it online"
    long = journey_actions.proposed_action("J", {**found.iloc[0].to_dict(), "opportunities": "x" * 300},
                                           date(2026, 1, 1))
    assert len(long.title) == roadmap.MAX_TITLE and long.title.endswith("…")
    assert long.due_date == date(2026, 3, 26)


@pytest.mark.parametrize(("named", "expected"), [
    ("Internet search", "Web"), ("Phone call to the council", "Phone"), ("Mostly online", "Web"),
    ("Email", "Email"), ("Visit the office", "Face to face"), ("Letter", None), (None, None),
    ("Webinar", None),
])
def test_a_steps_channel_text_is_matched_to_a_survey_channel(named, expected):
    assert journey_actions.matching_channel(named, ["Phone", "Web", "Email", "Face to face"]) == expected


def wilson(successes, n, z=1.959963984540054):
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


def test_each_step_shows_the_satisfaction_of_its_service_and_channel(mapped):
    store, jid, _ = mapped
    rows = [{"response_id": f"r{i}", "completed_at": datetime(2026, 9, 10), "service": "Council tax",
             "channel": "Web" if i < 40 else "Phone", "csat": 5 if (i < 30 or 40 <= i < 45) else 1}
            for i in range(50)]
    rows.append({"response_id": "other", "completed_at": datetime(2026, 9, 10), "service": "Parking",
                 "channel": "Web", "csat": 1})
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch("s", T0, 0), "responses")
        store.uploads.insert_responses(batch, "s", pd.DataFrame(rows))
    steps = store.journeys.steps(jid).query("version == 'as_is'")
    table = journey_actions.step_satisfaction(store, "Council tax", steps, date(2026, 9, 1),
                                              date(2026, 9, 30), min_n=30)
    web_low, web_high = wilson(30, 40)
    phone_low, phone_high = wilson(5, 10)
    assert table.to_dict("records") == [
        {"Step": "1. Find help", "Channel named": "Internet search", "Survey channel": "Web", "CSAT": "75%",
         "95% interval": f"95% interval {web_low:.0f}% to {web_high:.0f}%", "n": 40,
         "Enough answers": "✓ Yes"},
        {"Step": "2. Ask", "Channel named": "Phone call", "Survey channel": "Phone", "CSAT": "50%",
         "95% interval": f"95% interval {phone_low:.0f}% to {phone_high:.0f}%", "n": 10,
         "Enough answers": "✗ No"},
        {"Step": "3. Apply", "Channel named": "Mostly online", "Survey channel": "Web", "CSAT": "75%",
         "95% interval": f"95% interval {web_low:.0f}% to {web_high:.0f}%", "n": 40,
         "Enough answers": "✓ Yes"},
    ]


def test_the_facilitation_prompts_cover_the_three_moments():
    titles = [g.title for g in journey_actions.FACILITATION_PROMPTS]
    assert titles == ["Before the session", "Mapping the journey as it is",
                      "Designing the journey as it should be"]
    assert all(len(g.prompts) >= 4 for g in journey_actions.FACILITATION_PROMPTS)


# ------------------------------------------------------------------ the starter catalogue

# Each starter action and a phrase of the toolkit bullet it restates (tests/fixtures holds the pages).
ROADMAP_BULLETS = {
    "voice_of_customer": ("basics", "Collect data on current performance"),
    "data_gaps": ("basics", "Identify new information or data needed"),
    "pain_points": ("basics", "Prioritise pain points"),
    "quick_digital": ("basics", "Review short-term digital developments"),
    "staff_groups": ("basics", "Engage employees in focus groups"),
    "voice_of_employee": ("basics", "Collect data on employee engagement"),
    "monitor_consistency": ("consistency", "Constantly monitor performance"),
    "channels": ("consistency", "Focus on digital and physical performance"),
    "communication_style": ("consistency", "Review communication methods and styles"),
    "excellence_training": ("consistency", "Invest in customer excellence training"),
    "monitor_engagement": ("consistency", "Monitor employee engagement"),
    "co_creation": ("excellence", "consult with customers on current and future services"),
    "personalised": ("excellence", "Personalised and tailored communications"),
    "digital_capability": ("excellence", "Enhanced digital capabilities"),
    "empowerment": ("excellence", "Empowerment schemes"),
    "behaviours": ("excellence", "behavioural skills"),
}
OTHER_PAGES = {
    "customer_promise": ("branding", "toolkit_branding_page.txt", "explaining what they can expect from you"),
    "leaders_commit": ("collaboration", "toolkit_collaboration_page.txt", "Leaders publicly stating"),
}


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_starter_action_restates_a_bullet_of_the_page_it_says_it_comes_from():
    roadmap_page = flat((FIXTURES / "toolkit_roadmap_page.txt").read_text())
    # The page lists the three stages' bullets in order: basics, then consistency, then excellence.
    columns = {"basics": roadmap_page.split("Constantly monitor")[0],
               "consistency": "Constantly monitor" + roadmap_page.split("Constantly monitor")[1].split(
                   "Enhanced and increased")[0],
               "excellence": "Enhanced and increased" + roadmap_page.split("Enhanced and increased")[1]}
    assert {s.key for s in roadmap.STARTER_ACTIONS} == set(ROADMAP_BULLETS) | set(OTHER_PAGES)
    for starter in roadmap.STARTER_ACTIONS:
        if starter.key in ROADMAP_BULLETS:
            stage, phrase = ROADMAP_BULLETS[starter.key]
            assert starter.source == "roadmap" and starter.stage == stage
            assert phrase in columns[stage], starter.key
        else:
            source, page, phrase = OTHER_PAGES[starter.key]
            assert starter.source == source
            assert phrase in flat((FIXTURES / page).read_text()), starter.key
            assert phrase not in roadmap_page


def test_the_catalogue_shows_each_source_and_whether_it_is_in_the_plan():
    table = roadmap_view.starter_catalogue({"voice_of_customer", "leaders_commit"})
    assert len(table) == len(roadmap.STARTER_ACTIONS)
    by_action = table.set_index("Action")
    promise = by_action.loc["Agree and publish what customers can expect from us"]
    assert promise["Comes from"] == roadmap.STARTER_SOURCES["branding"]
    assert "not the roadmap page" in promise["Comes from"] and promise["In the plan"] == "✗ No"
    leaders = by_action.loc["Leaders say publicly that teams will work together around the customer"]
    assert leaders["Comes from"] == roadmap.STARTER_SOURCES["collaboration"]
    assert leaders["In the plan"] == "✓ Yes"
    assert (table["Comes from"] == roadmap.STARTER_SOURCES["roadmap"]).sum() == 16


def test_the_schema_step_gives_existing_steps_distinct_keys():
    con = duckdb.connect(":memory:")
    step = next(m for m in MIGRATIONS if "stable step keys" in m.name)
    apply_migrations(con, tuple(m for m in MIGRATIONS if m.number < step.number))
    con.execute("INSERT INTO journeys (name, created_at, updated_at) VALUES ('J', now(), now())")
    con.execute("INSERT INTO journey_steps (journey_id, version, position, stage) "
                "VALUES (1, 'as_is', 1, 'a'), (1, 'as_is', 2, 'b'), (1, 'to_be', 1, 'a')")
    assert step.number in apply_migrations(con)
    keys = [k for (k,) in con.execute("SELECT step_key FROM journey_steps").fetchall()]
    assert len(set(keys)) == 3 and all(keys)
