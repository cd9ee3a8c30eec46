"""Keyboard-only driving for the browser tests: move with Tab, act with keys, prove focus shows."""

from __future__ import annotations

import time

ACTIVE = """() => { const e = document.activeElement;
  const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText) || '';
  const group = e.closest('[role="radiogroup"]');
  return {tag: e.tagName, type: e.type || '', role: e.getAttribute('role') || '', label: label.trim(),
          group: group ? (group.getAttribute('aria-label') || '') : '',
          text: (e.innerText || e.value || '').trim().slice(0, 120),
          checked: e.checked === true || e.getAttribute('aria-selected') === 'true'}; }"""
_BOX = """() => { const r = document.activeElement.getBoundingClientRect();
  return {x: r.x, y: r.y, width: r.width, height: r.height}; }"""


def active(tab) -> dict:
    """What has the keyboard focus: tag, role, accessible label, text, checked/selected."""
    return tab.evaluate(ACTIVE)


def tab_until(tab, matches, *, limit: int = 120, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies `matches`.

    Raises AssertionError naming what was passed if nothing matches within `limit`
    presses: the control cannot be reached by keyboard.
    """
    seen = []
    for _ in range(limit):
        tab.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = active(tab)
        if matches(focused):
            return focused
        seen.append(focused["label"] or focused["text"][:30] or focused["tag"])
    raise AssertionError(f"Not reachable with the keyboard; focus passed {seen}")


def assert_focus_visible(tab, padding: int = 6) -> None:
    """The focused control looks different from the same control unfocused.

    Compares a screenshot of the control's area while focused with one taken after
    Shift+Tab moved the focus away, then returns the focus with Tab.
    """
    box = tab.evaluate(_BOX)
    clip = {"x": max(box["x"] - padding, 0), "y": max(box["y"] - padding, 0),
            "width": box["width"] + 2 * padding, "height": box["height"] + 2 * padding}
    focused = tab.screenshot(clip=clip)
    tab.keyboard.press("Shift+Tab")
    tab.wait_for_timeout(150)
    unfocused = tab.screenshot(clip=clip)
    tab.keyboard.press("Tab")
    tab.wait_for_timeout(150)
    assert focused != unfocused, f"No visible focus on {active(tab)}"


def wait_for_text(tab, text: str, timeout: float = 30) -> None:
    """Wait until `text` is somewhere in the page's main area."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in tab.locator('[data-testid="stMain"]').inner_text():
            return
        tab.wait_for_timeout(250)
    raise AssertionError(f"{text!r} never appeared on the page")
