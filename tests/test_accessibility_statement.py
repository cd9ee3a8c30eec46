"""The accessibility statement: filled in, contact shown as typed, reachable in the app."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import cx_ui
from cx.accessibility import NO_CONTACT, STATEMENT_FILE, statement_markdown
from cx.config import Settings

from .apptest import open_page


def test_statement_fills_every_placeholder_and_escapes_the_contact():
    text = statement_markdown("a11y@fenbridge.gov.uk [click](http://x)")
    assert not re.search(r"\{\w+\}", text)
    assert "a11y@fenbridge\\.gov\\.uk \\[click\\]\\(http\\://x\\)" in text
    assert "23 November 2026" in text


def test_statement_without_a_contact_says_who_to_ask_and_how_to_set_it():
    assert NO_CONTACT in statement_markdown("  ")
    assert "PLACECX_ACCESSIBILITY_CONTACT" in NO_CONTACT


def test_statement_headings_sit_under_the_page_title():
    levels = [len(m) for m in re.findall(r"^(#+) ", STATEMENT_FILE.read_text(encoding="utf-8"), re.M)]
    assert levels and set(levels) == {2}


def test_contact_setting_comes_from_environment_or_secrets():
    assert Settings.load({"accessibility_contact": "web@council.example"}, {}).accessibility_contact \
        == "web@council.example"
    environ = {"PLACECX_ACCESSIBILITY_CONTACT": " 01234 567890 "}
    assert Settings.load({"accessibility_contact": "x"}, environ).accessibility_contact == "01234 567890"
    assert Settings.load({}, {}).accessibility_contact == ""


def test_statement_page_shows_the_configured_contact(app_env, tmp_path, monkeypatch):
    app_env(tmp_path / "a.duckdb")
    monkeypatch.setenv("PLACECX_ACCESSIBILITY_CONTACT", "accessibility@fenbridge.gov.uk")
    at = open_page("pages/accessibility.py")
    assert at.title[0].value == "Accessibility statement"
    shown = " ".join(m.value for m in at.markdown)
    assert "accessibility@fenbridge\\.gov\\.uk" in shown
    assert "partially compliant with WCAG 2.2 level AA" in shown


def test_every_date_input_says_the_calendar_does_the_same_job():
    """The statement relies on the calendar for the small day and month boxes (WCAG 2.5.8)."""
    root = Path(__file__).resolve().parents[1]
    found = 0
    for page in sorted((root / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = [node.func, *node.args[:1]]
            if any(isinstance(part, ast.Attribute) and part.attr == "date_input" for part in called):
                found += 1
                helps = [ast.unparse(k.value) for k in node.keywords if k.arg == "help"]
                assert helps and "DATE_HELP" in helps[0], f"{page.name}:{node.lineno}"
    assert found >= 6
    assert "calendar" in cx_ui.DATE_HELP and "calendar" in STATEMENT_FILE.read_text(encoding="utf-8")

