"""How long the demo council takes to build and store, against a row-by-row insert.

    python -m bench.demo [--repeats 5]

Prints the median of each over the repeats and the ratio. The row-by-row path
inserts a sample of rows one statement at a time and is scaled up to the full
row count (running it in full would take minutes).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from cx.demo import DEMO_SOURCE, build_demo, install_demo
from cx.store import Database

TODAY = date(2026, 11, 15)
SAMPLE = 2_000


def bulk_seconds() -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.duckdb")
        start = time.perf_counter()
        written = install_demo(db.store(), TODAY)
        elapsed = time.perf_counter() - start
        db.close()
    return elapsed, written


def row_by_row_seconds() -> float:
    frame = build_demo(date(2026, 10, 1)).responses
    columns = ["response_id", "completed_at", "service", "channel", "area", "segment", "staff_id",
               "nps", "csat", "ces", "ces_scale", "comment"]
    rows = frame[columns].head(SAMPLE).astype(object).where(frame[columns].head(SAMPLE).notna(), None)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "naive.duckdb")
        store = db.store()
        start = time.perf_counter()
        with store.transaction():
            for record in rows.itertuples(index=False):
                store.uploads.insert_responses(1, DEMO_SOURCE, rows.__class__([record], columns=columns))
        elapsed = time.perf_counter() - start
        db.close()
    return elapsed * len(frame) / SAMPLE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    bulk, rows = zip(*(bulk_seconds() for _ in range(args.repeats)), strict=True)
    naive = [row_by_row_seconds() for _ in range(max(1, args.repeats // 2))]
    bulk_median, naive_median = statistics.median(bulk), statistics.median(naive)
    print(f"demo council: {rows[0]:,} responses + KPIs generated and stored")
    print(f"  bulk (NumPy + one INSERT ... SELECT): median {bulk_median:.2f} s over {args.repeats} runs")
    print(f"  row by row (scaled from {SAMPLE:,} rows): median {naive_median:.1f} s")
    print(f"  ratio: {naive_median / bulk_median:.0f}x faster in bulk")


if __name__ == "__main__":
    main()
