"""Everything a user does can be done with the keyboard alone, with the focus visible."""

from __future__ import annotations

from datetime import date

import pytest

from cx.demo import LEADERS
from cx.formatting import format_date

from .conftest import wait_until_rendered
from .keyboard import active, assert_focus_visible, focus_walk, tab_until, wait_for_text

pytestmark = pytest.mark.browser


def choose_person_by_keyboard(tab, name: str) -> None:
    tab_until(tab, lambda f: f["role"] == "combobox" and f["label"] == "You are")
    assert_focus_visible(tab)
    tab.keyboard.type(name)
    tab.keyboard.press("Enter")
    wait_until_rendered(tab)


def test_a_leader_rates_the_heat_map_with_the_keyboard_alone(server_url, page):
    page.goto(f"{server_url}/heat_map")
    wait_until_rendered(page)
    name = LEADERS[1][0]
    choose_person_by_keyboard(page, name)

    tab_until(page, lambda f: f["role"] == "tab" and f["text"] == "Team map")
    assert_focus_visible(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_timeout(150)
    wait_until_rendered(page)  # choosing a tab reruns the page, which draws only the open tab's extras
    assert active(page)["text"] == "Your ratings"

    first = tab_until(page, lambda f: f["type"] == "radio")
    assert first["group"] == "Fix the basics" and first["checked"]
    assert_focus_visible(page)
    # Arrow keys move the choice within the cell's options, wrapping at the end.
    options = ["✓ Strength", "◐ Some progress", "! Critical focus"]
    new_level = options[(options.index(first["label"]) + 1) % len(options)]
    page.keyboard.press("ArrowRight")
    assert active(page)["label"] == new_level and active(page)["checked"]

    tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"].endswith("Submit ratings"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    wait_for_text(page, "Your ratings are submitted")

    # A new session reads the answer back from the database, not from the browser.
    page.goto(f"{server_url}/heat_map")
    wait_until_rendered(page)
    choose_person_by_keyboard(page, name)
    page.get_by_role("tab", name="Your ratings").click()
    wait_for_text(page, f"You submitted on {format_date(date.today())}")
    group = page.get_by_role("radiogroup", name="Fix the basics").first
    assert group.get_by_role("radio", name=new_level).is_checked()


def test_an_export_downloads_with_the_keyboard_alone(server_url, page):
    page.goto(f"{server_url}/heat_map")
    wait_until_rendered(page)
    tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"].endswith("Raw ratings (CSV)"), limit=200)
    assert_focus_visible(page)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith("-ratings.csv")
    assert "Building block" in download.value.path().read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("url_path", ["", "heat_map"], ids=["overview", "heat_map"])
def test_every_control_shows_where_the_keyboard_focus_is(server_url, page, url_path):
    """Tab through the whole page: each stop must show a ring-sized change at 3:1."""
    page.goto(f"{server_url}/{url_path}")
    wait_until_rendered(page)
    stops, problems = focus_walk(page)
    assert stops >= 20, "the walk ended early"
    assert problems == [], "\n".join(problems)


# What Streamlit does to a tab while its contents are redrawn after a rerun: it disables the tab,
# which takes away its tabindex (the browser then drops the focus to the page), and enables it
# again when the new contents arrive. On a busy server a keyboard user sees exactly this.
_DISABLE_FOCUSED_TAB = ("() => { window.placecxTestTab = document.activeElement; "
                        "document.activeElement.removeAttribute('tabindex'); }")
_ENABLE_THAT_TAB = "() => window.placecxTestTab.setAttribute('tabindex', '0')"


def test_a_tab_gets_the_focus_back_after_streamlit_disables_it_while_redrawing(server_url, page):
    page.goto(f"{server_url}/roadmap")
    wait_until_rendered(page)
    tab_until(page, lambda f: f["role"] == "tab" and f["text"] == "Progress")
    page.keyboard.press("ArrowRight")
    assert active(page)["text"] == "Actions"

    page.evaluate(_DISABLE_FOCUSED_TAB)
    assert active(page)["tag"] == "BODY"
    page.evaluate(_ENABLE_THAT_TAB)
    page.wait_for_function("() => document.activeElement.getAttribute('role') === 'tab'", timeout=5_000)
    assert active(page)["text"] == "Actions"
    assert_focus_visible(page)

    # Focus the person moved away themselves is left where they put it.
    page.locator('[data-testid="stMain"] h1').click()
    moved_to = active(page)
    assert moved_to["role"] != "tab"
    page.evaluate("() => { window.placecxTestTab.removeAttribute('tabindex'); }")
    page.evaluate(_ENABLE_THAT_TAB)
    page.wait_for_timeout(300)
    assert active(page) == moved_to
