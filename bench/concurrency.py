"""Many people at once against the real server: is any save lost, does any page break?

    python -m bench.concurrency [--sessions 8] [--seconds 60] [--rows 200000]
                                [--driver websocket|browser] [--json] [--keep]

Builds a fresh demo database in a temporary folder, adds one person per session and
an open heat-map round they all rate, starts `streamlit run app.py` on it and drives
N simultaneous sessions for at least `--seconds`:
- session 1 uploads a generated CSV (`--rows` survey responses) on the Upload page,
  presses Import once, then rates the heat map like the others;
- sessions 2 and 3 edit the same roadmap action (one its title, one its notes) and
  press "Save changes"; with 8 sessions or more, 3 in 8 sessions edit the roadmap,
  the others the notes of further actions;
- every other session sets all 15 heat-map cells (with a unique comment) and presses
  "Submit ratings", again and again.
A session is a websocket speaking Streamlit's own protocol, as a browser tab does
(`bench.concurrency_ws`, the default: light on two cores), or a page in headless
Chromium (`--driver browser`, `bench.concurrency_browser`: slower, but what a person
sees). Each attempt is judged by what the page showed (the success notice, a plain
error sentence, an exception box, nothing), then, after the server has stopped,
against the database: a rating by its comment in assessment_ratings, a roadmap save
by its new value in roadmap_changes, the import by its rows in responses.

Figures: attempted, committed (found in the database), lost (reported as saved but
not in the database, or neither saved nor refused in a plain sentence),
conflicts_retried (Store.run's "retried after a write conflict" lines in the server
log), errors_shown (attempts that showed a plain error sentence), exceptions
(exception boxes, blank pages, tracebacks in the server log), overwritten (roadmap
history rows a session wrote for a field it never edited: a stale form silently
undoing someone else's save), and the server's resident memory (VmRSS) at the start
and end of the run. The run continues past --seconds until the import has finished.
Exits 1 when a save was lost or an exception was shown.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RETRY_LINE = "unit of work retried after a write conflict"
ROUND_NAME = "Concurrency bench"
HARD_STOP = 900  # seconds past --seconds after which sessions stop even if the import runs on
SERVICES = ("Waste and recycling", "Highways", "Parking", "Planning", "Council tax", "Parks and green spaces")
CHANNELS = ("Phone", "Web", "Email", "Face to face")


@dataclass
class Attempt:
    """One save a session tried, what the page said, and (filled in later) whether the database has it."""

    session: int
    kind: str  # rating, roadmap, import
    person_id: int
    token: str  # the unique comment, title, notes or file name that finds it in the database
    started: float  # seconds after the run began
    seconds: float = 0.0  # from pressing the button until the page had finished updating
    outcome: str = ""  # success, error, exception, blank, no_outcome, broken
    message: str = ""
    action_id: int | None = None
    field: str | None = None
    rows: int = 0
    in_db: bool = False
    fill_seconds: float = 0.0  # filling in the form before the press (browser driver only)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the database


def prepare(db_path: Path, sessions: int) -> dict:
    """Demo council, one person per session, an open round they all rate, the actions to edit.

    The round is held today and has one submission (by a demo leader), so it is the
    round every page shows. Returns the plan each session follows.
    """
    from cx import heat_map, roadmap
    from cx.assessment import RatingEntry
    from cx.bootstrap import open_app_database
    from cx.config import Settings
    from cx.framework import CELLS

    database = open_app_database(Settings(db_path=db_path, demo=True))
    store = database.store()
    now = datetime.now().replace(microsecond=0)
    people = []
    with store.transaction():
        for number in range(1, sessions + 1):
            name = f"Bench person {number:02d}"
            people.append((store.people.add(name, "Concurrency bench", now=now), name))
        leader = int(store.people.all()["person_id"].iloc[0])
        round_id = heat_map.create_round(store, ROUND_NAME, date.today(), [leader, *(p for p, _ in people)],
                                         created_by=leader, now=now)
        heat_map.submit(store.assessment, round_id, leader,
                        [RatingEntry(b, s, "progress", "", "") for b, s in CELLS], now=now)
    actions = store.roadmap.actions()
    # Actions a save can keep as they are: the form must pass validation unchanged.
    usable = [int(a) for a in actions["action_id"]
              if _valid(roadmap, roadmap.load_action(store.roadmap, int(a)))]
    database.close()
    editors = max(2, (3 * sessions) // 8)
    plan = []
    for index, (person_id, name) in enumerate(people):
        editor = index - 1  # session 0 imports; sessions 1.. edit the roadmap
        if index == 0:
            role, action, field = "import", None, None
        elif 0 <= editor < editors:
            role = "roadmap"
            action = usable[0] if editor < 2 else usable[(editor - 1) % len(usable)]
            field = "title" if editor == 0 else "notes"
        else:
            role, action, field = "rating", None, None
        plan.append({"session": index + 1, "person_id": person_id, "name": name, "role": role,
                     "action_id": action, "field": field})
    return {"round_id": round_id, "sessions": plan}


def _valid(roadmap, action) -> bool:
    try:
        roadmap.validate_action(action)
    except ValueError:
        return False
    return True


def write_export(path: Path, rows: int, seed: int = 13) -> None:
    """A one-header survey export the importer maps on its own (ISO dates, 0-10, 1-5, 1-5)."""
    rng = np.random.default_rng(seed)
    seconds = rng.integers(0, 150 * 86400, rows)
    frame = pd.DataFrame({
        "Response ID": [f"BENCH{i:07d}" for i in range(rows)],
        "End Date": (pd.Timestamp("2026-01-01") + pd.to_timedelta(seconds, unit="s")).strftime(
            "%Y-%m-%d %H:%M:%S"),
        "Service": np.array(SERVICES)[rng.integers(0, len(SERVICES), rows)],
        "Channel": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), rows)],
        "Ward": [f"Ward {w}" for w in rng.integers(0, 20, rows)],
        "Customer type": np.array(("Resident", "Business"))[rng.integers(0, 2, rows)],
        "How likely are you to recommend the council (0-10)": rng.integers(0, 11, rows),
        "Overall satisfaction (1-5)": rng.integers(1, 6, rows),
        "How easy was it to get what you needed (1-5)": rng.integers(1, 6, rows),
        "Comments": np.where(rng.random(rows) < 0.1, "Bench comment", ""),
    })
    frame.to_csv(path, index=False, lineterminator="\r\n")


def verify(db_path: Path, attempts: list, plan: dict, started: datetime) -> dict:
    """Look every attempt up in the database (after the server has let go of the file)."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    persons = {s["person_id"] for s in plan["sessions"]}
    for attempt in attempts:
        if attempt.kind == "rating":
            rows = con.execute(
                "SELECT s.person_id, s.round_id, (SELECT count(*) FROM assessment_ratings x "
                "WHERE x.submission_id = s.submission_id) FROM assessment_ratings r "
                "JOIN assessment_submissions s USING (submission_id) WHERE r.comment = ?",
                [attempt.token]).fetchall()
            attempt.in_db = any(r == (attempt.person_id, plan["round_id"], 15) for r in rows)
        elif attempt.kind == "roadmap":
            field = {"title": "Title", "notes": "Notes"}[attempt.field]
            rows = con.execute(
                "SELECT action_id, changed_by FROM roadmap_changes WHERE field = ? AND new_value = ?",
                [field, attempt.token]).fetchall()
            attempt.in_db = (attempt.action_id, attempt.person_id) in rows
        else:
            row = con.execute(
                "SELECT b.batch_id, b.rows_new, (SELECT count(*) FROM responses r "
                "WHERE r.batch_id = b.batch_id) FROM upload_batches b WHERE b.file_name = ?",
                [attempt.token]).fetchone()
            attempt.in_db = row is not None and row[1] == row[2] == attempt.rows > 0
    edits = {s["person_id"]: s["field"] for s in plan["sessions"] if s["role"] == "roadmap"}
    labels = {"title": "Title", "notes": "Notes"}
    overwritten = con.execute(
        "SELECT changed_by, action_id, field, old_value, new_value FROM roadmap_changes "
        "WHERE changed_at >= ? AND changed_by IN (SELECT unnest(?))",
        [started.replace(microsecond=0), list(edits)]).fetchall()
    overwritten = [row for row in overwritten if row[2] != labels[edits[row[0]]]]
    totals = con.execute(
        "SELECT count(*) FROM assessment_submissions WHERE round_id = ? AND person_id IN (SELECT unnest(?))",
        [plan["round_id"], list(persons)]).fetchone()[0]
    con.close()
    return {"overwritten": overwritten, "bench_submissions_in_db": int(totals)}


# ---------------------------------------------------------------------- the sessions


async def run_sessions(sessions: list, export: Path, seconds: float, sample: Callable[[str], None],
                       log: Callable[[str], None]) -> tuple[list[Attempt], datetime, float]:
    """Open every session, then let them all work at once until `seconds` have passed and the
    import has finished. A session is a driver's object with open, upload, to_heat_map, rate,
    edit and recover; each job returns an Attempt."""
    gate = asyncio.Semaphore(2)  # opening pages is not what is measured

    async def open_one(session) -> None:
        async with gate:
            try:
                await session.open()
            except Exception as error:  # a slow first load; a second try, as a person would reload
                log(f"  session {session.number}: opening failed ({str(error)[:200]}); trying again")
                await session.open()
            log(f"  session {session.number} ({session.role}) ready as {session.spec['name']}")

    await asyncio.gather(*(open_one(s) for s in sessions))
    sample("start")
    started, clock = datetime.now(), time.monotonic()
    deadline, import_done = clock + seconds, asyncio.Event()
    if not any(s.role == "import" for s in sessions):
        import_done.set()
    attempts: list[Attempt] = []

    async def work(session) -> None:
        if session.role == "import":
            try:
                attempts.append(await session.upload(clock, export))
            finally:
                import_done.set()
            try:
                await session.to_heat_map()  # then the analyst rates like everyone else
            except Exception:
                if not await session.recover():
                    return
        while (time.monotonic() < deadline or not import_done.is_set()) and \
                time.monotonic() < deadline + HARD_STOP:
            try:
                attempt = await (session.rate(clock) if session.role == "rating" else session.edit(clock))
            except Exception as error:  # the form was not there to fill in: the page is broken
                attempt = Attempt(session.number, "rating" if session.role == "rating" else "roadmap",
                                  session.person_id, "", round(time.monotonic() - clock, 2),
                                  outcome="broken", message=f"the form was not there: {str(error)[:200]}",
                                  action_id=session.spec["action_id"], field=session.spec["field"])
            attempts.append(attempt)
            if attempt.outcome not in ("success", "error") and not await session.recover():
                return
            await asyncio.sleep(random.uniform(0.1, 0.5))

    async def watch() -> None:
        while True:
            sample("peak")
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    log(f"Running for {seconds:.0f} s (longer if the import is still running)")
    await asyncio.gather(*(work(s) for s in sessions))
    wall = time.monotonic() - clock
    watcher.cancel()
    sample("end")
    return attempts, started, wall


# ---------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db_path: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PLACECX_DB": str(db_path), "PLACECX_DEMO": "1"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
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


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (those that have exited count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def descendants(root: int, skip: int) -> list[int]:
    """Every process below `root` (the browser and Playwright's driver), except `skip` (the server)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child != skip:
                found.append(child)
                todo.append(child)
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


# ------------------------------------------------------------------------ figures


def summarise(attempts: list, checked: dict, log_text: str, rss: dict, args, wall: float) -> dict:
    def kind(name: str) -> list:
        return [a for a in attempts if a.kind == name]

    reported_missing = [a for a in attempts if a.outcome == "success" and not a.in_db]
    # An exception box or a page that showed nothing after the press is a save lost too; a
    # form that was not there to fill in ("broken") lost nothing, but is an unhandled error.
    no_outcome = [a for a in attempts if a.outcome in ("no_outcome", "exception", "blank")]
    errors = [a for a in attempts if a.outcome == "error"]
    messages: dict[str, int] = {}
    for attempt in errors:
        messages[attempt.message] = messages.get(attempt.message, 0) + 1
    tracebacks = log_text.count("Traceback (most recent call last)")
    committed = sum(a.in_db for a in attempts)
    per_kind = {}
    for name in ("rating", "roadmap", "import"):
        done = kind(name)
        per_kind[name] = {
            "attempted": len(done), "committed": sum(a.in_db for a in done),
            "reported_saved": sum(a.outcome == "success" for a in done),
            "errors_shown": sum(a.outcome == "error" for a in done),
            "median_seconds": round(statistics.median(a.seconds for a in done), 2) if done else None,
            "max_seconds": round(max(a.seconds for a in done), 2) if done else None,
            "median_fill_seconds": round(statistics.median(a.fill_seconds for a in done), 2)
            if done and any(a.fill_seconds for a in done) else None,
        }
    imported = kind("import")
    return {
        "attempted": len(attempts),
        "committed": committed,
        "lost": len(reported_missing) + len(no_outcome),
        "conflicts_retried": log_text.count(RETRY_LINE),
        "errors_shown": len(errors),
        "server_rss_mb_start": rss["start"],
        "server_rss_mb_end": rss["end"],
        "committed_ratio": round(committed / len(attempts), 4) if attempts else None,
        "exceptions": sum(a.outcome in ("exception", "blank", "broken") for a in attempts) + tracebacks,
        "server_tracebacks": tracebacks,
        "no_outcome": len(no_outcome),
        "reported_saved_not_in_db": len(reported_missing),
        "refused_but_saved": sum(a.outcome == "error" and a.in_db for a in attempts),
        "overwritten": len(checked["overwritten"]),
        "overwritten_examples": [list(map(str, row)) for row in checked["overwritten"][:5]],
        "error_messages": messages,
        "by_kind": per_kind,
        "import_rows": imported[0].rows if imported else 0,
        "import_seconds": round(imported[0].seconds, 1) if imported else None,
        "bench_submissions_in_db": checked["bench_submissions_in_db"],
        "server_rss_mb_boot": rss["boot"],
        "server_rss_mb_peak": rss["peak"],
        "server_rss_mb_after_close": rss["after_close"],
        "sessions": args.sessions,
        "driver": args.driver,
        "seconds_requested": args.seconds,
        "seconds_run": round(wall, 1),
        "cpus": os.cpu_count(),
        "load_average_at_start": rss["load_start"],
        "load_average_at_end": rss["load_end"],
        "server_cpu_seconds": round(rss["cpu_end"][0] - rss["cpu_start"][0], 1),
        "browser_cpu_seconds": round(rss["cpu_end"][1] - rss["cpu_start"][1], 1),
        "failures": [asdict(a) for a in reported_missing + no_outcome][:10],
    }


def report(figures: dict) -> None:
    print(f"PlaceCX under {figures['sessions']} simultaneous {figures['driver']} sessions "
          f"for {figures['seconds_run']} s "
          f"(asked for {figures['seconds_requested']} s; {figures['cpus']} CPUs)")
    for name, row in figures["by_kind"].items():
        if row["attempted"]:
            print(f"  {name:8} attempted {row['attempted']:4}  committed {row['committed']:4}  "
                  f"errors shown {row['errors_shown']:3}  save median {row['median_seconds']} s, "
                  f"max {row['max_seconds']} s"
                  + (f" (filling in the form: median {row['median_fill_seconds']} s)"
                     if row["median_fill_seconds"] is not None else ""))
    print(f"  attempted {figures['attempted']}, committed {figures['committed']} "
          f"(ratio {figures['committed_ratio']}), lost {figures['lost']}, "
          f"conflicts retried {figures['conflicts_retried']}, errors shown {figures['errors_shown']}, "
          f"exceptions {figures['exceptions']}, overwritten by a stale form {figures['overwritten']}")
    print(f"  import: {figures['import_rows']:,} rows in {figures['import_seconds']} s")
    print(f"  CPU used during the run: server {figures['server_cpu_seconds']} s, browser and driver "
          f"{figures['browser_cpu_seconds']} s (load average {figures['load_average_at_start']} at start, "
          f"{figures['load_average_at_end']} at end)")
    print(f"  server memory (VmRSS): boot {figures['server_rss_mb_boot']} MB, "
          f"start {figures['server_rss_mb_start']} MB, "
          f"peak {figures['server_rss_mb_peak']} MB, end {figures['server_rss_mb_end']} MB, "
          f"after the sessions closed {figures['server_rss_mb_after_close']} MB")
    for message, count in figures["error_messages"].items():
        print(f"  error shown {count}x: {message}")
    for example in figures["overwritten_examples"]:
        print(f"  overwritten: {example}")
    for failure in figures["failures"]:
        print(f"  lost: {failure}")
    if figures["lost"] or figures["exceptions"]:
        print("  verdict: FAILED: a save was lost or an exception shown (see above)")
    else:
        print("  verdict: no save lost, no unhandled error"
              + (f"; but {figures['overwritten']} roadmap fields were silently put back by a stale form"
                 if figures["overwritten"] else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the imported CSV")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--driver", choices=("websocket", "browser"), default="websocket",
                        help="websocket: Streamlit's own protocol, as a browser tab speaks it (light); "
                             "browser: pages in headless Chromium (heavy on two cores)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, log)")
    args = parser.parse_args(argv)
    if args.sessions < 3:
        parser.error("--sessions must be at least 3 (an importer and two roadmap editors)")
    if args.driver == "browser":
        from bench.concurrency_browser import drive
    else:
        from bench.concurrency_ws import drive

    folder = Path(tempfile.mkdtemp(prefix="placecx-concurrency-"))
    try:
        figures = measure(folder, args, drive)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    figures["folder"] = str(folder) if args.keep else None
    if args.json:
        print(json.dumps(figures, default=str))
    else:
        report(figures)
    return 0 if figures["lost"] == 0 and figures["exceptions"] == 0 else 1


def measure(folder: Path, args: argparse.Namespace, drive: Callable) -> dict:
    """Prepare, serve, drive, stop, verify: the figures of one run."""
    db_path, log, export = folder / "placecx.duckdb", folder / "server.log", folder / "bench-import.csv"
    say(f"Preparing the demo database and a {args.rows:,}-row export in {folder}")
    plan = prepare(db_path, args.sessions)
    write_export(export, args.rows)
    server, url = start_server(db_path, log)
    rss: dict = {"boot": rss_mb(server.pid), "peak": 0.0}

    def sample(stage: str) -> None:
        value = rss_mb(server.pid)
        rss["peak"] = max(rss["peak"], value)
        if stage in ("start", "end", "after_close"):
            rss[stage] = value
        if stage in ("start", "end"):
            rss[f"cpu_{stage}"] = (cpu_seconds([server.pid]),
                                   cpu_seconds(descendants(os.getpid(), server.pid) + [os.getpid()]))
            rss[f"load_{stage}"] = round(os.getloadavg()[0], 2)

    try:
        say(f"Server at {url} (pid {server.pid}); opening {args.sessions} sessions")
        attempts, started, wall = drive(url, plan, export, args.seconds, sample, say)
    finally:
        stop_server(server)
    log_text = log.read_text(errors="replace")
    checked = verify(db_path, attempts, plan, started)
    return summarise(attempts, checked, log_text, rss, args, wall)

if __name__ == "__main__":
    # Run as the module bench.concurrency, the one the drivers import (not as a second copy, __main__).
    from bench.concurrency import main as _main

    sys.exit(_main())
