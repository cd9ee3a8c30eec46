"""One status vocabulary for everything the team tracks: roadmap actions, culture-change steps, cases.

Each status has a word, a symbol and a fill, and is always shown with its word and
symbol together, so it never rests on colour or shape alone. Culture-change steps
use the first three; roadmap actions can also be blocked.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    code: str
    word: str
    symbol: str
    fill: str  # colour-blind-safe (Okabe-Ito); always shown with the word and symbol
    pattern: str  # plotly bar pattern, so statuses differ in greyscale too

    @property
    def tag(self) -> str:
        """Symbol and word together: '◑ In progress'."""
        return f"{self.symbol} {self.word}"


STATUSES: tuple[Status, ...] = (
    Status("not_started", "Not started", "○", "#BBBBBB", "."),
    Status("in_progress", "In progress", "◑", "#56B4E9", "/"),
    Status("done", "Done", "●", "#009E73", ""),
    Status("blocked", "Blocked", "⊘", "#D55E00", "x"),
)
STATUS_BY_CODE: dict[str, Status] = {s.code: s for s in STATUSES}
STEP_STATUSES: tuple[Status, ...] = STATUSES[:3]  # a culture-change step is never "blocked"
OVERDUE_TAG = "⚠ Overdue"
# Follow-up cases (cx.cases): the last two close a case.
CASE_STATUSES: tuple[Status, ...] = (
    Status("new", "New", "○", "#BBBBBB", "."),
    Status("contacted", "Contacted", "◑", "#56B4E9", "/"),
    Status("resolved", "Resolved", "●", "#009E73", ""),
    Status("could_not_contact", "Could not contact", "⊘", "#D55E00", "x"),
)


def status(code: str, allowed: tuple[Status, ...] = STATUSES) -> Status:
    """The status with this code. Raises ValueError naming the field when it is not allowed."""
    for candidate in allowed:
        if candidate.code == code:
            return candidate
    raise ValueError(f"Status: choose one of {', '.join(s.word for s in allowed)}.")


def percent_done(done: int, total: int) -> int | None:
    """Whole-number share done, or None when there is nothing to count."""
    return round(100 * done / total) if total else None
