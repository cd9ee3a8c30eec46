"""How long each page takes to draw in a new browser session, on the real server.

    python -m bench.pageload [--runs 3] [--json] [--db PATH]

Starts the server as `python -m cx_ui.serve` does (the database is opened, and on a
new file the demo council added, before the server listens), then for every page
in app.py opens a new headless Chromium context --runs times and times navigation
until its first screen is drawn: its heading is there, Streamlit has stopped
running the script and no element inside the 1920x1080 window is still a grey
placeholder (Streamlit shows those while a new session loads the code that draws
charts and grids). The whole page (no placeholder anywhere, and it stays so for
half a second, which is not counted) is printed beside it.

Also measured in the same run, on a second new database: the old way, `streamlit run
app.py`, where the first page view opens the database and adds the demo; it prints
the first visit both ways and their ratio.

Prints one line per page with the median seconds (target: first screen under 3 s
on this machine); `--json` prints one object instead: URL path -> median seconds
to the first screen.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PLACECX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SETTLE_MS = 500
SETTLED = '[data-test-script-state="notRunning"]'
# Grey placeholders Streamlit shows after the script stops, until the code that draws an element
# has loaded in this browser session: the page is not finished while one is showing.
PLACEHOLDER = '[data-testid="stSkeleton"]'
NO_PLACEHOLDER_ON_SCREEN = """() => ![...document.querySelectorAll('[data-testid="stSkeleton"]')]
  .some((el) => { const box = el.getBoundingClientRect();
  return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight; })"""


def page_paths() -> list[str]:
    """The URL path of every page listed in app.py ('/' for the default page), hidden addresses left out."""
    paths = []
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            keywords = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            if keywords.get("visibility") != "hidden":
                paths.append("/" if keywords.get("default") else f"/{keywords['url_path']}")
    return paths


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(db: Path, *, prepared: bool, log: Path):
    """Yield (url, seconds from launch until healthy) for a server over `db` (demo on for a new file)."""
    port = _free_port()
    launcher = ["-m", "cx_ui.serve"] if prepared else ["-m", "streamlit", "run", "app.py"]
    env = {**os.environ, "PLACECX_DB": str(db), "PLACECX_DEMO": "1", "PLACECX_INBOX": "off"}
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, *launcher, "--server.port", str(port), "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None or time.perf_counter() - started > 300:
                raise RuntimeError(f"The server did not start:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        yield url, time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=20)


def time_to_finished(browser, url: str) -> tuple[float, float]:
    """Seconds from navigation in a new context until the first screen is drawn, and until the
    whole page is.

    Both need the script to have stopped; the first screen is drawn when no placeholder
    is left inside the 1920x1080 window, the whole page when none is left anywhere.
    """
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-GB")
    try:
        return open_finished(context.new_page(), url)
    finally:
        context.close()


def open_finished(tab, url: str) -> tuple[float, float]:
    """Open `url` in `tab`; seconds until its first screen and until the whole page are drawn
    (see `time_to_finished`), once the page has stayed finished for SETTLE_MS."""
    started = time.perf_counter()
    tab.goto(url)
    tab.wait_for_selector("h1", timeout=120_000)
    while True:
        tab.wait_for_selector(SETTLED, state="attached", timeout=120_000)
        tab.wait_for_function(NO_PLACEHOLDER_ON_SCREEN, timeout=120_000, polling=50)
        first_screen = time.perf_counter() - started
        tab.wait_for_selector(PLACEHOLDER, state="detached", timeout=120_000)
        whole = time.perf_counter() - started
        tab.wait_for_timeout(SETTLE_MS)
        if tab.locator(SETTLED).count() and not tab.locator(PLACEHOLDER).count():
            return first_screen, whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="new browser sessions per page (median)")
    parser.add_argument("--json", action="store_true", help="print one object: URL path -> median seconds")
    parser.add_argument("--db", type=Path, help="an existing database to serve (default: a new demo)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        db = args.db or Path(folder) / "prepared.duckdb"
        medians: dict[str, float] = {}
        with server(db, prepared=True, log=Path(folder) / "prepared.log") as (url, startup):
            first_prepared = time_to_finished(browser, url + "/")[1]
            for path in page_paths():
                times = [time_to_finished(browser, url + path) for _ in range(args.runs)]
                medians[path] = round(statistics.median(t[0] for t in times), 2)
                if not args.json:
                    print(f"{path:<26} first screen median {medians[path]:5.2f} s  (runs: "
                          f"{', '.join(f'{t[0]:.2f}' for t in times)}); whole page median "
                          f"{statistics.median(t[1] for t in times):5.2f} s", flush=True)
        naive_db, naive_log = Path(folder) / "naive.duckdb", Path(folder) / "naive.log"
        with server(naive_db, prepared=False, log=naive_log) as (url, _):
            first_naive = time_to_finished(browser, url + "/")[1]
        browser.close()
    if args.json:
        print(json.dumps(medians))
        return
    print(f"slowest first screen median {max(medians.values()):.2f} s; server start with the database "
          f"prepared {startup:.1f} s; first visit after start: prepared {first_prepared:.2f} s, "
          f"`streamlit run app.py` {first_naive:.2f} s "
          f"(naive / prepared = {first_naive / first_prepared:.1f}x)")


if __name__ == "__main__":
    main()
