"""The page list, and the Overview as the README shows it.

That every page renders its title and no exception box is checked as each page is
opened for its accessibility audit (test_accessibility.py)."""

from __future__ import annotations

import ast
import os
import shutil

import pytest

from .conftest import ARTIFACTS, ROOT, wait_until_rendered

pytestmark = pytest.mark.browser


def listed_pages() -> list[tuple[str, str]]:
    """(title, url_path) of every st.Page(...) in app.py, the one page list."""
    tree = ast.parse((ROOT / "app.py").read_text())
    pages = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            keywords = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            if keywords.get("visibility") == "hidden":
                continue  # a second address of a listed page (/overview), not a page of its own
            # st.navigation serves the default page at "/" only.
            pages.append((keywords["title"], "" if keywords.get("default") else keywords["url_path"]))
    return pages


def test_every_listed_page_has_a_title_of_its_own():
    """WCAG 2.4.2 (see docs/accessibility.md): each page's browser title is "<title> · PlaceCX",
    checked on every page by test_accessibility.py, so titles that differ make browser titles
    that differ."""
    titles = [title for title, _ in listed_pages()]
    assert titles and titles[0] == "Overview"
    assert len(set(titles)) == len(titles), titles


def test_overview_shows_live_headlines_and_saves_the_readme_screenshot(server_url, page):
    page.set_viewport_size({"width": 1920, "height": 1080})  # the meeting room's projector
    page.goto(server_url)
    wait_until_rendered(page)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 6")
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Net Promoter Score" in text and "95% interval" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "overview-readme.png"
    page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("PLACECX_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(shot, ROOT / "docs" / "overview.png")
