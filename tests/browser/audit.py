"""Audit a whole Streamlit page with axe-core: every tab, every expander, every scroll position.

Streamlit pages scroll inside their main container (and the sidebar inside its own), not
the window. axe finds the colours behind text and the spacing between targets with
`elementsFromPoint`, which sees only the viewport, so on a page audited as first loaded
everything below the fold is reported "incomplete" instead of failing. `audit_page`
scrolls each container through the page and runs axe again at each position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import axe_playwright_python

from .conftest import wait_until_rendered

AXE_SCRIPT = (Path(axe_playwright_python.__file__).with_name("axe.min.js")).read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# The rules whose outcome depends on what is on screen: axe finds what lies behind text
# and around a target with elementsFromPoint, which sees only the viewport, and reports
# nodes outside it as "incomplete". Every other rule reads the DOM and the computed
# styles, so one run per tab and expander state covers the whole page for them.
ON_SCREEN_RULES = ["color-contrast", "target-size", "link-in-text-block"]
SCROLLERS = '[data-testid="stMain"], [data-testid="stSidebarContent"]'
# Each step scrolls a container by its own height less OVERLAP: Streamlit's header
# covers the top of the main container, and every line of text must be wholly
# uncovered in at least one position (a fixed 800 px step would skip a strip at 768 px).
OVERLAP = 120

# Run axe, keep serious and critical violations, and say which match an allowed selector.
# With `scroller`, only what is on screen inside that container is audited: the fewest
# elements whose boxes cover its visible part (an element wholly in the window is taken
# whole; one crossing an edge is split into its children). Axe still reads the whole
# page for backgrounds; it just stops re-checking, at every position, the hundreds of
# nodes that are off screen and can only come out "incomplete".
_RUN = """async ([scroller, options, allowed]) => {
  let context = document;
  if (scroller) {
    const include = [];
    const visit = (el) => {
      const box = el.getBoundingClientRect();
      if (!box.width && !box.height) { Array.from(el.children).forEach(visit); return; }
      if (box.bottom <= 0 || box.top >= innerHeight || box.right <= 0 || box.left >= innerWidth) return;
      const whole = box.top >= 0 && box.bottom <= innerHeight;
      if (whole || !el.children.length) { include.push(el); return; }
      Array.from(el.children).forEach(visit);
    };
    visit(document.querySelector(`[data-testid="${scroller}"]`));
    if (!include.length) return [];
    context = {include};
  }
  const results = await axe.run(context, options);
  const found = [];
  for (const rule of results.violations) {
    if (rule.impact !== 'serious' && rule.impact !== 'critical') continue;
    for (const node of rule.nodes) {
      const target = node.target.join(' ');
      const element = document.querySelector(node.target[node.target.length - 1]);
      const accepted = Boolean(allowed[rule.id] && element && element.matches(allowed[rule.id]));
      found.push({rule: rule.id, target, summary: (node.failureSummary || '').slice(0, 300),
                  html: node.html.slice(0, 160), accepted});
    }
  }
  return found;
}"""

# The app makes its menu focusable from a script it sends with the page
# (cx_ui.keyboard_aids); a rerun can leave Streamlit's loading skeleton in the
# sidebar for a moment before that script has run again, so each audit waits for it.
_MENU_READY = """() => {
  const menu = document.querySelector('[data-testid="stSidebarContent"]');
  return !menu || menu.hasAttribute('tabindex');
}"""

_SCROLL_HEIGHTS = f"""() => Array.from(document.querySelectorAll('{SCROLLERS}'))
  .map(el => [el.getAttribute('data-testid'), el.scrollHeight - el.clientHeight, el.clientHeight])"""

# Scroll, then resolve once the browser has drawn two frames: sticky headers have moved and
# the data grids have drawn their rows by then (axe reads layout, which is already settled).
_SCROLL_TO = f"""([testid, top]) => {{
  for (const el of document.querySelectorAll('{SCROLLERS}')) {{
    el.scrollTop = el.getAttribute('data-testid') === testid ? top : 0;
  }}
  return new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}}"""

# Open every closed expander on screen (not those in hidden tab panels).
_OPEN_EXPANDERS = """() => {
  const closed = Array.from(document.querySelectorAll('[data-testid="stMain"] details:not([open]) > summary'))
    .filter(summary => summary.offsetParent !== null);
  closed.forEach(summary => summary.click());
  return closed.length;
}"""
_CHARTS_DRAWN = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
  .filter(chart => chart.offsetParent !== null).every(chart => chart.querySelector('.main-svg'))"""
TABS = '[data-testid="stMain"] [role="tab"]'


@dataclass(frozen=True)
class Finding:
    """One serious or critical axe violation on one element, and where it was first seen."""

    rule: str
    target: str
    summary: str
    html: str
    accepted: bool
    where: str

    @property
    def key(self) -> tuple[str, str]:
        return self.rule, self.target

    def __str__(self) -> str:
        return f"{self.rule} at {self.where}: {self.target}: {self.html}\n    {self.summary}"


def run_axe(tab, allowed: dict[str, str], *, rules: list[str] | None = None, where: str = "",
            scroller: str | None = None) -> list[Finding]:
    """Serious and critical violations on the page as it is now, all WCAG A/AA rules or `rules`.

    With `scroller` (a container's data-testid), only the part of that container now
    on screen is audited.
    """
    if not tab.evaluate("() => typeof window.axe === 'object'"):
        tab.evaluate(AXE_SCRIPT)
    tab.wait_for_function(_MENU_READY, timeout=10_000)
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    options = {"runOnly": run_only, "resultTypes": ["violations"]}
    return [Finding(where=where, **found) for found in tab.evaluate(_RUN, [scroller, options, allowed])]


def scroll_positions(tab, *, sidebar: bool = True) -> list[tuple[str, int]]:
    """(container, scrollTop) of every position below the top that the page must be audited at."""
    positions = []
    for testid, overflow, height in tab.evaluate(_SCROLL_HEIGHTS):
        if testid == "stSidebarContent" and not sidebar:
            continue
        top = 0
        while top < overflow:
            top = min(top + height - OVERLAP, overflow)
            positions.append((testid, top))
    return positions


def scroll_to(tab, testid: str, top: int) -> None:
    tab.evaluate(_SCROLL_TO, [testid, top])


def open_expanders(tab) -> None:
    """Open every expander on screen, then wait for the charts that became visible to draw."""
    if tab.evaluate(_OPEN_EXPANDERS):
        tab.wait_for_timeout(300)
    tab.wait_for_function(_CHARTS_DRAWN)


def each_view(tab):
    """Show, in turn, every tab of the page with its expanders open; yields the tab's name.

    A page without tabs is one view, "page". Some pages draw a tab only once it is
    chosen (the click reruns the script), so each view waits for the page to settle.
    """
    count = tab.locator(TABS).count()
    if not count:
        open_expanders(tab)
        yield "page"
        return
    for index in range(count):
        button = tab.locator(TABS).nth(index)
        button.click()
        tab.wait_for_timeout(150)
        wait_until_rendered(tab)
        open_expanders(tab)
        yield f"tab {button.inner_text().strip()!r}"


def audit_page(tab, allowed: dict[str, str], label: str, *, walk: bool = True,
               on_view: Callable[[str], None] | None = None) -> tuple[list[Finding], int]:
    """Findings, each (rule, element) once, and the number of positions audited.

    With `walk`, every tab is shown with its expanders open and scrolled from top to
    bottom: at the top of each tab every WCAG A/AA rule runs, at each further position
    only ON_SCREEN_RULES, since the other rules have answered for the whole tab. The
    sidebar is the same on every tab, so it is scrolled on the first one only. Without
    `walk`, the page is audited once, as it is, at the top. `on_view(name)` is called
    as each view is shown, before it is audited, for checks of the caller's own: one
    walk serves both, since showing a tab reruns the page and is the slow part.
    """
    findings: dict[tuple[str, str], Finding] = {}
    audited = 0
    for number, view in enumerate(each_view(tab) if walk else ["as loaded"]):
        if on_view:
            on_view(view)
        scroll_to(tab, "", 0)
        for finding in run_axe(tab, allowed, where=f"{label}, {view}, top"):
            findings.setdefault(finding.key, finding)
        audited += 1
        for testid, top in scroll_positions(tab, sidebar=number == 0) if walk else []:
            scroll_to(tab, testid, top)
            where = f"{label}, {view}, {testid} scrolled to {top}px"
            for finding in run_axe(tab, allowed, rules=ON_SCREEN_RULES, where=where, scroller=testid):
                findings.setdefault(finding.key, finding)
            audited += 1
    return list(findings.values()), audited
