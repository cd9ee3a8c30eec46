"""WCAG 2.2 AA in a real browser: every page, every tab, the whole length, light and dark theme.

axe-core audits each page against the WCAG 2.0-2.2 A and AA rules, scrolled from top
to bottom on every tab with every expander open (tests/browser/audit.py); the tests add
what axe cannot see: text drawn inside plotly's SVG charts is measured for contrast
here, and so are the chart toolbar's icons; headings must form an outline. Each page,
opened by a deep link in a new session, must also carry its own browser title and show
no exception box or dialog (test_pages.py checks the titles differ). Exceptions are listed in
ALLOWED with the reason, and in docs/accessibility.md.
"""

from __future__ import annotations

import itertools

import pytest

from cx.demo import LEADERS
from cx.framework import LEVELS

from ..colour import contrast_ratio
from .audit import audit_page
from .conftest import ARTIFACTS, ROOT, wait_until_rendered
from .test_pages import listed_pages

pytestmark = pytest.mark.browser

# (rule id, CSS selector for the elements allowed to break it): Streamlit's own
# markup that the app cannot change. Keep in step with docs/accessibility.md.
ALLOWED: dict[str, str] = {
    # st.date_input's day and month segments are 18 x 20 px spinbuttons (React Aria,
    # streamlit/streamlit#16460). WCAG 2.5.8 exempts them: the calendar button in the
    # same field does the same job and is large enough.
    "target-size": '[data-testid="stDateInput"] [role="spinbutton"]',
}
PAGES = listed_pages()
THEMES = ("light", "dark")
# Each theme walks every page at one of the two screen sizes: the light theme at the
# laptop's 1366 x 768 (where columns and chips wrap and the most scrolling is needed),
# the dark theme at the projector's 1920 x 1080. Colours do not change with the width,
# and sizes and spacing do not change with the theme, so every rule is checked at both
# sizes and in both themes, and each page is walked twice rather than four times. The
# first-load audit (every rule, not scrolled) runs at 1920 x 1080 in both themes.
VIEWPORTS = {"light": (1366, 768), "dark": (1920, 1080)}

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
    if (chart.offsetParent === null) continue;
    const background = opaque(chart);
    const selectors = '.gtitle, .g-xtitle text, .g-ytitle text, .xtick text, .ytick text, .legendtext';
    for (const text of chart.querySelectorAll(selectors)) {
      if (!text.textContent.trim()) continue;
      found.push({text: text.textContent.trim(), fill: getComputedStyle(text).fill, background});
    }
  }
  return found;
}"""

# Each toolbar icon's colour and the toolbar's background (plotly paints it opaque).
_MODEBAR_ICONS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(chart => chart.offsetParent !== null)
  .flatMap(chart => Array.from(chart.querySelectorAll('.modebar-btn')).map(button => ({
    title: button.getAttribute('data-title'),
    fill: getComputedStyle(button.querySelector('path')).fill,
    background: getComputedStyle(button.closest('.modebar-group')).backgroundColor})))"""

_HEADINGS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] :is(h1,h2,h3,h4,h5,h6)'))
  .filter(h => h.offsetParent !== null && h.textContent.trim())
  .map(h => [Number(h.tagName[1]), h.textContent.trim()])"""


@pytest.fixture(params=THEMES)
def themed_page(browser, request):
    """A tab whose system colour scheme is light or dark; the app follows it."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-GB",
                                  color_scheme=request.param)
    tab = context.new_page()
    tab.theme = request.param
    yield tab
    context.close()


def open_settled(tab, server_url: str, url_path: str) -> None:
    tab.goto(f"{server_url}/{url_path}")
    wait_until_rendered(tab)
    # Charts draw after the script finishes; wait until each one has its SVG.
    tab.wait_for_function("""() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
        .every(c => c.querySelector('.main-svg'))""")


def choose_person(tab) -> None:
    """Say who you are in the sidebar, as a leader does first: the forms appear."""
    picker = tab.get_by_role("combobox", name="You are")
    # A page that opens with the sidebar collapsed (the presentation) has nobody to choose.
    on_screen = picker.count() and picker.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.right > 0 && r.left < innerWidth; }")
    if on_screen:
        picker.click()
        tab.keyboard.type(LEADERS[0][0])
        tab.keyboard.press("Enter")
        wait_until_rendered(tab)


def assert_opened_whole(tab, title: str, url_path: str) -> None:
    """A deep link into a new session: the page under its own browser title, no exception box,
    no dialog (a "page not found"), and the router's sidebar; the light theme keeps a picture."""
    assert tab.locator("h1").first.inner_text().strip() == title
    assert tab.title() == f"{title} · PlaceCX"
    assert tab.locator('[data-testid="stException"]').count() == 0, title
    assert tab.locator('[role="dialog"]').count() == 0, f"{title}: a dialog (page not found?)"
    assert "database file" in tab.locator('[data-testid="stSidebar"]').inner_text()
    if tab.theme == "light":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{url_path or 'home'}.png"), full_page=True)


def chart_problems(tab, title: str) -> list[str]:
    """Chart text under 4.5:1 and toolbar icons under 3:1, on the charts now on screen."""
    problems = []
    for text in tab.evaluate(_CHART_TEXT):
        ratio = contrast_ratio(text["fill"], text["background"])
        if ratio < 4.5:
            problems.append(f"{title}: chart text {text['text']!r} has contrast {ratio:.2f}")
    for icon in tab.evaluate(_MODEBAR_ICONS):
        ratio = contrast_ratio(icon["fill"], icon["background"])
        if ratio < 3:
            problems.append(f"{title}: chart toolbar icon {icon['title']!r} has contrast {ratio:.2f}")
    return problems


@pytest.mark.parametrize(("title", "url_path"), PAGES, ids=[url or "home" for _, url in PAGES])
def test_page_passes_the_wcag_audit_and_outline_checks(server_url, themed_page, title, url_path):
    tab = themed_page
    open_settled(tab, server_url, url_path)
    assert_opened_whole(tab, title, url_path)
    assert tab.evaluate("document.documentElement.lang").startswith("en")

    headings = tab.evaluate(_HEADINGS)
    assert headings[0] == [1, title]
    assert [level for level, _ in headings].count(1) == 1
    for (previous, _), (level, text) in itertools.pairwise(headings):
        assert level <= previous + 1, f"{title}: heading {text!r} skips from h{previous} to h{level}"

    # The page as a visitor first sees it, then as a leader who has said who they are.
    findings, positions = audit_page(tab, ALLOWED, f"{tab.theme}, first load", walk=False)
    choose_person(tab)
    problems = []
    width, height = VIEWPORTS[tab.theme]
    tab.set_viewport_size({"width": width, "height": height})
    found, audited = audit_page(tab, ALLOWED, f"{tab.theme} {width}x{height}",
                                on_view=lambda view: problems.extend(chart_problems(tab, f"{title}, {view}")))
    findings += found
    positions += audited

    unique = {finding.key: finding for finding in findings}.values()
    failing = [str(finding) for finding in unique if not finding.accepted]
    print(f"{title} ({tab.theme}): {positions} positions audited; "
          f"{sum(finding.accepted for finding in unique)} accepted findings")
    assert failing == [], "\n".join(failing)
    assert problems == []


def test_every_allowed_exception_is_documented():
    documented = (ROOT / "docs" / "accessibility.md").read_text(encoding="utf-8")
    for rule, selector in ALLOWED.items():
        assert f"**{rule}**" in documented and selector in documented, rule


def test_the_heat_map_speaks_in_words_and_symbols_not_colour_alone(server_url, page):
    """Every level, and the disagreement mark, is written in the cells themselves."""
    open_settled(page, server_url, "heat_map")
    chart = page.locator("#chart-team-map")
    chart.locator("text", has_text="views differ").first.wait_for()
    cells = chart.locator("text").all_text_contents()
    written = " ".join(cells)
    for level in LEVELS:
        assert f"{level.symbol} {level.word}" in written
    assert "≠ views differ" in written


def test_the_walk_finds_faint_text_that_only_shows_below_the_fold(server_url, page):
    """The audit itself can fail: grey-on-white text added at the foot of a long page is
    invisible to an audit at the top and must be found once the walk scrolls to it."""
    open_settled(page, server_url, "accessibility")
    page.evaluate("""() => {
      const faint = document.createElement('p');
      faint.id = 'faint-line';
      faint.textContent = 'A line too faint to read';
      faint.style.cssText = 'color: #d0d0d0; background: #ffffff; margin-top: 3000px';
      document.querySelector('[data-testid="stMainBlockContainer"]').appendChild(faint);
    }""")
    at_top, _ = audit_page(page, ALLOWED, "top only", walk=False)
    assert not [finding for finding in at_top if "#faint-line" in finding.target]
    walked, positions = audit_page(page, ALLOWED, "walked")
    faint = [finding for finding in walked if "#faint-line" in finding.target]
    assert positions > 1
    assert [finding.rule for finding in faint] == ["color-contrast"]
    assert "scrolled to" in faint[0].where
