"""What the commands `import`, `status`, `impact`, `themes` and `pack` do once they hold a Store.

The command line runs these itself when it can open the database, and the inbox
worker of a running app runs the very same functions for work the command line
hands over (`cx.inbox`), so both ways give the same counts and the same errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from cx import impact
from cx.importers import inspect_export
from cx.importers.mapping import Mapping
from cx.importers.run import ImportResult, import_export
from cx.pack import FORMATS, build_pack, render
from cx.store import Store
from cx.theme_trends import latest_facts

# The commands that read (and, for themes, bring the comment tags up to date) and
# print what they found; `import` is the one that takes a file.
READ_COMMANDS = ("status", "impact", "themes", "pack")
GRAINS = ("month", "quarter")


@dataclass(frozen=True)
class ImportOptions:
    """The choices of one import: mapping profile, survey name, who, and all-or-nothing."""

    profile: str | None = None
    source: str | None = None
    uploaded_by: str | None = None
    valid_only: bool = False

    def as_dict(self) -> dict:
        return {"profile": self.profile, "source": self.source, "uploaded_by": self.uploaded_by,
                "valid_only": self.valid_only}

    @classmethod
    def from_dict(cls, data: object) -> ImportOptions:
        """Options from a request file written by another program.

        Raises ValueError naming the option when one has the wrong type or length.
        """
        if not isinstance(data, dict):
            raise ValueError("The request's options are not a JSON object.")
        texts = {}
        for name in ("profile", "source", "uploaded_by"):
            value = data.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > 500):
                raise ValueError(f"The request's option {name} must be text of at most 500 characters.")
            texts[name] = value
        valid_only = data.get("valid_only", False)
        if not isinstance(valid_only, bool):
            raise ValueError("The request's option valid_only must be true or false.")
        return cls(valid_only=valid_only, **texts)


def run_import(store: Store, content: bytes, file_name: str, options: ImportOptions,
               *, now: datetime | None = None) -> ImportResult:
    """Read, check and import one export in one transaction (retried on a write conflict).

    Raises FileRefused when the file cannot be read, ValueError for an unknown
    profile or a mapping naming missing columns, ImportRefused when rows were
    rejected and `options.valid_only` is off, and DatabaseError / WriteConflict
    when the database refuses the rows. In every one of those cases nothing is written.
    """
    now = now or datetime.now().replace(microsecond=0)
    inspection = inspect_export(content, file_name)

    def unit(writer: Store) -> ImportResult:
        mapping, source = None, options.source
        if options.profile:
            profile = named_profile(writer, options.profile)
            mapping = Mapping.from_dict(json.loads(profile["mapping"]))
            source = source or profile["source"]
        return import_export(writer, inspection, mapping, source=source, uploaded_by=options.uploaded_by,
                             now=now, valid_only=options.valid_only)

    return store.run(unit)


def named_profile(store: Store, name: str) -> dict:
    """The saved mapping profile called `name`. Raises ValueError listing the known names."""
    profiles = store.uploads.profiles()
    match = profiles[profiles["name"] == name]
    if match.empty:
        known = ", ".join(profiles["name"]) or "none saved yet"
        raise ValueError(f"--profile: there is no mapping profile called '{name}' (known: {known}).")
    return match.iloc[0].to_dict()


def status_facts(store: Store) -> dict:
    """What `cx status` reports: rows per table and the newest response's time (or None)."""
    fresh = store.surveys.freshness()
    newest = fresh.newest_response.isoformat(sep=" ") if fresh.newest_response else None
    return {"tables": store.admin.table_counts(), "newest_response": newest}


def impact_facts(store: Store, today: date, min_n: int) -> dict:
    """What `cx impact` reports: every action linked to a measure, its baseline, after figure and verdict."""
    found = impact.impacts(store, today, min_n=min_n)
    return {"today": today.isoformat(), "min_n": min_n, "settle_days": impact.SETTLE_DAYS,
            "actions": [impact.as_dict(item) for item in found]}


@dataclass(frozen=True)
class Answer:
    """What a read command found: the facts it prints and, for the board pack, the file's bytes."""

    facts: dict
    data: bytes | None = None


def check_params(command: str, params: object) -> dict:
    """The parameters of a read command, checked as if another program had written them.

    Raises ValueError naming the parameter that is missing, unknown or of the wrong type.
    """
    if not isinstance(params, dict):
        raise ValueError("The command's parameters are not a JSON object.")
    unknown = sorted(set(params) - {"themes": {"grain"}, "pack": {"format", "meeting"}}.get(command, set()))
    if unknown:
        raise ValueError(f"The command {command} takes no parameter {unknown[0]}.")
    if command == "themes" and params.get("grain") not in GRAINS:
        raise ValueError("The themes command's grain must be month or quarter.")
    if command == "pack":
        if params.get("format") not in FORMATS:
            raise ValueError("The board pack's format must be .pptx or .pdf.")
        meeting = params.get("meeting")
        if meeting is not None and (not isinstance(meeting, int) or isinstance(meeting, bool)):
            raise ValueError("The board pack's meeting must be a meeting's number.")
    return dict(params)


def run_read(store: Store, command: str, params: dict, *, now: datetime, min_n: int) -> Answer:
    """Run one of READ_COMMANDS with parameters passed by `check_params`.

    Raises ValueError for an unknown command or meeting; what the command's own
    function raises otherwise.
    """
    today = now.date()
    if command == "status":
        return Answer(status_facts(store))
    if command == "impact":
        return Answer(impact_facts(store, today, min_n))
    if command == "themes":
        return Answer(latest_facts(store, grain=params["grain"], now=now))
    if command == "pack":
        pack = build_pack(store, today, min_n, params.get("meeting"))
        facts = {"council": pack.council, "meeting": pack.meeting, "sections": len(pack.sections),
                 "format": params["format"]}
        return Answer(facts, render(pack, params["format"]))
    raise ValueError(f"There is no command called {command}.")


def one_line(error: BaseException) -> str:
    """An error as the one sentence the command line prints after `placecx: `."""
    if isinstance(error, OSError) and error.filename:
        return f"cannot read {error.filename}: {error.strerror}"
    return " ".join(str(error).split())
