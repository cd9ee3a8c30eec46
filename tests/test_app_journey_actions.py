"""Journey page: an opportunity becomes a roadmap action, the link survives the grid; CSAT per step."""

from __future__ import annotations

from datetime import date, timedelta

from cx import roadmap

from .apptest import messages, open_page, query, table


def gareth(path):
    return query(path, "SELECT person_id FROM people WHERE name = 'Gareth Lewis'")[0][0]


def test_an_opportunity_becomes_an_action_and_keeps_its_link_when_the_step_is_renamed(demo_copy):
    me = gareth(demo_copy)
    jid = query(demo_copy, "SELECT journey_id FROM journeys")[0][0]
    at = open_page("pages/journeys.py", person_id=me, journey_section="Opportunity to action")
    assert [e.label for e in at.expander if e.label.startswith("Running a mapping session")]
    first_opportunity = query(demo_copy, "SELECT opportunities FROM journey_steps WHERE journey_id = ? "
                                         "AND version = 'as_is' ORDER BY position LIMIT 1", [jid])[0][0]
    [add] = [b for b in at.button if b.label == "Add to the roadmap"]
    add.click().run()
    assert not at.exception, [e.value for e in at.exception]
    [(action_id, title, owner, blocks)] = query(
        demo_copy, "SELECT a.action_id, a.title, a.owner_id, a.blocks FROM roadmap_actions a "
                   "JOIN roadmap_action_journeys l USING (action_id)")
    assert title == first_opportunity  # short enough to be the title as it is
    assert owner == me and blocks == ["collaboration"]
    assert messages(at.success) == [f"Added to the roadmap as action #{action_id}."]
    links = table(at, "Action", "Status", "Journey", "Step")
    assert links.to_dict("records")[0]["Step"] == "As is, step 1: Find out help exists"

    # Rename the first step through the editing grid: the action still points at it.
    at = open_page("pages/journeys.py", person_id=me, journey_section="Edit the steps",
                   **{f"journey-editor-{jid}-as_is-0": {
                       "edited_rows": {0: {"stage": "Hear that help exists"}}, "added_rows": [],
                       "deleted_rows": []}})
    at.button(key="journey-save").click().run()
    assert not at.exception
    at.session_state["journey_section"] = "Opportunity to action"
    at.run()
    links = table(at, "Action", "Status", "Journey", "Step")
    assert links.to_dict("records")[0]["Step"] == "As is, step 1: Hear that help exists"
    assert links.to_dict("records")[0]["Action"] == title


def test_each_step_shows_the_csat_of_the_journeys_service_through_its_channel(demo_copy):
    at = open_page("pages/journeys.py", person_id=gareth(demo_copy))
    newest = query(demo_copy, "SELECT max(completed_at) FROM responses")[0][0].date()
    first = date(newest.year - 1, newest.month, 1)
    shown = table(at, "Step", "Channel named", "Survey channel", "CSAT").set_index("Step")
    satisfied, n = query(demo_copy, "SELECT count(*) FILTER (csat >= 4), count(csat) FROM responses "
                                    "WHERE service = 'Council tax' AND channel = 'Phone' "
                                    "AND completed_at >= ? AND completed_at < ?",
                         [first, newest + timedelta(days=1)])[0]
    phone = shown.loc["2. Learn how to claim"]
    assert phone["Survey channel"] == "Phone"
    assert phone["CSAT"] == f"{100 * satisfied / n:.0f}%" and phone["n"] == n
    assert shown.loc["7. Hear the decision", "Survey channel"] == "no survey channel matches"  # a letter


def test_the_roadmap_page_lists_each_starter_action_with_its_source(demo_copy):
    at = open_page("pages/roadmap.py", person_id=gareth(demo_copy), roadmap_tab="Programme")
    starters = table(at, "Action", "Stage", "Building blocks", "Comes from").set_index("Action")
    assert len(starters) == len(roadmap.STARTER_ACTIONS)
    promise = starters.loc["Agree and publish what customers can expect from us", "Comes from"]
    assert promise == roadmap.STARTER_SOURCES["branding"]
    in_plan = {r[0] for r in query(demo_copy, "SELECT toolkit_key FROM roadmap_actions "
                                              "WHERE toolkit_key IS NOT NULL")}
    for starter in roadmap.STARTER_ACTIONS:
        assert starters.loc[starter.title, "In the plan"] == ("✓ Yes" if starter.key in in_plan else "✗ No")
