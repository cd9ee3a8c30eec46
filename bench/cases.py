"""How long finding follow-up cases takes among many responses, against doing it in Python.

    python -m bench.cases [--rows 1000000] [--repeats 3] [--json]

Writes `--rows` generated survey responses (a tenth unhappy, a third with a
comment, a third ticking "Happy to be contacted") into a fresh database in a
temporary folder, then times, `--repeats` times each, on a fresh copy of the cases:
- `cx.cases.find_new_cases`: the rule applied in DuckDB, cases inserted by one
  INSERT ... SELECT (the way PlaceCX does it);
- the naive way: every response with its extra attributes read into pandas, the
  rule applied row by row in Python, then the cases inserted from the frame;
- a second `find_new_cases` right after the first (nothing left to open: the cost
  of pressing the button again, or of an import that brings no new unhappy customer).
Prints the medians in seconds, the cases opened (equal both ways), and the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from cx import cases
from cx.store import Database
from cx.store.uploads import UploadBatch
from cx.working_days import add_working_days

NOW = datetime(2026, 11, 13, 10, 0)
SOURCE = "Bench survey"


def fill(database: Database, rows: int) -> None:
    rng = np.random.default_rng(7)
    store = database.store()
    nps = rng.integers(0, 11, rows)
    agreed = rng.random(rows) < 0.33
    frame = pd.DataFrame({
        "response_id": [f"b{i}" for i in range(rows)],
        "completed_at": pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(0, 30 * 86400, rows), "s"),
        "service": rng.choice(["Waste", "Roads", "Parking"], rows),
        "nps": pd.array(nps, dtype="UInt8"),
        "comment": np.where(rng.random(rows) < 0.33, "Bin missed again", None),
        "extra_keys": [["Happy to be contacted", "Email address"] if a else ["Ward"] for a in agreed],
        "extra_values": [["Yes", f"p{i}@example.org"] if a else ["Abbey"] for i, a in enumerate(agreed)],
    })
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch(SOURCE, NOW, rows), "responses")
        store.uploads.insert_responses(batch, SOURCE, frame)


def naive(database: Database) -> int:
    """Every response into pandas, the rule row by row in Python, cases inserted from the frame."""
    store = database.store()
    rule = cases.rule_for(store, SOURCE)
    responses = store.cases._frame("SELECT response_id, completed_at, service, channel, nps, csat, comment, "
                                   "extra FROM responses WHERE source = ?", [SOURCE])
    held = set(store.cases.cases(limit=10_000_000)["response_id"])
    keep = []
    for row in responses.itertuples(index=False):
        extra = dict(row.extra) if row.extra is not None else {}
        unhappy = (not pd.isna(row.nps) and row.nps <= rule.nps_max) or \
            (not pd.isna(row.csat) and row.csat <= rule.csat_max)
        consent = (extra.get(rule.consent_column) or "").strip().lower() in rule.consent_values
        comment = isinstance(row.comment, str) and row.comment.strip()
        if unhappy and consent and comment and row.response_id not in held:
            keep.append(row)
    found = pd.DataFrame(keep, columns=responses.columns).drop(columns="extra")
    opened, due = NOW.date(), add_working_days(NOW.date(), rule.standard_days)
    found = found.assign(source=SOURCE, opened_on=opened, due_on=due, standard_days=rule.standard_days,
                         owner_id=None, status="new", closed_on=None, notes=None, outcome=None,
                         created_at=NOW, updated_at=NOW)
    with store.transaction():
        return len(store.cases.insert_cases(found, by=None))


def clear(database: Database) -> None:
    store = database.store()
    with store.transaction():
        store.cases._execute("DELETE FROM case_changes")
        store.cases._execute("DELETE FROM follow_up_cases")


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Database(Path(folder) / "bench.duckdb")
        fill(database, options.rows)
        fast, again, slow, counts = [], [], [], set()
        for _ in range(options.repeats):
            clear(database)
            seconds, opened = timed(lambda: cases.find_new_cases(database.store(), by=None, now=NOW))
            fast.append(seconds)
            counts.add(sum(opened.values()))
            again.append(timed(lambda: cases.find_new_cases(database.store(), by=None, now=NOW))[0])
            clear(database)
            seconds, opened_naively = timed(lambda: naive(database))
            slow.append(seconds)
            counts.add(opened_naively)
        database.close()
    figures = {"rows": options.rows, "cases_opened": sorted(counts),
               "find_new_cases_s": statistics.median(fast),
               "again_nothing_new_s": statistics.median(again), "naive_python_s": statistics.median(slow)}
    figures["naive_over_duckdb"] = figures["naive_python_s"] / figures["find_new_cases_s"]
    print(json.dumps(figures) if options.json else "\n".join(f"{k}: {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
