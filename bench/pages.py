"""How fast the Trends page reruns on a big database, against grouping in pandas.

    python -m bench.pages [--sizes 1000000 10000000] [--reruns 7]

For each size, a database is filled with synthetic responses (generated inside
DuckDB), then, each in its own process so that peak memory is its own:
- app: the real Trends page in AppTest, warmed up, then timed over reruns that
  each change the filters (a service and a channel never asked for before, so no
  cached result can answer);
- naive: what a page without the store would do on the same filter change: read
  the responses into pandas and group there (trend, breakdown, day x hour).
Prints medians, the ratio naive / app and each process's peak memory.
Targets (issue 3): rerun under 150 ms at 1M and under 600 ms at 10M, peak memory
under 600 MB at 10M, at least 5x faster than the naive path at 10M.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("Waste and recycling", "Highways", "Parking", "Planning", "Council tax", "Parks and green spaces")
CHANNELS = ("Phone", "Online", "Email", "In person")


def fill(path: Path, rows: int) -> None:
    """Create the schema through the app, then insert `rows` synthetic responses over two years."""
    from cx.store import Database

    Database(path).close()
    con = duckdb.connect(str(path))
    services = "['" + "', '".join(SERVICES) + "']"
    channels = "['" + "', '".join(CHANNELS) + "']"
    con.execute(f"""
        INSERT INTO responses (batch_id, source, response_id, completed_at, service, channel, area, segment,
                               staff_id, nps, csat, ces, ces_scale, comment)
        SELECT 1, 'bench', CAST(i AS VARCHAR),
               TIMESTAMP '2024-11-01' + to_seconds(CAST(hash(i) % (730 * 86400) AS BIGINT)),
               {services}[1 + CAST(hash(i, 1) % 6 AS INTEGER)],
               {channels}[1 + CAST(hash(i, 2) % 4 AS INTEGER)],
               'Ward ' || CAST(hash(i, 3) % 20 AS VARCHAR),
               ['Resident', 'Business', 'Visitor'][1 + CAST(hash(i, 4) % 3 AS INTEGER)],
               'S' || CAST(hash(i, 5) % 300 AS VARCHAR),
               CAST(hash(i, 6) % 11 AS UTINYINT),
               CAST(1 + hash(i, 7) % 5 AS UTINYINT),
               CAST(1 + hash(i, 8) % 7 AS UTINYINT), 7,
               CASE WHEN hash(i, 9) % 20 = 0 THEN 'Comment number ' || CAST(i AS VARCHAR) END
        FROM range({rows}) t(i)
    """)
    con.close()


def filter_changes(count: int) -> list[dict]:
    """Distinct (service, channel) filter settings, in a fixed order."""
    combos = [(s, c) for c in CHANNELS for s in SERVICES]
    return [{"trends_service": [s], "trends_channel": [c]} for s, c in combos[:count]]


def run_app(path: Path, reruns: int) -> dict:
    os.environ.update(PLACECX_DB=str(path), PLACECX_DEMO="0")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.run()  # warm: the page has run once with every query cached
    times = []
    for change in filter_changes(reruns):
        for key, value in change.items():
            at.session_state[key] = value
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, [e.value for e in at.exception]
    return {"median_s": statistics.median(times), "peak_mb": _peak_mb()}


def run_naive(path: Path, reruns: int) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    times = []
    for change in filter_changes(reruns):
        start = time.perf_counter()
        frame = con.execute("SELECT * FROM responses").df()
        rows = frame[frame["service"].isin(change["trends_service"])
                     & frame["channel"].isin(change["trends_channel"])]
        month = rows["completed_at"].dt.to_period("M")
        satisfied = rows["csat"] >= 4
        rows.assign(month=month, satisfied=satisfied).groupby("month")["satisfied"].agg(["sum", "count"])
        frame.assign(satisfied=frame["csat"] >= 4).groupby("service")["satisfied"].agg(["sum", "count"])
        rows.assign(day=rows["completed_at"].dt.dayofweek, hour=rows["completed_at"].dt.hour,
                    satisfied=satisfied).groupby(["day", "hour"])["satisfied"].agg(["sum", "count"])
        times.append(time.perf_counter() - start)
        del frame, rows
    con.close()
    return {"median_s": statistics.median(times), "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(mode: str, path: Path, reruns: int) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.pages", "--child", mode, "--db", str(path), "--reruns", str(reruns)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--reruns", type=int, default=7)
    parser.add_argument("--naive-reruns", type=int, default=3)
    parser.add_argument("--child", choices=["app", "naive"])
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.child:
        result = (run_app if args.child == "app" else run_naive)(args.db, args.reruns)
        print(json.dumps(result))
        return
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.duckdb"
            start = time.perf_counter()
            fill(path, size)
            filled = time.perf_counter() - start
            app = in_child("app", path, args.reruns)
            naive = in_child("naive", path, args.naive_reruns)
        print(f"{size:>11,} responses (filled in {filled:.1f} s): Trends rerun median "
              f"{1000 * app['median_s']:.0f} ms, peak {app['peak_mb']:.0f} MB | naive pandas median "
              f"{1000 * naive['median_s']:.0f} ms, peak {naive['peak_mb']:.0f} MB | "
              f"naive / app = {naive['median_s'] / app['median_s']:.1f}x", flush=True)


if __name__ == "__main__":
    main()
