"""How long Trends takes to redraw after a filter change, on the real server.

    python -m bench.filterchange [--runs 5] [--json] [--db PATH]

Starts the server as `python -m cx_ui.serve` does (bench.pageload), then --runs
times: opens /trends in a new headless Chromium context, waits until the page is
finished, opens the filters (drawn only when opened), chooses one more service in
the "Service" filter (the first one not yet chosen) and times from that choice
until Streamlit has finished running the script again. The clock is the page's
own (performance.now), read by a watcher on Streamlit's script-state attribute,
so the figure does not include Playwright's own round trips.

Also measured in the same run, as the naive figure: opening /trends in a new
session (what a filter change would cost if it redrew the whole page from nothing).
Prints the medians and their ratio; `--json` prints {"filter_change": s, "new_session": s}.
Target: under 1 s at the demo size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from bench.pageload import CHROMIUM, CHROMIUM_ARGS, SETTLED, open_finished, server, time_to_finished

# Records every change of Streamlit's script state with the page's clock. Our own code.
_WATCH_SCRIPT_STATE = """() => {
  window.__scriptStates = [];
  new MutationObserver((changes) => changes.forEach((change) => {
    const value = change.target.getAttribute('data-test-script-state');
    if (value) window.__scriptStates.push([value, performance.now()]);
  })).observe(document.body, {attributes: true, subtree: true, childList: true,
                              attributeFilter: ['data-test-script-state']});
}"""
_FINISHED_AFTER = """(since) => {
  const states = window.__scriptStates.filter(([, at]) => at >= since);
  const ran = states.findIndex(([value]) => value === 'running');
  if (ran < 0) return null;
  const done = states.slice(ran).find(([value]) => value === 'notRunning');
  return done ? done[1] : null;
}"""


def time_filter_change(browser, url: str) -> float:
    """Seconds from choosing one more service on a finished /trends page until the script has finished."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-GB")
    tab = context.new_page()
    try:
        open_finished(tab, url + "/trends")
        tab.evaluate(_WATCH_SCRIPT_STATE)
        tab.get_by_text("Filters: which responses to include").click()
        service = tab.locator('[data-testid="stMultiSelect"]').filter(has_text="Service").first
        service.wait_for()
        tab.wait_for_selector(SETTLED, state="attached", timeout=120_000)
        service.locator("input").click()
        option = tab.get_by_role("option").filter(has_not_text="Select all").first
        option.wait_for()
        started = tab.evaluate("performance.now()")
        option.click()
        tab.wait_for_function(f"({_FINISHED_AFTER})({started}) !== null", timeout=120_000)
        return (tab.evaluate(f"({_FINISHED_AFTER})({started})") - started) / 1000
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="new browser sessions (median)")
    parser.add_argument("--json", action="store_true", help="print one object of medians")
    parser.add_argument("--db", type=Path, help="an existing database to serve (default: a new demo)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        db = args.db or Path(folder) / "prepared.duckdb"
        with server(db, prepared=True, log=Path(folder) / "server.log") as (url, _):
            time_to_finished(browser, url + "/trends")  # the process's caches, as after any first visit
            changes = [time_filter_change(browser, url) for _ in range(args.runs)]
            loads = [time_to_finished(browser, url + "/trends")[0] for _ in range(args.runs)]
        browser.close()
    medians = {"filter_change": round(statistics.median(changes), 2),
               "new_session": round(statistics.median(loads), 2)}
    if args.json:
        print(json.dumps(medians))
        return
    print(f"Trends, one more service chosen: median {medians['filter_change']:.2f} s (runs: "
          f"{', '.join(f'{t:.2f}' for t in changes)}); target under 1 s")
    print(f"Trends in a new session (naive: redraw from nothing): median {medians['new_session']:.2f} s; "
          f"new session / filter change = {medians['new_session'] / medians['filter_change']:.1f}x")


if __name__ == "__main__":
    main()
