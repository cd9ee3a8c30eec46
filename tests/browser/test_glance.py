"""The Overview and the presentation views fit a projector (1920 x 1080) and a laptop (1366 x 768).

Each screen is photographed (tests/artifacts/glance-*.png) and measured: no text is
cut off, no two blocks overlap, nothing is wider than the window; the Overview's
glance is above the fold at 1080p, and each presentation view fits one screen with
body text of at least 24 px there. A second test records every request the browser
makes and checks none leaves the server.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from .conftest import ARTIFACTS, wait_until_rendered

pytestmark = pytest.mark.browser

SIZES = ((1920, 1080), (1366, 768))
VIEWS = 4

# Every block on the page, with the problems the script finds in it: text wider than
# its box (cut off), a block reaching past the window's right edge, and pairs of
# blocks that overlap. Blocks nested in one another are not pairs.
_MEASURE = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const selectors = ['[data-testid="stMetric"]', '[data-testid="stCaptionContainer"]',
    '[data-testid="stMarkdownContainer"]', '[data-testid="stImage"]', '[data-testid="stDataFrame"]',
    '[data-testid="stHeading"]', '[data-testid="stButton"]', '[data-testid="stPageLink"]'];
  const blocks = [...main.querySelectorAll(selectors.join(','))]
    .filter(el => el.getClientRects().length && !el.parentElement.closest(selectors.join(','))
            && !el.closest('details:not([open])'));
  // A text block's box is the box of its paragraphs: Streamlit pulls the next block
  // up over a caption's bottom margin, where nothing is drawn.
  const box = el => {
    const parts = el.matches('[data-testid="stCaptionContainer"], [data-testid="stMarkdownContainer"]')
      ? [...el.children].map(c => c.getBoundingClientRect()) : [];
    if (!parts.length) return el.getBoundingClientRect();
    return {left: Math.min(...parts.map(p => p.left)), right: Math.max(...parts.map(p => p.right)),
            top: Math.min(...parts.map(p => p.top)), bottom: Math.max(...parts.map(p => p.bottom))};
  };
  const boxes = blocks.map(el => ({el, r: box(el),
    name: (el.dataset.testid || '') + ': ' + (el.innerText || '').slice(0, 50).replace(/\\n/g, ' ')}));
  const problems = [];
  for (const {el, r, name} of boxes) {
    if (r.right > window.innerWidth + 1) problems.push('past the right edge: ' + name);
    for (const inner of [el, ...el.querySelectorAll('*')]) {
      const style = getComputedStyle(inner);
      if (inner.scrollWidth > inner.clientWidth + 2 && inner.clientWidth > 0
          && ['hidden', 'clip'].includes(style.overflowX) && inner.tagName !== 'CANVAS'
          && !inner.closest('[data-testid="stDataFrame"]')) {
        problems.push('cut off: ' + name + ' (' + (inner.dataset.testid || inner.tagName) + ' '
                      + inner.scrollWidth + ' > ' + inner.clientWidth + ')');
        break;
      }
    }
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 2 && h > 2) problems.push('overlap: ' + boxes[i].name + ' | ' + boxes[j].name);
  }
  const fonts = [...main.querySelectorAll('[data-testid="stMarkdownContainer"] p')]
    .map(p => parseFloat(getComputedStyle(p).fontSize));
  return {problems, bottom: Math.max(...boxes.map(b => b.r.bottom)), height: window.innerHeight,
          smallest_font: Math.min(...fonts), scroll_width: document.documentElement.scrollWidth,
          width: window.innerWidth,
          metric_bottoms: [...main.querySelectorAll('[data-testid="stMetric"]')]
            .map(m => [m.innerText.split('\\n')[0], m.getBoundingClientRect().bottom])};
}"""


def _open(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    tab = context.new_page()
    tab.goto(url)
    wait_until_rendered(tab)
    return context, tab


def _measured(tab, name: str) -> dict:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"glance-{name}.png"), timeout=120_000)
    found = tab.evaluate(_MEASURE)
    assert not found["problems"], (name, found["problems"])
    assert found["scroll_width"] <= found["width"], name
    return found


@pytest.mark.parametrize("width, height", SIZES)
def test_overview_and_every_presentation_view_fit_the_screen(server_url, browser, width, height):
    context, tab = _open(browser, server_url, width, height)
    try:
        tab.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 9",
                              timeout=120_000)
        found = _measured(tab, f"overview-{width}")
        if height == 1080:
            glance = [label for label, bottom in found["metric_bottoms"] if bottom > height]
            # The only card below the fold is the responses count, after the glance.
            assert [label.split(" in ")[0] for label in glance] == ["Responses"], glance
            # The last action that needs attention, in the programme row beside the cards.
            attention = tab.locator('.st-key-programme li').last.bounding_box()
            assert attention["y"] + attention["height"] <= height
        for view in range(1, VIEWS + 1):
            tab.goto(f"{server_url}/present?view={view}")
            wait_until_rendered(tab)
            found = _measured(tab, f"present-{view}-{width}")
            assert found["bottom"] <= height, (view, found["bottom"])
            if height == 1080:
                assert found["smallest_font"] >= 24, (view, found["smallest_font"])
        # The arrow key moves on, and the address says where the presentation is.
        tab.keyboard.press("ArrowRight")
        tab.wait_for_url("**/present?view=1")
    finally:
        context.close()


def test_no_request_leaves_the_server_and_overview_has_an_address(server_url, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    tab = context.new_page()
    try:
        for path in ("/", "/overview", "/present?view=3"):
            tab.goto(server_url + path)
            wait_until_rendered(tab)
            assert tab.locator('[role="dialog"]').count() == 0, f"{path}: a dialog (page not found?)"
        assert tab.locator("h1").first.inner_text().strip() == "Presentation"
        tab.goto(server_url + "/overview")
        wait_until_rendered(tab)
        assert tab.locator("h1").first.inner_text().strip() == "Overview"
        icon = tab.locator('link[rel="icon"], link[rel="shortcut icon"]').first.get_attribute("href")
        assert icon and not urlparse(icon).netloc or urlparse(icon).hostname == "127.0.0.1", icon
    finally:
        context.close()
    server = urlparse(server_url).netloc
    away = [u for u in requested if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).netloc != server]
    assert requested and not away, away
