"""Saving a form that someone else may have changed since it was opened.

Every form save states what it was based on: the record as it stood when the
form was drawn. Three versions then meet: that base, what the person submitted,
and the record as it is now. Only the fields the person changed are written. A
field someone else changed meanwhile is kept as they left it; if both changed
the same field to different values, nothing is written and the person is told
whose change it was, so they can look and, if they still want to, apply theirs
over it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cx.errors import PlaceCXError


@dataclass(frozen=True)
class Clash:
    """One field both people changed: its label and both new values, in words."""

    field: str
    theirs: str
    mine: str


class EditConflict(PlaceCXError):
    """Someone else changed the same field since the form was opened; nothing was saved."""

    def __init__(self, what: str, clashes: Sequence[Clash], changed_by: str | None,
                 changed_at: datetime | None) -> None:
        self.clashes = tuple(clashes)
        self.changed_by = changed_by
        self.changed_at = changed_at
        who = changed_by or "Someone"
        when = f" at {changed_at:%H:%M on %d %B %Y}" if changed_at else ""
        fields = "; ".join(f"{c.field}: now “{c.theirs}”, yours “{c.mine}”" for c in self.clashes)
        super().__init__(
            f"{who} changed {what}{when}, after you opened it, so nothing was saved. {fields}. "
            "Check their change; to keep yours instead, save your version over theirs."
        )


def _same(a: object, b: object) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return tuple(a) == tuple(b)
    return a == b


def merge(base: Mapping[str, object], mine: Mapping[str, object], current: Mapping[str, object], *,
          overwrite: bool = False) -> tuple[dict[str, object], list[str]]:
    """The fields to write, and the fields that clash.

    A field is written when the person changed it from `base` and it differs from
    `current`. It clashes when someone else also changed it (current differs from
    base) to a value other than the person's; with `overwrite` the person's value
    is written anyway. Fields only someone else changed are never touched.
    """
    write, clashes = {}, []
    for name, value in mine.items():
        if _same(value, base[name]) or _same(value, current[name]):
            continue
        if not _same(current[name], base[name]) and not overwrite:
            clashes.append(name)
            continue
        write[name] = value
    return write, clashes


def check(what: str, base: Mapping[str, object], mine: Mapping[str, object], current: Mapping[str, object],
          *, words: Callable[[str, object], str], label: Callable[[str], str],
          changed_by: str | None, changed_at: datetime | None, overwrite: bool = False) -> dict[str, object]:
    """`merge`, raising EditConflict (fields labelled and valued in words) when anything clashes."""
    write, clashes = merge(base, mine, current, overwrite=overwrite)
    if clashes:
        raise EditConflict(what, [Clash(label(n), words(n, current[n]), words(n, mine[n])) for n in clashes],
                           changed_by, changed_at)
    return write
