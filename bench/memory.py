"""Server memory after uploads: the real server, real browser sessions, a 1M-row CSV each.

    python -m bench.memory [--rows 1000000] [--sessions 8] [--imports 4] [--before REF] [--repeats 1]

Starts `streamlit run app.py` on a fresh database (no demo data), opens the Upload
page once to load its modules, and takes the server's resident memory (VmRSS) as the
start. Then, one after another, N browser sessions (headless Chromium) each add the
generated CSV on the Upload page, wait until the rows are checked, press Import (the
last `--imports` sessions; the others only inspect) and close. Memory is sampled
throughout: the peak is the server's own, "with children" adds any child process it
started (parsing happens in one). The end is taken `--settle` seconds after the last
session closed.

The same run is made for the code at `--before` (by default the commit before this
benchmark's fix), checked out into a temporary folder, so both figures come from one
machine at one time. With `--repeats` above 1 the figures are medians. Target (issue 13):
end within 100 MB of start after inspecting and after importing a 1M-row file.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from bench.ingest import AGES, CHANNELS, HEADER, SERVICES

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "edc5171c60b5a99d1e38c7a7c7fb4fc4845325aa"  # the last commit before the memory work (issue 13)
CHROMIUM = os.environ.get("PLACECX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
READY = "rows are ready to import"
IMPORTED = "imported:"


def write_csv(path: Path, rows: int) -> None:
    """The survey export of bench.ingest, built column-wise so that a million rows take seconds."""
    rng = np.random.default_rng(7)
    index = np.arange(rows)
    cycle = np.arange(420)  # 28 days x 10 hours x 60 minutes repeat every 420 rows
    stamps = np.array([f"2026-10-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}" for i in cycle])
    table = pa.table({
        HEADER[0]: pa.array(np.char.add("R", index.astype(str))),
        HEADER[1]: pa.array(stamps[index % 420]),
        HEADER[2]: pa.array(rng.integers(0, 11, rows)),
        HEADER[3]: pa.array(rng.integers(1, 6, rows)),
        HEADER[4]: pa.array(np.array(SERVICES)[index % 3]),
        HEADER[5]: pa.array(np.array(CHANNELS)[index % 2]),
        HEADER[6]: pa.array(np.where(index % 3 == 0, "ok", "")),
        HEADER[7]: pa.array(np.array(AGES)[index % 4]),
    })
    pa_csv.write_csv(table, str(path), pa_csv.WriteOptions(quoting_style="none"))


def rss_mb(pid: int) -> float:
    """Resident memory of one process (VmRSS), in MB; 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    line = next((row for row in status.splitlines() if row.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def descendants(pid: int) -> list[int]:
    """Every child, grandchild, ... of a process."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found.extend(children)
            queue.extend(children)
    return found


class Sampler(threading.Thread):
    """Samples the server's RSS (alone, and with its children) every 0.2 s and keeps the peaks."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_tree, self._halt = pid, 0.0, 0.0, threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.2):
            own = rss_mb(self.pid)
            self.peak = max(self.peak, own)
            self.peak_tree = max(self.peak_tree, own + sum(rss_mb(c) for c in descendants(self.pid)))

    def stop(self) -> None:
        self._halt.set()
        self.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(tree: Path, db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` in `tree` on a free port with a new, empty database."""
    port = free_port()
    env = {**os.environ, "PLACECX_DB": str(db), "PLACECX_DEMO": "0"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"The server exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"The server did not become healthy:\n{log.read_text()[-3000:]}")


def settled(tab, timeout: float = 600_000) -> None:
    """Wait until Streamlit has finished running the page (and stays finished for a moment)."""
    tab.wait_for_selector("h1", timeout=timeout)
    for _ in range(int(timeout / 1000)):
        tab.wait_for_selector('[data-test-script-state="notRunning"]', state="attached", timeout=timeout)
        tab.wait_for_timeout(700)
        if tab.locator('[data-test-script-state="notRunning"]').count():
            return
    raise TimeoutError("The page kept re-running.")


def upload_session(browser, url: str, csv_path: Path, press_import: bool) -> None:
    """One person: open the Upload page, add the file, wait for the check, maybe import, leave."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    try:
        tab = context.new_page()
        tab.goto(url + "/upload")
        settled(tab)
        tab.set_input_files('input[type="file"]', str(csv_path))
        _wait_for_text(tab, READY)
        settled(tab)
        if press_import:
            tab.get_by_role("button", name="Import", exact=True).click()
            _wait_for_text(tab, IMPORTED)
            settled(tab)
    finally:
        context.close()


def _wait_for_text(tab, text: str, timeout: float = 900_000) -> None:
    """Wait for `text` on the page; fail with what the page says instead when an error shows first."""
    wanted = tab.get_by_text(text).first
    alert = tab.locator('[data-testid="stAlertContentError"], [data-testid="stException"]').first
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        if wanted.is_visible():
            return
        if alert.count() and alert.is_visible():
            raise RuntimeError(f"The page showed an error instead of '{text}': {alert.inner_text()}")
        tab.wait_for_timeout(500)
    raise TimeoutError(f"'{text}' did not appear within {timeout / 1000:.0f} s")


@dataclass
class Run:
    label: str
    start: float = 0.0
    peak: float = 0.0
    peak_tree: float = 0.0
    end: float = 0.0
    after_each: list[float] = field(default_factory=list)

    @property
    def growth(self) -> float:
        return self.end - self.start


def measure(label: str, tree: Path, csv_path: Path, sessions: int, imports: int, settle: float,
            folder: Path) -> Run:
    """Start a server on `tree`, drive the sessions, and return its memory figures."""
    from playwright.sync_api import sync_playwright

    name = f"{label.split()[0]}-{time.monotonic_ns()}"
    db, log = folder / f"{name}.duckdb", folder / f"{name}.log"
    server, url = start_server(tree, db, log)
    run = Run(label)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            warm = browser.new_context()
            tab = warm.new_page()
            tab.goto(url + "/upload")
            settled(tab)
            warm.close()
            time.sleep(settle)
            run.start = rss_mb(server.pid)
            sampler = Sampler(server.pid)
            sampler.start()
            for number in range(sessions):
                upload_session(browser, url, csv_path, press_import=number >= sessions - imports)
                time.sleep(1)
                run.after_each.append(rss_mb(server.pid))
                print(f"  {label}: session {number + 1} done, server {run.after_each[-1]:,.0f} MB",
                      file=sys.stderr)
            browser.close()
            time.sleep(settle)
            run.end = rss_mb(server.pid)
            sampler.stop()
            run.peak, run.peak_tree = sampler.peak, sampler.peak_tree
    except Exception:
        print(f"Server log ({label}), last lines:\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        for suffix in ("", ".wal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    return run


def checkout(ref: str, folder: Path) -> Path:
    """The repository at `ref`, unpacked into `folder` (git archive; the working tree is untouched).

    The committed .venv is left out: the server runs on this interpreter.
    """
    archive = subprocess.run(["git", "archive", "--format=tar", ref, "--", ".", ":(exclude).venv"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def median_run(runs: list[Run]) -> Run:
    pick = statistics.median
    return Run(runs[0].label, pick(r.start for r in runs), pick(r.peak for r in runs),
               pick(r.peak_tree for r in runs), pick(r.end for r in runs),
               [pick(values) for values in zip(*(r.after_each for r in runs), strict=True)])


def report(run: Run, repeats: int) -> dict:
    print(f"{run.label}: start {run.start:,.0f} MB, peak {run.peak:,.0f} MB "
          f"(with children {run.peak_tree:,.0f} MB), end {run.end:,.0f} MB, "
          f"end - start {run.growth:+,.0f} MB" + (f" (medians of {repeats})" if repeats > 1 else ""))
    print(f"  after each session: {', '.join(f'{value:,.0f}' for value in run.after_each)} MB")
    return {"label": run.label, "start_mb": round(run.start), "peak_mb": round(run.peak),
            "peak_with_children_mb": round(run.peak_tree), "end_mb": round(run.end),
            "growth_mb": round(run.growth), "after_each_mb": [round(v) for v in run.after_each]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--imports", type=int, default=None,
                        help="how many of the sessions (the last ones) press Import; default half")
    parser.add_argument("--before", default=BEFORE,
                        help="git ref of the code to compare with ('none' to skip)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to wait before start and end")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    imports = args.sessions // 2 if args.imports is None else min(args.imports, args.sessions)
    with tempfile.TemporaryDirectory(prefix="placecx-bench-memory-") as name:
        folder = Path(name)
        csv_path = folder / "export.csv"
        write_csv(csv_path, args.rows)
        print(f"CSV {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB; {args.sessions} sessions, "
              f"the last {imports} import")
        trees = {"now": ROOT}
        if args.before != "none":
            trees = {f"before ({args.before[:7]})": checkout(args.before, folder / "before"), **trees}
        runs: dict[str, list[Run]] = {label: [] for label in trees}
        for _ in range(args.repeats):
            for label, tree in trees.items():
                found = measure(label, tree, csv_path, args.sessions, imports, args.settle, folder)
                runs[label].append(found)
        figures = [report(median_run(found), args.repeats) for found in runs.values()]
    if args.json:
        print(json.dumps({"rows": args.rows, "sessions": args.sessions, "imports": imports,
                          "repeats": args.repeats, "runs": figures}))


if __name__ == "__main__":
    main()
