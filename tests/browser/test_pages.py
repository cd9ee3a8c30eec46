"""Every page of the real server renders its title and no exception box in Chromium."""

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


def test_every_listed_page_renders_without_an_exception_under_its_own_title(server_url, page):
    """Also WCAG 2.4.2 (see docs/accessibility.md): every browser title names the page and is unique."""
    pages = listed_pages()
    assert pages and pages[0][0] == "Overview"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser_titles = []
    for title, url_path in pages:
        page.goto(f"{server_url}/{url_path}")
        wait_until_rendered(page)
        assert page.locator("h1").first.inner_text().strip() == title
        assert page.locator('[data-testid="stException"]').count() == 0, title
        assert page.locator('[role="dialog"]').count() == 0, f"{title}: a dialog (page not found?)"
        browser_titles.append(page.title())
        assert title in browser_titles[-1]
        # The router ran (its sidebar is there) even for a deep link on a fresh server.
        assert "database file" in page.locator('[data-testid="stSidebar"]').inner_text()
        page.screenshot(path=str(ARTIFACTS / f"{url_path or 'home'}.png"), full_page=True)
    assert len(set(browser_titles)) == len(browser_titles), browser_titles


def test_overview_shows_live_headlines_and_saves_the_readme_screenshot(server_url, page):
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
