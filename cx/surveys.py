"""A council's surveys: naming, kinds, the services each covers, and which feed the headlines.

Every upload of survey responses belongs to one survey. A survey is keyed by the
`source` its responses are stored under (duplicates are judged per source); its name,
kind, services and headline flag can be changed without touching the responses.
The Overview's survey figures use only headline surveys (`Slice.headline_only`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import PurePath

from cx import edits
from cx.store import Store

KINDS: dict[str, str] = {
    "post_contact": "Post-contact (after a call, visit or web form)",
    "resident": "Resident or perception survey",
    "service": "Service survey",
    "fft": "Friends and Family Test",
    "govmetric": "GovMetric feedback",
    "staff": "Staff survey",
}
NAME_LIMIT = 200
_FILE_NOISE = re.compile(r"(?i)\b(export|data|responses?|results?|download|final|copy|csv|xlsx)\b")
_SEPARATORS = re.compile(r"[_\-.()\[\]]+")
_STAMP = re.compile(r"\b\d{4}[-_ ]?\d{2}[-_ ]?\d{2}(?:[-_ ]?\d{2}[-_ ]?\d{2}(?:[-_ ]?\d{2})?)?\b")


def propose_name(file_name: str | None, tool: str | None) -> str:
    """A readable survey name from the file's name and the tool that wrote it.

    'friends-and-family-test_data.csv' from a generic table gives 'Friends and family
    test'; a Qualtrics 'Resident survey 2026.csv' gives 'Resident survey 2026 (Qualtrics)'.
    Never empty: a file whose name says nothing gives '<tool> survey' or 'Survey'.
    """
    stem = PurePath(file_name or "").stem
    words = _STAMP.sub(" ", _SEPARATORS.sub(" ", stem))
    words = " ".join(_FILE_NOISE.sub(" ", words).split())
    named_tool = tool if tool and tool != "generic" else None
    if not words or words.isdigit():
        return f"{named_tool} survey" if named_tool else "Survey"
    words = words[0].upper() + words[1:]
    name = f"{words} ({named_tool})" if named_tool else words
    return name[:NAME_LIMIT]


def propose_kind(roles: Mapping[str, str | None]) -> str:
    """The kind a mapping suggests: FFT or GovMetric when that is its only score, else post-contact."""
    scored = {role for role in ("nps", "csat", "ces", "fft", "govmetric") if roles.get(role)}
    if scored == {"fft"}:
        return "fft"
    if scored == {"govmetric"}:
        return "govmetric"
    return "post_contact"


def source_for_new(store: Store, proposed_source: str, name: str) -> str:
    """The key a new survey is stored under: the tool's stable key for these columns when no
    survey holds it yet (so the next export of it is recognised), else the name typed."""
    if store.catalogue.get(proposed_source) is None:
        return proposed_source
    return name.strip()


def check_survey(store: Store, source: str | None, name: str, kind: str, services: Sequence[str]) -> str:
    """The cleaned name; raises ValueError naming the field for a blank, over-long or taken name,
    or an unknown kind. `source` is the survey being changed (None: a new one)."""
    clean = " ".join((name or "").split())
    if not clean:
        raise ValueError("Survey name: give the survey a name.")
    if len(clean) > NAME_LIMIT:
        raise ValueError(f"Survey name: at most {NAME_LIMIT} characters, not {len(clean)}.")
    if store.catalogue.name_taken(clean, other_than=source):
        raise ValueError(f"Survey name: another survey is already called '{clean}'.")
    if kind not in KINDS:
        raise ValueError(f"Kind of survey: choose one of {', '.join(KINDS.values())}.")
    if any(not isinstance(s, str) or not s.strip() for s in services):
        raise ValueError("Services: each service needs a name.")
    return clean


def record_upload(store: Store, source: str, *, name: str, kind: str, services: Sequence[str] = (),
                  updated_by: int | None, now: datetime) -> None:
    """Record the survey an upload belongs to, unless it is already recorded.

    A council's first survey feeds its headlines; later ones do not until the
    analyst says so, so a new service survey never changes the Overview by itself.
    Raises ValueError as `check_survey` does.
    """
    if store.catalogue.get(source) is not None:
        return
    clean = check_survey(store, None, name, kind, services)
    with store.transaction():
        headline = not store.catalogue.has_headline()
        store.catalogue.add(source, clean, kind, sorted(set(services)), headline, updated_by=updated_by,
                            now=now)


_FIELD_LABELS = {"name": "Name", "kind": "Kind", "services": "Services", "headline": "Headline"}


def save_survey(store: Store, source: str, *, name: str, kind: str, services: Sequence[str], headline: bool,
                updated_by: int | None, now: datetime, based_on: Mapping[str, object] | None = None,
                overwrite: bool = False) -> None:
    """Change a survey's name, kind, services and headline flag.

    `based_on` is the survey as the person saw it (name, kind, services, headline);
    only the fields they changed are written. Raises EditConflict when someone else
    changed one of those fields meanwhile (unless `overwrite`), ValueError for an
    unknown survey and as `check_survey` does.
    """
    with store.transaction():
        held = store.catalogue.get(source)
        if held is None:
            raise ValueError("Survey: there is no such survey; it may have been removed.")
        mine = {"name": " ".join((name or "").split()), "kind": kind, "services": sorted(set(services)),
                "headline": bool(headline)}
        current = {"name": held["name"], "kind": held["kind"], "services": sorted(held["services"]),
                   "headline": bool(held["headline"])}
        base = current if based_on is None else {**current, **based_on,
                                                  "services": sorted(based_on.get("services", ()))}
        changed = edits.check(f"the survey '{held['name']}'", base, mine, current,
                              words=_field_words, label=_FIELD_LABELS.get, changed_by=None, changed_at=None,
                              overwrite=overwrite)
        result = {**current, **changed}
        clean = check_survey(store, source, result["name"], result["kind"], result["services"])
        store.catalogue.update(source, clean, result["kind"], result["services"], result["headline"],
                               updated_by=updated_by, now=now)


def _field_words(field: str, value: object) -> str:
    if field == "kind":
        return KINDS.get(str(value), str(value))
    if field == "services":
        return ", ".join(value) or "none"  # type: ignore[arg-type]
    if field == "headline":
        return "feeds the headline measures" if value else "not in the headline measures"
    return str(value)


def unique_name(store: Store, name: str) -> str:
    """`name`, or `name (2)`, `name (3)`, ... when another survey already has it."""
    clean = " ".join(name.split())[:NAME_LIMIT - 5] or "Survey"
    candidate, number = clean, 1
    while store.catalogue.name_taken(candidate):
        number += 1
        candidate = f"{clean} ({number})"
    return candidate


def survey_names(store: Store) -> dict[str, str]:
    """source -> name of every survey, by name."""
    frame = store.catalogue.all()
    return dict(zip(frame["source"], frame["name"], strict=True))


def kind_of(store: Store, sources: Sequence[str]) -> str | None:
    """The kind the chosen surveys share, or None when they differ or none is chosen."""
    kinds = {(store.catalogue.get(s) or {}).get("kind") for s in sources}
    return kinds.pop() if len(kinds) == 1 else None
