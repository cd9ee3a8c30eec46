"""WCAG 2.2 AA in a real browser: every page, light and dark theme, demo data loaded.

axe-core audits each page against the WCAG 2.0-2.2 A and AA rules; the tests add
what axe cannot see: text drawn inside plotly's SVG charts is measured for
contrast here and headings must form an outline. That every page's browser title is
unique is checked in test_pages.py, which visits every page anyway.
Exceptions are listed in ALLOWED with the reason, and in docs/accessibility.md.
"""

from __future__ import annotations

import itertools

import pytest
from axe_playwright_python.sync_playwright import Axe

from cx.framework import LEVELS

from ..colour import contrast_ratio
from .conftest import wait_until_rendered
from .test_pages import listed_pages

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# (rule id, CSS selector for the elements allowed to break it): Streamlit's own
# markup that the app cannot change. Keep in step with docs/accessibility.md.
ALLOWED: dict[str, str] = {
    # st.date_input's day/month/year segments are 18 x 20 px spinbuttons (React Aria,
    # streamlit/streamlit#16460). WCAG 2.5.8 exempts them: the calendar button in the
    # same field does the same job and is large enough.
    "target-size": '[data-testid="stDateInput"] [role="spinbutton"]',
}
PAGES = listed_pages()
THEMES = ("light", "dark")

_CHART_TEXT = """() => {
  const opaque = (el) => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  const found = [];
  for (const chart of document.querySelectorAll('.js-plotly-plot')) {
    const background = opaque(chart);
    const selectors = '.gtitle, .g-xtitle text, .g-ytitle text, .xtick text, .ytick text, .legendtext';
    for (const text of chart.querySelectorAll(selectors)) {
      if (!text.textContent.trim()) continue;
      found.push({text: text.textContent.trim(), fill: getComputedStyle(text).fill, background});
    }
  }
  return found;
}"""

_HEADINGS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] :is(h1,h2,h3,h4,h5,h6)'))
  .filter(h => h.offsetParent !== null && h.textContent.trim())
  .map(h => [Number(h.tagName[1]), h.textContent.trim()])"""


@pytest.fixture(params=THEMES)
def themed_page(browser, request):
    """A tab whose system colour scheme is light or dark; the app follows it."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB",
                                  color_scheme=request.param)
    tab = context.new_page()
    yield tab
    context.close()


def open_settled(tab, server_url: str, url_path: str) -> None:
    tab.goto(f"{server_url}/{url_path}")
    wait_until_rendered(tab)
    # Charts draw after the script finishes; wait until each one has its SVG.
    tab.wait_for_function("""() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
        .every(c => c.querySelector('.main-svg'))""")


def violations(tab) -> list[str]:
    """Serious and critical axe violations not in ALLOWED, one line per element."""
    results = Axe().run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = []
    for rule in results.response["violations"]:
        if rule["impact"] not in ("serious", "critical"):
            continue
        for node in rule["nodes"]:
            selector = " ".join(node["target"])
            if rule["id"] in ALLOWED and tab.evaluate(
                "([target, allowed]) => document.querySelector(target).matches(allowed)",
                [selector, ALLOWED[rule["id"]]],
            ):
                continue
            found.append(f"{rule['id']}: {selector}: {node.get('failureSummary', '')[:300]}")
    return found


@pytest.mark.parametrize(("title", "url_path"), PAGES, ids=[url or "home" for _, url in PAGES])
def test_page_passes_the_wcag_audit_and_outline_checks(server_url, themed_page, title, url_path):
    open_settled(themed_page, server_url, url_path)
    assert themed_page.evaluate("document.documentElement.lang").startswith("en")
    assert violations(themed_page) == []

    headings = themed_page.evaluate(_HEADINGS)
    assert headings[0] == [1, title]
    assert [level for level, _ in headings].count(1) == 1
    for (previous, _), (level, text) in itertools.pairwise(headings):
        assert level <= previous + 1, f"{title}: heading {text!r} skips from h{previous} to h{level}"

    for text in themed_page.evaluate(_CHART_TEXT):
        ratio = contrast_ratio(text["fill"], text["background"])
        assert ratio >= 4.5, f"{title}: chart text {text['text']!r} has contrast {ratio:.2f}"


def test_the_heat_map_speaks_in_words_and_symbols_not_colour_alone(server_url, page):
    """Every level, and the disagreement mark, is written in the cells themselves."""
    open_settled(page, server_url, "heat_map")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.locator("text", has_text="views differ").first.wait_for()
    cells = chart.locator("text").all_text_contents()
    written = " ".join(cells)
    for level in LEVELS:
        assert f"{level.symbol} {level.word}" in written
    assert "≠ views differ" in written
