"""Who is using PlaceCX and what they may do: people, access roles and the rules, enforced in cx.

Every Store a page uses is opened for an `Actor`: the signed-in person with
their access role or, in open mode (no sign-in configured, one person on one
machine), whoever chose their name under "You are". The store asks `allows`
before every write, so a viewer cannot change anything whichever page or script
asks. Personal data is filtered by the functions that read it (`cx.checklist`,
`cx.heat_map`, `cx.cases.contact_details`), which take the viewer.

Roles:
- admin: everything below, plus people, roles and removing uploads;
- analyst: uploads, survey targets, KPI sheets, follow-up case rules and cases, and the comment
  themes;
- leader: heat-map ratings, the roadmap, the checklist, journeys, culture change, meetings,
  follow-up cases and "you said, we did" (analysts may write that list too);
- viewer: reads the dashboards and the presentation view, changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cx.store import Store
from cx.store.base import AccessDenied

ROLES: dict[str, str] = {
    "admin": "Admin: people, roles and settings, and everything the others do",
    "analyst": "Analyst: uploads, targets and KPI sheets, follow-up rules and cases, comment themes",
    "leader": "Leader: heat-map ratings, roadmap, checklist, journeys, culture change and follow-up cases",
    "viewer": "Viewer: reads the dashboards and the presentation view",
}
# Which roles may write which feature (see the @writes features in cx.store).
_WRITERS: dict[str, frozenset[str]] = {
    "uploads": frozenset({"admin", "analyst"}),
    "surveys": frozenset({"admin", "analyst"}),
    "kpis": frozenset({"admin", "analyst"}),
    "targets": frozenset({"admin", "analyst"}),
    "assessment": frozenset({"admin", "leader"}),
    "roadmap": frozenset({"admin", "leader"}),
    "checklist": frozenset({"admin", "leader"}),
    "culture": frozenset({"admin", "leader"}),
    "journeys": frozenset({"admin", "leader"}),
    "meetings": frozenset({"admin", "leader"}),
    # Follow-up cases: leaders own and work them; analysts open them (an import does) and
    # share them out; viewers only read the team's figures.
    "cases": frozenset({"admin", "leader", "analyst"}),
    # Which responses become cases and the response-time standard: the people who look
    # after the survey data.
    "case_rules": frozenset({"admin", "analyst"}),
    "themes": frozenset({"admin", "analyst"}),
    "you_said": frozenset({"admin", "analyst", "leader"}),
    "people": frozenset({"admin"}),
    "meta": frozenset({"admin"}),
}
_ADMIN_ONLY_ACTIONS = {"uploads.remove_batch"}
# Pages (by url path) that only some roles reach; every other page is for everyone signed in.
_PAGE_AUDIENCE: dict[str, frozenset[str]] = {
    "upload": frozenset({"admin", "analyst"}),
    "surveys": frozenset({"admin", "analyst"}),
    "people": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NotAllowed(AccessDenied):
    """The person's role does not allow this; nothing was saved."""


@dataclass(frozen=True)
class Actor:
    """The person using PlaceCX now.

    person_id is None in open mode until someone chooses their name; open_mode
    means no sign-in is configured (one person on one machine), where every role
    rule is relaxed but a write still needs a name.
    """

    person_id: int | None
    name: str
    role: str
    open_mode: bool = False

    @property
    def can_write(self) -> bool:
        return self.person_id is not None and self.role != "viewer"

    def reaches(self, page: str) -> bool:
        """Whether the page with this url path is offered to this person."""
        return self.open_mode or self.role in _PAGE_AUDIENCE.get(page, frozenset(ROLES))

    def may(self, feature: str, action: str = "") -> bool:
        """Whether this person may make a change to `feature` (with the store action `action`)."""
        if self.person_id is None:
            return False
        if self.open_mode:
            return True
        if action in _ADMIN_ONLY_ACTIONS:
            return self.role == "admin"
        return self.role in _WRITERS.get(feature, frozenset({"admin"}))


def allows(actor: Actor | None, feature: str, action: str) -> None:
    """The write policy the store asks before every write; None is PlaceCX itself (demo, inbox, CLI).

    Raises NotAllowed with a sentence the person can act on.
    """
    if actor is None or actor.may(feature, action):
        return
    if actor.person_id is None:
        raise NotAllowed("Choose your name under 'You are' first: every change is saved with the name "
                         "of the person who made it.")
    raise NotAllowed(f"Your PlaceCX role ({actor.role}) cannot change this. Ask your PlaceCX admin if you "
                     "need to.")


def open_store(database, actor: Actor | None) -> Store:
    """A Store acting for `actor`, whose every write is checked by `allows`."""
    return database.store(acting_person=actor.person_id if actor else None,
                          policy=lambda feature, action: allows(actor, feature, action))


def require_self(actor: Actor | None, person_id: int, what: str) -> None:
    """Raises NotAllowed when a signed-in person acts in someone else's name (rating, answering)."""
    if actor is not None and not actor.open_mode and actor.person_id != person_id:
        raise NotAllowed(f"You can only {what} as yourself.")


def clean_email(email: str | None) -> str:
    """An email address trimmed and in lower case. Raises ValueError naming the field when it is not one."""
    clean = (email or "").strip().lower()
    if not _EMAIL.match(clean):
        raise ValueError("Email: enter the address the person signs in with, such as name@council.gov.uk.")
    return clean


def check_role(role: str) -> str:
    """Raises ValueError naming the field for a role that is not one of ROLES."""
    if role not in ROLES:
        raise ValueError(f"Role: choose one of {', '.join(ROLES)}.")
    return role


def add_person(store: Store, email: str | None, name: str, role: str, *, job_title: str | None = None,
               now: datetime) -> int:
    """Add a person who can sign in; return their id.

    Raises ValueError naming the field for a bad email, a taken email or name, or
    an unknown role; NotAllowed unless the store acts for an admin (or PlaceCX).
    """
    clean = clean_email(email) if email is not None else None
    check_role(role)
    with store.transaction():
        if clean is not None and store.people.by_email(clean) is not None:
            raise ValueError(f"Email: {clean} already belongs to someone in PlaceCX.")
        person_id = store.people.add(name, job_title, now=now)
        store.people.set_access(person_id, email=clean, role=role)
    return person_id


def update_person(store: Store, person_id: int, email: str | None, role: str, *, active: bool = True) -> None:
    """Set an existing person's sign-in email, role and whether they may sign in.

    People named before sign-in existed are linked to their email this way; all
    they recorded stays theirs. Raises ValueError naming the field for a bad or
    taken email, an unknown role, or a change that would leave no active admin.
    """
    clean = clean_email(email) if email else None
    check_role(role)
    with store.transaction():
        store.people.names([person_id], field="Person")
        holder = store.people.by_email(clean) if clean else None
        if holder is not None and holder["person_id"] != person_id:
            raise ValueError(f"Email: {clean} already belongs to {holder['name']}.")
        everyone = store.people.all()
        admins = everyone[(everyone["access"] == "admin") & everyone["active"] & everyone["email"].notna()]
        if set(admins["person_id"]) == {person_id} and (role != "admin" or not active or clean is None):
            raise ValueError("Role: PlaceCX needs at least one admin who can sign in; make someone else "
                             "an admin first.")
        store.people.set_access(person_id, email=clean, role=role, active=active)


def ensure_person(store: Store, email: str, name: str | None, role: str, *, now: datetime) -> str:
    """Make sure someone can sign in with `email` in `role`; return what was done, in a sentence.

    An email already known keeps its person and gets the role; a name already
    known (someone named before sign-in existed) gets the email; otherwise a new
    person is added (`name` is then required). Used by `python -m cx people add`
    and PLACECX_ADMIN_EMAIL. Raises ValueError naming the field.
    """
    clean = clean_email(email)
    check_role(role)
    with store.transaction():
        known = store.people.by_email(clean)
        if known is not None:
            store.people.set_access(int(known["person_id"]), email=clean, role=role)
            return f"{known['name']} ({clean}) is now {role}."
        if not (name or "").strip():
            raise ValueError("--name: give the person's name; PlaceCX does not know this email yet.")
        people = store.people.all()
        named = people[people["name"].str.lower() == name.strip().lower()]
        if not named.empty:
            store.people.set_access(int(named["person_id"].iloc[0]), email=clean, role=role)
            return (f"{named['name'].iloc[0]} now signs in as {clean}, {role}; what they recorded "
                    "stays theirs.")
        add_person(store, clean, name, role, now=now)
        return f"Added {name.strip()} ({clean}) as {role}."


def actor_for_email(store: Store, email: str | None) -> Actor | None:
    """The Actor for a signed-in email, or None when PlaceCX does not know it (or it is switched off)."""
    if not email:
        return None
    person = store.people.by_email(email.strip().lower())
    if person is None or not person["active"]:
        return None
    return Actor(int(person["person_id"]), person["name"], person["access"])
