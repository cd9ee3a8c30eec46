"""Import speed and memory: the real upload path against the naive pandas path.

    python -m bench.ingest [--csv-rows 1000000] [--xlsx-rows 200000] [--repeats 3] [--json]

Generates a survey export as CSV (default 1,000,000 rows) and as XLSX (default
200,000 rows), then imports each into a fresh database file through the real path
(`cx.importers.inspect_export` + `cx.importers.run.import_export`: sniffing,
validation, deduplication, one transaction; XLSX parsed in the limited child
process) and through the naive path (pandas `read_csv`, or `read_excel` with
openpyxl, then the same store insert without any checks). Every run happens in
its own process, so its peak memory (including any child it starts) is its own.
The CSV runs of the two paths take turns. Prints the median seconds over the
repeats, the median CPU seconds, rows per second, peak memory and the ratio of
the two paths, the machine's load before and after, and whether the
CSV targets of issue 15 are met (real/naive speed ratio at least 1.3, at least
400,000 rows/s, peak memory no more than the naive path's). The naive XLSX path is
run once: it takes about half a minute; `--xlsx-rows 0` leaves XLSX out.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = ["Response ID", "Date submitted", "How likely are you to recommend us?", "Satisfaction",
          "Service", "Channel", "Comment", "Age band"]
SERVICES = ["Waste", "Parks", "Roads"]
CHANNELS = ["Phone", "Web"]
AGES = ["18-24", "25-44", "45-64", "65+"]
# Issue 15: the real CSV path at least 1.3 times the naive path's speed, and 400,000 rows/s.
CSV_MIN_RATIO = 1.3
CSV_MIN_ROWS_PER_S = 400_000


def survey_frame(rows: int) -> pd.DataFrame:
    """A survey export as a tool would write it (seeded, so every run reads the same data)."""
    rng = np.random.default_rng(7)
    index = np.arange(rows)
    return pd.DataFrame({
        HEADER[0]: [f"R{i}" for i in index],
        HEADER[1]: [f"2026-10-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}" for i in index],
        HEADER[2]: rng.integers(0, 11, rows),
        HEADER[3]: rng.integers(1, 6, rows),
        HEADER[4]: np.array(SERVICES)[index % 3],
        HEADER[5]: np.array(CHANNELS)[index % 2],
        HEADER[6]: np.where(index % 3 == 0, "ok", ""),
        HEADER[7]: np.array(AGES)[index % 4],
    })


def write_files(folder: Path, csv_rows: int, xlsx_rows: int) -> tuple[Path, Path]:
    csv_path, xlsx_path = folder / "export.csv", folder / "export.xlsx"
    survey_frame(csv_rows).to_csv(csv_path, index=False)
    if not xlsx_rows:
        return csv_path, xlsx_path
    frame = survey_frame(xlsx_rows)
    import xlsxwriter

    book = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    sheet = book.add_worksheet("Responses")
    sheet.write_row(0, 0, HEADER)
    for number, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        sheet.write_row(number, 0, row)
    book.close()
    return csv_path, xlsx_path


def run_real(path: Path, db: Path) -> int:
    from cx.importers import inspect_export
    from cx.importers.run import import_export
    from cx.store import Database

    database = Database(db)
    try:
        inspection = inspect_export(path.read_bytes(), path.name)
        result = import_export(database.store(), inspection, source="bench", uploaded_by=None,
                               now=datetime.now())
    finally:
        database.close()
    return result.new


def run_naive(path: Path, db: Path) -> int:
    from cx.store import Database
    from cx.store.uploads import UploadBatch

    raw = pd.read_csv(path) if path.suffix == ".csv" else pd.read_excel(path, engine="openpyxl")
    frame = pd.DataFrame({
        "response_id": raw[HEADER[0]].astype(str), "completed_at": pd.to_datetime(raw[HEADER[1]]),
        "nps": raw[HEADER[2]], "csat": raw[HEADER[3]], "service": raw[HEADER[4]],
        "channel": raw[HEADER[5]], "comment": raw[HEADER[6]],
    })
    database = Database(db)
    try:
        store = database.store()
        with store.transaction():
            batch = store.uploads.create_batch(UploadBatch("bench", datetime.now(), len(frame)), "responses")
            written = store.uploads.insert_responses(batch, "bench", frame)
    finally:
        database.close()
    return written


def worker(mode: str, path: Path, db: Path) -> None:
    """One timed import in this process; prints seconds, rows and peak memory as JSON."""
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    rows = (run_real if mode == "real" else run_naive)(path, db)
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    # VmHWM starts afresh at exec; ru_maxrss would carry the parent's size over.
    own_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                  if line.startswith("VmHWM:"))
    peak_kb = max(own_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "peak_mb": peak_kb / 1024}))


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children, all threads: on a loaded machine it
    varies far less than the time on the clock."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(mode: str, path: Path, folder: Path, repeats: int) -> dict:
    return summarise([_one_run(mode, path, folder, attempt) for attempt in range(repeats)])


def measure_alternately(path: Path, folder: Path, repeats: int) -> tuple[dict, dict]:
    """Real and naive runs taken in turn, so that a change in the machine's load falls on both."""
    runs: dict[str, list[dict]] = {"real": [], "naive": []}
    for attempt in range(repeats):
        for mode in ("real", "naive"):
            runs[mode].append(_one_run(mode, path, folder, attempt))
    return summarise(runs["real"]), summarise(runs["naive"])


def _one_run(mode: str, path: Path, folder: Path, attempt: int) -> dict:
    db = folder / f"{mode}-{path.suffix[1:]}-{attempt}.duckdb"
    out = subprocess.run([sys.executable, "-m", "bench.ingest", "--worker", mode, str(path), str(db)],
                         capture_output=True, text=True, check=True)
    db.unlink(missing_ok=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict:
    """Medians of seconds and CPU seconds, and the highest peak, over the runs of one path."""
    seconds = statistics.median(r["seconds"] for r in runs)
    return {"seconds": seconds, "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
            "rows": runs[0]["rows"], "rows_per_s": runs[0]["rows"] / seconds,
            "peak_mb": max(r["peak_mb"] for r in runs), "runs": len(runs)}


def report(label: str, real: dict, naive: dict) -> dict:
    """Print one line per format; return the figures with the real/naive speed ratio."""
    ratio = naive["seconds"] / real["seconds"]
    print(f"{label}: real path {real['seconds']:.2f} s median of {real['runs']} "
          f"({real['rows_per_s']:,.0f} rows/s, peak {real['peak_mb']:,.0f} MB); naive path "
          f"{naive['seconds']:.2f} s median of {naive['runs']} ({naive['rows_per_s']:,.0f} rows/s, peak "
          f"{naive['peak_mb']:,.0f} MB); real/naive speed ratio {ratio:.2f}; "
          f"rows imported {real['rows']:,} / {naive['rows']:,}")
    cpu_ratio = naive["cpu_seconds"] / real["cpu_seconds"]
    print(f"{label} CPU time (all threads, median): real {real['cpu_seconds']:.2f} s, naive "
          f"{naive['cpu_seconds']:.2f} s; naive/real {cpu_ratio:.2f}")
    return {"real": real, "naive": naive, "ratio": ratio, "cpu_ratio": cpu_ratio}


def check_csv_targets(figures: dict) -> list[str]:
    """One line per CSV target, each saying met or NOT met (issue 15's targets)."""
    real, naive, ratio = figures["real"], figures["naive"], figures["ratio"]
    checks = [
        (ratio >= CSV_MIN_RATIO, f"real/naive speed ratio {ratio:.2f} (target at least {CSV_MIN_RATIO})"),
        (real["rows_per_s"] >= CSV_MIN_ROWS_PER_S,
         f"{real['rows_per_s']:,.0f} rows/s (target at least {CSV_MIN_ROWS_PER_S:,})"),
        (real["peak_mb"] <= naive["peak_mb"],
         f"peak {real['peak_mb']:,.0f} MB against the naive path's {naive['peak_mb']:,.0f} MB "
         "(target no more)"),
    ]
    return [f"CSV target {'met' if ok else 'NOT met'}: {words}" for ok, words in checks]


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages: timings on a loaded machine run long."""
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return f"load average {one}, {five}, {fifteen}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="also print the CSV figures as JSON")
    parser.add_argument("--worker", nargs=3, metavar=("MODE", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        mode, path, db = args.worker
        worker(mode, Path(path), Path(db))
        return
    with tempfile.TemporaryDirectory(prefix="placecx-bench-") as name:
        folder = Path(name)
        csv_path, xlsx_path = write_files(folder, args.csv_rows, args.xlsx_rows)
        sizes = f"CSV {args.csv_rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB"
        if args.xlsx_rows:
            sizes += f"; XLSX {args.xlsx_rows:,} rows, {xlsx_path.stat().st_size / 1e6:.1f} MB"
        print(sizes)
        print(f"Before: {load_average()}")
        csv_figures = report("CSV", *measure_alternately(csv_path, folder, args.repeats))
        if args.xlsx_rows:
            report("XLSX", measure("real", xlsx_path, folder, args.repeats),
                   measure("naive", xlsx_path, folder, 1))
        print(f"After: {load_average()}")
        for line in check_csv_targets(csv_figures):
            print(line)
        if args.json:
            print(json.dumps({"csv": csv_figures}))


if __name__ == "__main__":
    main()
