"""The slice of survey responses a page is looking at.

A `Slice` is a plain value: pages build one from their widgets and pass it to the
store, which turns it into a WHERE clause with bound parameters. Empty tuples mean
"no restriction on this field".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Response columns a slice may restrict, and that breakdowns may group by.
DIMENSIONS: tuple[str, ...] = ("service", "channel", "area", "segment", "staff_id")

DIMENSION_LABELS: dict[str, str] = {
    "service": "Service",
    "channel": "Channel",
    "area": "Area",
    "segment": "Customer segment",
    "staff_id": "Staff member",
}


@dataclass(frozen=True)
class Slice:
    """Which responses to include.

    start, end: inclusive dates on the completion time (None = open-ended).
    service, channel, area, segment, staff_id: allowed values (empty = all).
    extra: imported attribute name -> allowed values, e.g. {"Age band": ("18-24",)}.
    survey: the surveys (their `source` keys) to include (empty = every survey).
    headline_only: only surveys the council marks as feeding its headline measures
        (a response whose source has no survey record counts as headline).
    """

    start: date | None = None
    end: date | None = None
    service: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    area: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    staff_id: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    survey: tuple[str, ...] = ()
    headline_only: bool = False

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ValueError(
                f"The start date {self.start:%d %B %Y} is after the end date {self.end:%d %B %Y}."
            )

    def values_for(self, dimension: str) -> tuple[str, ...]:
        """The allowed values of one dimension (empty tuple = all)."""
        if dimension not in DIMENSIONS:
            raise KeyError(f"Unknown dimension {dimension!r}; expected one of {DIMENSIONS}.")
        return getattr(self, dimension)
