"""Keyboard-only driving for the browser tests: move with Tab, act with keys, prove focus shows."""

from __future__ import annotations

import contextlib
import io
import time

import numpy as np
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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


# For the focus walk: nothing fades in or blinks, so two screenshots differ only by the
# focus. Tool bars still appear and vanish as they do for the user.
STEADY_CSS = """*, *::before, *::after { transition: none !important; animation: none !important;
  caret-color: transparent !important; }"""
# A control in words: tag, role, name, and the Streamlit elements it sits in.
_DESCRIBE = """(e) => { const up = []; for (let el = e; el && up.length < 3; el = el.parentElement) {
    const id = el.getAttribute('data-testid'); if (id) up.push(id); }
  const name = e.getAttribute('aria-label') || e.getAttribute('data-title') || e.innerText || '';
  return [e.tagName.toLowerCase(), e.getAttribute('role') || '',
          name.trim().slice(0, 40).replace(/\\s+/g, ' '), up.join(' < ')].filter(Boolean).join(' | '); }"""


_SCROLLED = """() => [window.scrollY, ...Array.from(document.querySelectorAll(
  '[data-testid="stMain"], [data-testid="stSidebarContent"]')).map(el => el.scrollTop)]"""


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float) / 255


def _luminance(rgb: np.ndarray) -> np.ndarray:
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def focus_change_area(focused: bytes, unfocused: bytes) -> int:
    """Pixels whose colour with focus contrasts at least 3:1 with the same pixel without it."""
    lum_focused, lum_unfocused = _luminance(_pixels(focused)), _luminance(_pixels(unfocused))
    # Fractional clips can come out a pixel apart in size; compare the common part.
    rows, columns = min(lum_focused.shape[0], lum_unfocused.shape[0]), min(lum_focused.shape[1],
                                                                        lum_unfocused.shape[1])
    lum_focused, lum_unfocused = lum_focused[:rows, :columns], lum_unfocused[:rows, :columns]
    ratio = (np.maximum(lum_focused, lum_unfocused) + 0.05) / (np.minimum(lum_focused, lum_unfocused) + 0.05)
    return int((ratio >= 3).sum())


def _crop(png: bytes, clip: dict) -> bytes:
    left, top = clip["x"], clip["y"]
    box = tuple(round(v) for v in (left, top, left + clip["width"], top + clip["height"]))
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).crop(box).save(out, format="PNG")
    return out.getvalue()


_NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _painted(tab) -> None:
    """Wait until the browser has painted what the last key or call changed.

    A data grid draws its cells, cursor included, on a canvas in an animation frame
    of its own; on a busy machine a screenshot taken at once can come before it.
    """
    tab.evaluate(_NEXT_FRAMES)


def _with_and_without_focus(tab, element, ringed, clip: dict, *, pause_ms: int = 0) -> tuple[bytes, bytes]:
    """Pictures of `clip` with `element` focused and after it was blurred; gives the focus back."""
    tab.wait_for_timeout(pause_ms)
    _painted(tab)
    focused = tab.screenshot(clip=clip)
    element.evaluate("(e) => e.blur()")
    with contextlib.suppress(PlaywrightTimeout):  # a control that keeps the focus fails the verdict
        ringed.wait_for_element_state("stable", timeout=1000)
        tab.wait_for_function("(e) => !e.matches(':focus-within')", arg=ringed, timeout=1000)
    tab.wait_for_timeout(pause_ms)
    _painted(tab)
    unfocused = tab.screenshot(clip=clip)
    element.focus()
    return focused, unfocused


def check_focus_indicator(tab, padding: int = 8, *, unfocused_page: bytes | None = None) -> str | None:
    """None if the focused control shows a focus indicator; otherwise what is wrong.

    The indicator must change, at 3:1 or more, at least as many pixels as a 2 px ring
    around the control would cover (twice its perimeter), comparing the control's area
    with focus and with the focus moved to the previous control (Shift+Tab), so that
    a tool bar shown while any of its buttons has focus stays in both pictures. The
    focus is then returned with Tab. Where that would scroll the page, or where the
    control keeps the focus, the focus is taken away (blur) and given back instead.
    For the first control, which has no previous one, `unfocused_page` is a
    screenshot of the page before it had the focus.
    (WCAG 2.4.7; the area is that of WCAG 2.4.13.)
    """
    element = tab.evaluate_handle("document.activeElement")
    described = tab.evaluate(_DESCRIBE, element)
    # A data grid takes the focus on its canvas; its ring goes round the whole grid.
    ringed = tab.evaluate_handle("""(e) => e.closest('[data-testid="stDataFrameResizable"]') || e""", element)
    box = ringed.bounding_box()
    if not box or not box["width"] or not box["height"]:
        return f"{described}: the focused control is not displayed"

    def clip_around(box: dict) -> dict:
        return {"x": max(box["x"] - padding, 0), "y": max(box["y"] - padding, 0),
                "width": box["width"] + 2 * padding, "height": box["height"] + 2 * padding}

    clip = clip_around(box)
    _painted(tab)
    focused = tab.screenshot(clip=clip)
    scrolled = tab.evaluate(_SCROLLED)
    if unfocused_page is not None:
        return _verdict(described, box, focused, _crop(unfocused_page, clip), tab.viewport_size)
    tab.keyboard.press("Shift+Tab")
    stayed = tab.evaluate("(e) => e === document.activeElement", element)
    if tab.evaluate(_SCROLLED) == scrolled and not stayed:
        _painted(tab)
        unfocused = tab.screenshot(clip=clip)
        tab.keyboard.press("Tab")
    else:
        # The page scrolled to show the previous control, or the control kept the focus
        # (a data grid moves its cursor with Tab): compare the control with focus and
        # after the focus left it (blur), where it is.
        if not stayed:
            tab.keyboard.press("Tab")
        # Coming back may have scrolled the control elsewhere (to the window's bottom edge):
        # judge the edges where it is now.
        box = ringed.bounding_box()
        clip = clip_around(box)
        focused, unfocused = _with_and_without_focus(tab, element, ringed, clip)
    if not tab.evaluate("(e) => e === document.activeElement", element):
        return f"{described}: the focus did not come back with Tab"
    problem = _verdict(described, box, focused, unfocused, tab.viewport_size)
    if problem and ringed.evaluate("(e) => e.matches('[data-testid=\"stDataFrameResizable\"]')"):
        # The grid repaints its canvas in frames of its own, which a starved machine can
        # delay past both pictures: measure once more, slowly. No ring still fails.
        focused, unfocused = _with_and_without_focus(tab, element, ringed, clip, pause_ms=500)
        problem = _verdict(described, box, focused, unfocused, tab.viewport_size)
    return problem


def _verdict(described: str, box: dict, focused: bytes, unfocused: bytes, viewport: dict) -> str | None:
    # Only the edges of the control that are inside the window, ring and all, count.
    left, top = box["x"], box["y"]
    right, bottom = left + box["width"], top + box["height"]
    width = min(right, viewport["width"]) - max(left, 0)
    height = min(bottom, viewport["height"]) - max(top, 0)
    margin = 6  # the ring's width and offset
    edges = (width * (top - margin >= 0) + width * (bottom + margin <= viewport["height"])
             + height * (left - margin >= 0) + height * (right + margin <= viewport["width"]))
    needed = 2 * edges
    changed = focus_change_area(focused, unfocused)
    if changed < needed:
        return f"{described}: focus changes {changed} px at 3:1, a 2 px ring needs {needed:.0f}"
    return None


def focus_walk(tab, limit: int = 200) -> tuple[int, list[str]]:
    """Tab from the top of the page through every control; (stops, problems found).

    Ends when the focus leaves the page or comes back to the first control.
    """
    tab.add_style_tag(content=STEADY_CSS)
    tab.mouse.move(0, 0)
    tab.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    before = tab.screenshot()
    problems = []
    for stop in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate("""() => document.activeElement === document.body || !document.hasFocus()
                           || window.__firstStop === document.activeElement"""):
            return stop, problems
        if stop == 0:
            tab.evaluate("() => { window.__firstStop = document.activeElement; }")
        if tab.evaluate("() => window.__lastStop === document.activeElement"):
            continue  # a data grid moving its own cursor with Tab: checked already
        tab.evaluate("() => { window.__lastStop = document.activeElement; }")
        problem = check_focus_indicator(tab, unfocused_page=before if stop == 0 else None)
        if problem:
            problems.append(problem)
    raise AssertionError(f"More than {limit} keyboard stops; the walk did not come round")


def wait_for_text(tab, text: str, timeout: float = 30) -> None:
    """Wait until `text` is somewhere in the page's main area."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in tab.locator('[data-testid="stMain"]').inner_text():
            return
        tab.wait_for_timeout(250)
    raise AssertionError(f"{text!r} never appeared on the page")
