"""The inbox: files dropped in the watched folder, what became of each, and why a failure failed.

The worker that watches the folder lives in `cx.inbox`; this store only records
and reads. The import itself is an ordinary upload batch (`cx.store.uploads`),
written in the same transaction as the inbox row that points at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from cx.store.base import FeatureStore, writes

OUTCOMES = ("imported", "already imported", "failed")


@dataclass(frozen=True)
class InboxFile:
    """One file the worker took from the inbox, and its outcome."""

    file_name: str
    received_at: datetime
    outcome: str  # one of OUTCOMES
    file_size: int | None = None
    file_sha256: str | None = None
    batch_id: int | None = None
    reason: str | None = None


class InboxStore(FeatureStore):
    """Record inbox files and list the recent ones for the Upload page."""

    READS = ("inbox", "uploads")

    @writes("inbox")
    def record(self, item: InboxFile) -> int:
        """Record what became of one inbox file; return its id.

        Raises ValueError for an outcome not in OUTCOMES (a bug in the caller).
        """
        if item.outcome not in OUTCOMES:
            raise ValueError(f"Inbox outcome must be one of {OUTCOMES}, not {item.outcome!r}.")
        row = self._one(
            "INSERT INTO inbox_files (file_name, file_size, file_sha256, received_at, outcome, batch_id, "
            "reason) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING inbox_file_id",
            [item.file_name, item.file_size, item.file_sha256, item.received_at, item.outcome,
             item.batch_id, item.reason],
        )
        return int(row[0])

    def recent(self, limit: int = 20) -> pd.DataFrame:
        """The newest inbox files first: file_name, file_size, received_at, outcome, batch_id, reason."""
        return self._frame(
            "SELECT file_name, file_size, received_at, outcome, batch_id, reason FROM inbox_files "
            "ORDER BY received_at DESC, inbox_file_id DESC LIMIT ?",
            [limit],
        )
