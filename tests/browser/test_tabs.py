"""Tabs whose contents are drawn only while open keep what someone typed or chose in them."""

from __future__ import annotations

import pytest

from .conftest import wait_until_rendered

pytestmark = pytest.mark.browser


def open_tab(tab, name: str) -> None:
    """Click a tab and wait for the rerun that draws it."""
    tab.get_by_role("tab", name=name).click()
    tab.wait_for_timeout(300)
    wait_until_rendered(tab)


def test_unsaved_typing_in_a_form_survives_a_look_at_another_tab(server_url, page):
    page.goto(f"{server_url}/roadmap")
    wait_until_rendered(page)
    open_tab(page, "Add an action")
    title = page.get_by_role("textbox", name="Title").last
    typed = "Publish the winter gritting routes"
    title.fill(typed)
    open_tab(page, "Timeline")
    # The closed tab's chart is drawn now that it is open.
    assert page.get_by_text("Actions over the programme").first.is_visible()
    open_tab(page, "Add an action")
    assert page.get_by_role("textbox", name="Title").last.input_value() == typed


def test_a_choice_inside_a_section_survives_opening_another_section(server_url, page):
    page.goto(f"{server_url}/trends")
    wait_until_rendered(page)
    page.get_by_text("Two channels").click()
    wait_until_rendered(page)
    assert page.get_by_label("First channel").count() == 1
    open_tab(page, "Breakdowns")
    assert page.get_by_label("What to compare").count() == 0
    open_tab(page, "Compare")
    assert page.get_by_role("radio", name="Two channels").is_checked()
