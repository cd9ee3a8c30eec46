"""The sessions of bench.concurrency as pages of one headless Chromium (--driver browser).

Every session is a browser context of its own (its own Streamlit session), says who
it is under "You are", and then loops on its one job. A press of a button is timed
from the click until Streamlit has finished the script run it started (the app root's
`data-test-script-state` went to "running" and came back to "notRunning" and
stayed there), and judged by what the page then shows.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

from bench.concurrency import Attempt, run_sessions
from cx.framework import CELLS, LEVELS

CHROMIUM = os.environ.get("PLACECX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PRESS_TIMEOUT = 240  # seconds a save may take on a loaded machine before it counts as no answer
IMPORT_TIMEOUT = 900

ARM = """() => {
  const app = document.querySelector('[data-test-script-state]');
  window.__cxRan = false;
  if (window.__cxWatch) window.__cxWatch.disconnect();
  window.__cxWatch = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__cxRan = true;
  });
  window.__cxWatch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RAN = """() => window.__cxRan === true && document.querySelector('[data-test-script-state="notRunning"]')"""
IDLE = """() => document.querySelector('[data-test-script-state="notRunning"]') !== null"""
CLICK_OPTIONS = """(choices) => {
  const missing = [];
  for (const [cell, option] of choices) {
    const label = document.querySelectorAll(`${cell} label[data-testid="stRadioOption"]`)[option];
    if (label) label.click(); else missing.push(cell);
  }
  return missing;
}"""
SHOWN = """() => {
  const texts = sel => [...document.querySelectorAll(sel)].map(e => e.innerText.trim());
  return {success: texts('[data-testid="stAlertContentSuccess"]'),
          error: texts('[data-testid="stAlertContentError"]'),
          exception: texts('[data-testid="stException"]'),
          headings: document.querySelectorAll('h1').length};
}"""


class BenchSession:
    def __init__(self, browser, url: str, spec: dict, round_id: int, log: Callable[[str], None]) -> None:
        self.browser, self.url, self.spec, self.round_id, self.log = browser, url, spec, round_id, log
        self.number, self.person_id = spec["session"], spec["person_id"]
        self.role = spec["role"]
        self.page = None
        self.count = 0

    # ------------------------------------------------------------ page helpers

    async def open(self) -> None:
        await self.close()
        self.context = await self.browser.new_context(viewport={"width": 1400, "height": 1000},
                                                      locale="en-GB")
        self.context.set_default_timeout(PRESS_TIMEOUT * 1000)
        self.page = await self.context.new_page()
        await self.load({"rating": "heat_map", "roadmap": "roadmap", "import": "upload"}[self.role])

    async def load(self, path: str) -> None:
        """Open a page in a new Streamlit session and say who we are."""
        await self.page.goto(f"{self.url}/{path}", timeout=PRESS_TIMEOUT * 1000)
        await self.page.wait_for_selector("h1", timeout=PRESS_TIMEOUT * 1000)
        await self.settle()
        await self.choose(self.page.get_by_role("combobox", name="You are"), self.spec["name"] + " (")
        if self.role == "roadmap":
            await self.tab("Actions")
            await self.choose(self.page.locator(".st-key-roadmap-edit-choice input"),
                              f"#{self.spec['action_id']} ")

    async def choose(self, box, wanted: str) -> None:
        """Pick the option of a selectbox that starts with `wanted`: type to filter, click it."""
        if (await box.input_value()).startswith(wanted):
            return
        await box.click()
        await self.page.keyboard.type(wanted)
        option = self.page.get_by_role("option").filter(has_text=wanted).first
        await self.run_after(option.click())
        if not (await box.input_value()).startswith(wanted):
            raise RuntimeError(f"session {self.number} could not choose {wanted!r}")

    async def settle(self, timeout: float = PRESS_TIMEOUT) -> None:
        """Wait until the script is not running, and stays so for a moment (st.rerun starts another)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(1.0, deadline - time.monotonic())
            await self.page.wait_for_function(IDLE, timeout=remaining * 1000, polling=100)
            await self.page.wait_for_timeout(500)
            if await self.page.evaluate(IDLE):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the page kept re-running")

    async def run_after(self, action, timeout: float = PRESS_TIMEOUT) -> None:
        """Do `action` (a click or key press) and wait for the script run it starts to finish."""
        await self.page.evaluate(ARM)
        await action
        await self.page.wait_for_function(RAN, timeout=timeout * 1000, polling=100)
        await self.settle(timeout)

    async def tab(self, name: str) -> None:
        tab = self.page.get_by_role("tab", name=name, exact=True)
        if await tab.get_attribute("aria-selected") != "true":
            await tab.click()

    async def press(self, attempt: Attempt, button, expected: str, timeout: float = PRESS_TIMEOUT) -> None:
        """Click a save button and record what the page then shows."""
        begun = time.monotonic()
        try:
            await self.run_after(button.click(), timeout)
        except Exception as error:  # a timeout or a page that went away: the person got no answer
            attempt.outcome, attempt.message = "no_outcome", f"{type(error).__name__}: {str(error)[:200]}"
            attempt.seconds = time.monotonic() - begun
            return
        attempt.seconds = time.monotonic() - begun
        shown = await self.page.evaluate(SHOWN)
        hits = [text for text in shown["success"] if re.search(expected, text)]
        if shown["exception"]:
            attempt.outcome, attempt.message = "exception", shown["exception"][0][:300]
        elif hits:
            attempt.outcome, attempt.message = "success", _plain(hits[0])
        elif shown["error"]:
            attempt.outcome, attempt.message = "error", _plain(shown["error"][0])
        elif not shown["headings"]:
            attempt.outcome, attempt.message = "blank", "the page showed nothing"
        else:
            attempt.outcome, attempt.message = "no_outcome", "neither a success notice nor an error"

    def new_attempt(self, kind: str, token: str, clock: float, **extra) -> Attempt:
        self.count += 1
        return Attempt(self.number, kind, self.person_id, token, round(time.monotonic() - clock, 2), **extra)

    # ------------------------------------------------------------------ the jobs

    async def rate(self, clock: float) -> Attempt:
        """Choose a level for all 15 cells, a unique comment on the first, and submit."""
        token = f"bench s{self.number:02d} rating {self.count + 1:04d}"
        attempt = self.new_attempt("rating", token, clock)
        begun = time.monotonic()
        await self.tab("Your ratings")
        prefix = f"rate-{self.round_id}-{self.person_id}"
        # One click per cell on the option's label, all in one call: fifteen separate Playwright
        # clicks cost the starved renderer over a second each on two shared cores.
        choices = [[f".st-key-{prefix}-{block}-{stage}-level", random.randrange(len(LEVELS))]
                   for block, stage in CELLS]
        missing = await self.page.evaluate(CLICK_OPTIONS, choices)
        if missing:
            raise RuntimeError(f"no radio for {missing}")
        block, stage = CELLS[0]
        await self.page.locator(f".st-key-{prefix}-{block}-{stage}-comment input").fill(token)
        attempt.fill_seconds = round(time.monotonic() - begun, 2)
        await self.press(attempt, self.page.get_by_role("button", name="Submit ratings"),
                         "Your ratings are submitted")
        return attempt

    async def edit(self, clock: float) -> Attempt:
        """Change one field of the session's roadmap action to a unique text and save."""
        action_id, field = self.spec["action_id"], self.spec["field"]
        token = f"Bench s{self.number:02d} {field} {self.count + 1:04d}"
        attempt = self.new_attempt("roadmap", token, clock, action_id=action_id, field=field)
        begun = time.monotonic()
        await self.tab("Actions")
        widget = "input" if field == "title" else "textarea"
        await self.page.locator(f".st-key-edit-{action_id}-{field} {widget}").fill(token)
        attempt.fill_seconds = round(time.monotonic() - begun, 2)
        await self.press(attempt, self.page.get_by_role("button", name="Save changes"),
                         rf"Action #{action_id} saved")
        return attempt

    async def upload(self, clock: float, export: Path) -> Attempt:
        """Add the export on the Upload page, wait for its mapping, press Import once."""
        attempt = self.new_attempt("import", export.name, clock)
        begun = time.monotonic()
        try:
            await self.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(export)
            await self.page.get_by_text(re.compile("rows are ready to import")).wait_for(
                timeout=IMPORT_TIMEOUT * 1000)
            await self.settle(IMPORT_TIMEOUT)
        except Exception as error:
            attempt.outcome, attempt.message = "no_outcome", f"reading the file: {str(error)[:200]}"
            attempt.seconds = time.monotonic() - begun
            return attempt
        read = time.monotonic() - begun
        await self.press(attempt, self.page.get_by_role("button", name="Import", exact=True),
                         r"Upload \d+ imported", IMPORT_TIMEOUT)
        attempt.seconds += read
        found = re.search(r"([\d,]+) new rows", attempt.message)
        attempt.rows = int(found.group(1).replace(",", "")) if found else 0
        self.log(f"  session {self.number}: import {attempt.outcome} after {attempt.seconds:.1f} s "
                 f"({read:.1f} s reading): {attempt.message}")
        return attempt

    async def recover(self) -> bool:
        """After a page gave no answer: open it afresh (a new session), as a person would reload."""
        try:
            await self.load("heat_map" if self.role == "rating" else "roadmap")
            return True
        except Exception as error:
            self.log(f"  session {self.number}: could not reopen the page ({str(error)[:200]})")
            return False

    async def to_heat_map(self) -> None:
        """Move to the Heat map page by its sidebar link: the same session, so who we are is kept."""
        self.role = "rating"
        link = self.page.locator('[data-testid="stSidebar"] a').filter(has_text="Heat map").first
        await self.run_after(link.click())

    async def close(self) -> None:
        if self.page is not None:
            await self.context.close()
            self.page = None


def _plain(text: str) -> str:
    """An alert's sentence without the icon's name (a Material Symbols ligature, read as text)."""
    return re.sub(r"^[a-z_]+\n+", "", text.strip()).strip()[:300]


async def _drive(url: str, plan: dict, export: Path, seconds: float, sample, log):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS)
        sessions = [BenchSession(browser, url, spec, plan["round_id"], log) for spec in plan["sessions"]]
        result = await run_sessions(sessions, export, seconds, sample, log)
        await browser.close()
    await asyncio.sleep(5)
    sample("after_close")
    return result


def drive(url: str, plan: dict, export: Path, seconds: float, sample, log):
    """Open every session as a page in one headless Chromium and run them together."""
    return asyncio.run(_drive(url, plan, export, seconds, sample, log))
