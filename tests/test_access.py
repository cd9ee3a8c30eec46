"""Roles and privacy, enforced in cx: each rule checked for each role, on values."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cx import access, audit, checklist, heat_map, roadmap
from cx.access import Actor, NotAllowed, open_store
from cx.assessment import RatingEntry
from cx.framework import CELLS
from cx.roadmap import ActionInput
from cx.store import Database
from cx.store.base import AccessDenied
from cx.store.uploads import UploadBatch

NOW = datetime(2026, 11, 2, 9, 0)
TODAY = date(2026, 11, 2)


@pytest.fixture
def team(tmp_path):
    """A database with one person per role (signed-in people), and a store for PlaceCX itself."""
    db = Database(tmp_path / "team.duckdb")
    system = db.store()
    ids = {role: access.add_person(system, f"{role}@council.gov.uk", role.capitalize(), role, now=NOW)
           for role in access.ROLES}
    ids["leader2"] = access.add_person(system, "leader2@council.gov.uk", "Leader Two", "leader", now=NOW)
    actors = {key: access.actor_for_email(system, f"{key}@council.gov.uk") for key in ids}
    yield db, system, ids, actors
    db.close()


def as_(db, actor):
    return open_store(db, actor)


def test_who_may_write_what(team):
    db, system, ids, actors = team
    attempts = {
        "roadmap": lambda s: roadmap.save_programme(s, date(2026, 1, 1), 4, {}, by=s.acting_person, now=NOW),
        "targets": lambda s: s.surveys.set_target("csat", "", 80.0, updated_by=s.acting_person, now=NOW),
        "uploads": lambda s: s.uploads.create_batch(UploadBatch("survey", NOW, 0), "responses"),
        "people": lambda s: s.people.add(f"New {s.acting_person}", None, now=NOW),
    }
    expected = {
        "admin": {"roadmap", "targets", "uploads", "people"},
        "analyst": {"targets", "uploads"},
        "leader": {"roadmap"},
        "viewer": set(),
    }
    for role, allowed in expected.items():
        done = set()
        for feature, attempt in attempts.items():
            try:
                attempt(as_(db, actors[role]))
                done.add(feature)
            except NotAllowed as refusal:
                assert f"({role})" in str(refusal)
        assert done == allowed, role


def test_only_admins_remove_uploads(team):
    db, system, ids, actors = team
    batch = system.uploads.create_batch(UploadBatch("survey", NOW, 0), "responses")
    with pytest.raises(NotAllowed):
        as_(db, actors["analyst"]).uploads.remove_batch(batch)
    assert as_(db, actors["admin"]).uploads.remove_batch(batch) == 0


def test_a_refused_write_leaves_nothing_behind(team):
    db, system, ids, actors = team
    before = system.admin.table_counts()
    with pytest.raises(NotAllowed):
        as_(db, actors["viewer"]).people.add("Sneaky", None, now=NOW)
    assert system.admin.table_counts() == before


def test_open_mode_needs_a_name_but_no_role(team):
    db, system, ids, _ = team
    nobody = Actor(None, "", "admin", open_mode=True)
    with pytest.raises(NotAllowed, match="Choose your name"):
        as_(db, nobody).people.add("Anyone", None, now=NOW)
    someone = Actor(ids["viewer"], "Viewer", "viewer", open_mode=True)
    as_(db, someone).people.add("Added in open mode", None, now=NOW)


def test_checklist_answers_are_read_only_by_their_author_unless_shared(team):
    db, system, ids, actors = team
    author = as_(db, actors["leader"])
    checklist.save(author, ids["leader"], "shoes", "My private reflection", shared=False, now=NOW)
    checklist.save(author, ids["leader"], "data", "Shared with all", shared=True, now=NOW)
    assert len(checklist.my_answers(author, ids["leader"])["shoes"]) == 1
    for role in ("leader2", "admin", "analyst", "viewer"):
        other = as_(db, actors[role])
        with pytest.raises(AccessDenied):
            other.leadership.answers_of(ids["leader"])
        seen = other.leadership.shared_answers(ids[role])["answer"].tolist()
        assert seen == ["Shared with all"], role
    with pytest.raises(AccessDenied):
        checklist.save(as_(db, actors["admin"]), ids["leader"], "shoes", "Overwritten", shared=True, now=NOW)


def rate(store, round_id, person):
    heat_map.submit(store.assessment, round_id, person, [RatingEntry(b, s, "progress") for b, s in CELLS],
                    now=NOW)


def test_during_an_open_round_a_rater_sees_colleagues_only_after_submitting(team):
    db, system, ids, actors = team
    meeting = date(2026, 11, 20)
    raters = [ids["leader"], ids["leader2"], ids["admin"]]
    round_id = heat_map.create_round(system, "Q4 review", meeting, raters, created_by=ids["admin"], now=NOW)
    rate(as_(db, actors["admin"]), round_id, ids["admin"])  # the most senior voice rates first
    before = heat_map.round_view(as_(db, actors["leader"]), None, actors["leader"], TODAY)
    assert before.withheld and before.ratings.empty and before.critical_cells == 0
    assert heat_map.rating_history(as_(db, actors["leader"]), before).empty
    for role in ("viewer", "analyst", "admin"):  # not waiting to rate: they see the map as it stands
        view = heat_map.round_view(as_(db, actors[role]), None, actors[role], TODAY)
        assert not view.withheld and view.submitted == 1, role
    rate(as_(db, actors["leader"]), round_id, ids["leader"])
    after = heat_map.round_view(as_(db, actors["leader"]), None, actors["leader"], TODAY)
    assert not after.withheld and after.submitted == 2
    assert len(heat_map.rating_history(as_(db, actors["leader"]), after)) == 2 * len(CELLS)
    after_meeting = heat_map.round_view(system, None, actors["leader2"], date(2026, 11, 21))
    assert not after_meeting.withheld and after_meeting.submitted == 2


def test_a_leader_rates_only_as_themselves(team):
    db, system, ids, actors = team
    round_id = heat_map.create_round(system, "Q4 review", date(2026, 11, 20),
                                     [ids["leader"], ids["leader2"]], created_by=ids["admin"], now=NOW)
    with pytest.raises(AccessDenied, match="only rate as yourself"):
        rate(as_(db, actors["leader"]), round_id, ids["leader2"])
    with pytest.raises(AccessDenied):
        as_(db, actors["leader"]).assessment.sheet(round_id, ids["leader2"])
    assert system.assessment.ratings(round_id).empty


def test_there_is_always_an_admin_who_can_sign_in(team):
    db, system, ids, actors = team
    admin = as_(db, actors["admin"])
    with pytest.raises(ValueError, match="at least one admin"):
        access.update_person(admin, ids["admin"], "admin@council.gov.uk", "leader")
    access.update_person(admin, ids["analyst"], "analyst@council.gov.uk", "admin")
    access.update_person(admin, ids["admin"], "admin@council.gov.uk", "viewer")
    assert access.actor_for_email(system, "admin@council.gov.uk").role == "viewer"


def test_switched_off_or_unknown_people_get_no_actor(team):
    db, system, ids, actors = team
    access.update_person(system, ids["leader2"], "leader2@council.gov.uk", "leader", active=False)
    assert access.actor_for_email(system, "leader2@council.gov.uk") is None
    assert access.actor_for_email(system, "stranger@council.gov.uk") is None
    assert access.actor_for_email(system, " LEADER@Council.gov.uk ").name == "Leader"


def test_people_named_before_sign_in_are_linked_not_duplicated(team):
    db, system, ids, _ = team
    old = system.people.add("Amara Okafor", "Director", now=NOW)
    said = access.ensure_person(system, "Amara@Fenbridge.gov.uk", "amara okafor", "admin", now=NOW)
    assert "now signs in as amara@fenbridge.gov.uk" in said
    person = system.people.by_email("amara@fenbridge.gov.uk")
    assert (person["person_id"], person["access"]) == (old, "admin")
    with pytest.raises(ValueError, match="Email: .* already belongs"):
        access.add_person(system, "amara@fenbridge.gov.uk", "Someone Else", "viewer", now=NOW)


def test_the_audit_trail_names_the_signed_in_person_for_each_change(team):
    db, system, ids, actors = team
    leader = as_(db, actors["leader"])
    roadmap.save_programme(leader, date(2026, 1, 1), 4, {}, by=ids["leader"], now=NOW)
    roadmap.create_action(leader, ActionInput("Fix bins", "basics", ("data",), None, "not_started",
                                              date(2026, 1, 1), date(2026, 3, 1)), by=ids["leader"], now=NOW)
    trail = audit.trail(system, person_id=ids["leader"])
    assert trail[["Who", "Email", "What"]].values.tolist() == [
        ["Leader", "leader@council.gov.uk", "added a roadmap action"],
        ["Leader", "leader@council.gov.uk", "set the programme's start and length"],
    ]
    everything = audit.trail(system)
    assert (everything["Who"] == "PlaceCX itself (demo, inbox or command line)").any()
    assert not everything["Who"].isna().any()
    assert set(audit.trail(system, feature="roadmap")["Area"]) == {"Roadmap"}
