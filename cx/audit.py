"""The audit trail: who changed what, and when, in words an information-governance lead can read.

Every committed unit of work is one row of the change log (see `cx.store.base`),
naming the person it acted for and the store actions it ran. This module turns
those into sentences and a downloadable table.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from cx.store import Store

ACTION_WORDS: dict[str, str] = {
    "assessment.create_round": "created a heat-map round",
    "assessment.add_raters": "added heat-map raters",
    "assessment.save_draft": "saved a draft of heat-map ratings",
    "assessment.submit": "submitted heat-map ratings",
    "roadmap.set_programme": "set the programme's start and length",
    "roadmap.set_entry_stage": "set where a building block steps in",
    "roadmap.insert_action": "added a roadmap action",
    "roadmap.update_action": "changed a roadmap action",
    "roadmap.set_archived": "archived or restored a roadmap action",
    "checklist.add_answer": "saved a checklist answer",
    "checklist.set_sharing": "changed who can read a checklist answer",
    "culture.save_culture_step": "updated a culture-change step",
    "journeys.create": "created a journey map",
    "journeys.update": "renamed a journey map",
    "journeys.delete": "deleted a journey map",
    "journeys.replace_steps": "saved a journey map's steps",
    "meetings.insert": "recorded a review meeting",
    "meetings.update": "changed a review meeting",
    "meetings.set_attendees": "changed who attended a review meeting",
    "meetings.add_decision": "recorded a meeting's decision",
    "journeys.set_service": "named the service a journey map belongs to",
    "roadmap.link": "linked a roadmap action to the journey step it came from",
    "targets.set_target": "set a survey target",
    "uploads.import_responses": "imported survey responses",
    "uploads.import_kpis": "imported KPI figures",
    "uploads.remove_batch": "removed an upload",
    "uploads.save_profile": "saved a mapping profile",
    "people.add": "added a person",
    "people.set_access": "changed a person's sign-in or role",
    "meta.set_meta": "changed a setting",
    "cases.open_cases": "opened follow-up cases",
    "cases.insert_cases": "added follow-up cases",
    "cases.update_case": "changed a follow-up case",
    "case_rules.save_rule": "changed a survey's follow-up rule",
    "surveys.add_response_attributes": "added attributes to survey responses",
}
# Steps inside a larger action that would only repeat it in the trail.
_QUIET = {"roadmap.record_changes", "uploads.create_batch", "uploads.set_batch_counts",
          "surveys.insert_responses", "kpis.insert_kpi_observations", "cases.record_changes",
          "cases.record_history"}
FEATURE_WORDS: dict[str, str] = {
    "assessment": "Heat map", "roadmap": "Roadmap", "checklist": "Leadership checklist",
    "culture": "Culture change", "journeys": "Journey maps", "targets": "Targets", "uploads": "Uploads",
    "surveys": "Survey responses", "kpis": "KPI figures", "people": "People", "meta": "Settings",
    "meetings": "Meetings",
    "cases": "Follow-up cases", "case_rules": "Follow-up rules",
}


def what_was_done(actions: list[str] | None) -> str:
    """'submitted heat-map ratings; saved a checklist answer' for a unit of work's store actions."""
    words = [ACTION_WORDS.get(a, a) for a in (actions or []) if a not in _QUIET]
    if not words:
        words = [ACTION_WORDS.get(a, a) for a in (actions or [])][:1]
    return "; ".join(dict.fromkeys(words)) or "a change"


def _listed(value: object) -> list[str]:
    """A list column's cell as a list ([] for a NULL, which logs written before step 11 have)."""
    return [] if value is None or isinstance(value, float) else list(value)


def trail(store: Store, *, start: date | None = None, end: date | None = None, person_id: int | None = None,
          feature: str | None = None) -> pd.DataFrame:
    """The audit trail as people read it: When, Who, Email, Area, What, newest first.

    Changes made by PlaceCX itself (the demo, the inbox, the command line) say so.
    """
    log = store.admin.changes(start=start, end=end, person_id=person_id, feature=feature)
    return pd.DataFrame({
        "When": pd.to_datetime(log["changed_at"]).dt.strftime("%d %b %Y %H:%M:%S").tolist(),
        "Who": log["person"].fillna("PlaceCX itself (demo, inbox or command line)").tolist(),
        "Email": log["email"].fillna("").tolist(),
        "Area": [", ".join(FEATURE_WORDS.get(f, f) for f in _listed(features))
                 for features in log["features"]],
        "What": [what_was_done(_listed(actions)) for actions in log["actions"]],
    })
