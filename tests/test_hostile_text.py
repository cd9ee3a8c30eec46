"""Every string a person or a file typed is shown as literal text on every page.

A database is filled with hostile strings in every field people or files fill in
(names, roles, round names, comments, titles, notes, journeys, answers, services,
channels, attributes, survey names, file names, profile names); every page is
rendered; every text Streamlit would read as Markdown and every chart is checked
for markup that came from those strings.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from cx import cases, checklist, culture, heat_map, journeys, meetings, roadmap, themes
from cx.assessment import RatingEntry
from cx.framework import CELLS
from cx.measures import save_target
from cx.meetings import MeetingInput
from cx.roadmap import ActionInput
from cx.store import Database
from cx.store.uploads import UploadBatch
from cx.surveys import record_upload

from .apptest import CHART_START, open_page
from .conftest import ROOT

NOW = datetime(2026, 10, 20, 10, 0)
MARKDOWN = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def hostile(tag: str) -> str:
    """A string that is bold, a link, HTML, a colour directive, LaTeX, code and a URL if rendered."""
    return (f"**Bzq{tag}** [L{tag}](javascript:alert(1)) <b>Hzq{tag}</b> :red[Rzq{tag}] $Mzq{tag}$ "
            f"`Czq{tag}` ~~Szq{tag}~~ https://evil.example/U{tag} www.evil.example "
            f":material/home: # Xzq{tag}")


def fill(path) -> int:
    """Write hostile strings into every user-typed field of a copy of the demo; return the hostile person."""
    db = Database(path)
    store = db.store()
    with store.transaction():
        me = store.people.add(hostile("p1"), hostile("role1"), now=NOW)
        other = store.people.add(hostile("p2"), None, now=NOW)
        round_id = heat_map.create_round(store, hostile("round")[:80], date(2026, 10, 25), [me, other],
                                         created_by=me, now=NOW)
        for person in (me, other):
            heat_map.submit(store.assessment, round_id, person,
                            [RatingEntry(b, s, "critical", hostile(f"c{person}"), hostile(f"e{person}"))
                             for b, s in CELLS], now=NOW)
        roadmap.create_action(store, ActionInput(hostile("title")[:120], "basics", ("data",), me, "blocked",
                                                 date(2026, 1, 1), date(2026, 2, 1), hostile("notes"),
                                                 "csat", 80.0, services=(hostile("svc"),)), by=me, now=NOW)
        culture.save_step(store, 5, "in_progress", me, date(2026, 1, 1), hostile("evidence"), updated_by=me,
                          now=NOW)
        journey = journeys.create(store, hostile("journey")[:120], hostile("about"), updated_by=me, now=NOW)
        steps = pd.DataFrame({"position": [1, 2], "stage": [hostile("s1"), hostile("s2")]})
        for column in journeys.STEP_COLUMNS[2:]:
            steps[column] = hostile(column) if column != "emotion_score" else [-1, 1]
        journeys.save_steps(store, journey, "as_is", steps, updated_by=me, now=NOW)
        for question in checklist.QUESTION_CODES:
            checklist.save(store, other, question, hostile(question), shared=True, now=NOW)
        batch = store.uploads.create_batch(UploadBatch(hostile("source"), NOW, 40, file_name=hostile("file"),
                                                       uploaded_by=hostile("by")), "responses")
        store.uploads.insert_responses(batch, hostile("source"), pd.DataFrame({
            "response_id": [f"h{i}" for i in range(40)],
            "completed_at": [datetime(2026, 10, 1 + i % 20, 9 + i % 8) for i in range(40)],
            "service": [hostile("svc") if i % 2 else "Parking" for i in range(40)],
            "channel": [hostile("chan")] * 40, "area": [hostile("area")] * 40,
            "segment": [hostile("seg")] * 40, "staff_id": [hostile("staff")] * 40,
            "nps": pd.array([i % 11 for i in range(40)], dtype="UInt8"),
            "csat": pd.array([1 + i % 5 for i in range(40)], dtype="UInt8"),
            "comment": [hostile(f"comment{i}") for i in range(40)],
            # Two rating questions with hostile names: the Key drivers page's facets.
            "extra_keys": [[hostile("attr"), hostile("p7"), hostile("p8")]] * 40,
            "extra_values": [[hostile("value"), str(1 + i % 5), str(1 + i * 3 % 5)] for i in range(40)],
        }))
        store.uploads.save_profile(hostile("profile"), kind="responses", source=hostile("source"),
                                   columns_signature="x", mapping="{}", saved_by=hostile("by"), now=NOW)
        save_target(store.surveys, "csat", hostile("svc"), 80.0, updated_by=me, now=NOW,
                    source_note=hostile("note"))
        meeting = meetings.create_meeting(store, MeetingInput(date(2026, 10, 26), hostile("meeting")[:120],
                                                              (me, other), round_id, date(2026, 9, 1),
                                                              "month", hostile("minutes")), by=me, now=NOW)
        meetings.record_decision(store, meeting, hostile("decision"), by=me, now=NOW)
        # Follow-up cases from the hostile responses, owned by the hostile person.
        cases.save_rule(store, hostile("source"), cases.CaseRule(
            consent_column=hostile("attr"), consent_values=(hostile("value"),), default_owner_id=me),
            by=me, now=NOW)
        cases.find_new_cases(store, by=me, now=NOW)
        theme = store.themes.add_theme(hostile("theme"), ["evil"], "council", by=me, now=NOW)
        store.themes.replace_open_suggestions([(hostile("suggestion"), ["evil"], [hostile("example")], 3)],
                                              now=NOW)
        store.you_said.save_you_said(None, {"theme_id": theme, "action_id": None,
                                                 "you_said": hostile("said"),
                                                 "we_did": hostile("did"), "published": True}, by=me, now=NOW)
        themes.refresh(store, now=NOW)
        record_upload(store, hostile("source"), name=hostile("source"), kind="service",
                      services=[hostile("svc")], updated_by=me, now=NOW)
        store.catalogue.update(hostile("source"), hostile("source"), "service", [hostile("svc")], True,
                               updated_by=me, now=NOW)
    db.close()
    return me


PLAIN_ELEMENTS = {"Text", "Code", "Json", "Arrow", "ArrowNamedDataSet", "Selectbox", "MultiSelect"}


def page_strings(node) -> tuple[list[str], list[str]]:
    """(every string on the rendered page, the ones Streamlit reads as Markdown, and chart specs).

    st.text, code, tables and selectbox options are plain text; every other body,
    label, help text and caption, radio options and plotly specs are checked.
    """
    everything, markdown = [], []

    def visit(message, plain: bool) -> None:
        plain = plain or message.DESCRIPTOR.name in PLAIN_ELEMENTS
        for field, value in message.ListFields():
            if field.type == field.TYPE_MESSAGE:
                for item in (value if field.is_repeated else [value]):
                    visit(item, plain)
                continue
            strings = [v for v in (value if field.is_repeated else [value]) if isinstance(v, str)]
            everything.extend(strings)
            if plain and field.name != "label":
                continue
            if field.name in ("body", "label", "help", "caption", "spec", "placeholder"):
                markdown.extend(strings)
            elif field.name == "options" and message.DESCRIPTOR.name in ("Radio", "ButtonGroup"):
                markdown.extend(strings)  # radio and segmented-control options are Markdown

    def walk(item) -> None:
        proto = getattr(item, "proto", None)
        if proto is not None:
            visit(proto, False)
        for child in getattr(item, "children", {}).values():
            walk(child)

    walk(node)
    return everything, markdown


def markup_from_hostile_text(text: str) -> list[str]:
    """What in `text` would turn hostile input into formatting, links or directives when shown."""
    problems = []
    if text.startswith(CHART_START):  # an SVG chart inside a Markdown HTML block
        return markup_in_chart(text)
    if text.lstrip().startswith("{"):  # a plotly figure: plotly reads <b>, <a href>, <br> in its strings
        return [f"live tag in a chart: {string[:80]!r}" for string in _strings(json.loads(text))
                if re.search(r"<b>Hzq", string)]
    rendered = MARKDOWN.render(text)
    for pattern in (r"<strong>Bzq", r'<a href="javascript', r"<code>Czq", r"<s>Szq", r"<h\d>Xzq"):
        if re.search(pattern, rendered):
            problems.append(f"{pattern} in {text[:80]!r}")
    for raw in (":red[Rzq", "$Mzq", "https://evil", "www.evil", ":material/home:"):
        if re.search(r"(?<!\\)" + re.escape(raw), text):
            problems.append(f"unescaped {raw!r} in {text[:80]!r}")
    return problems


# Every element cx.figure_svg writes; anything else in a chart came from somebody's text.
CHART_ELEMENTS = {"div", "svg", "title", "defs", "pattern", "g", "path", "rect", "line", "polyline",
                  "polygon", "circle", "text", "tspan"}


def markup_in_chart(text: str) -> list[str]:
    """What in a chart's markup is not the chart: a raw line break (it would end the HTML block and
    let the rest be read as Markdown), an element or an event handler it does not write."""
    problems = ["a raw line break in a chart"] if "\n" in text or "\r" in text else []
    for element in ET.fromstring(text).iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag not in CHART_ELEMENTS:
            problems.append(f"<{tag}> in a chart")
        problems += [f"{name} attribute in a chart" for name in element.attrib
                     if name.lower().startswith("on") or name.lower().endswith("href")]
    return problems


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.fixture(scope="module")
def hostile_db(demo_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(demo_db_path, path)
    return path, fill(path)


PAGES = ["pages/overview.py", "pages/heat_map.py", "pages/heat_map_presentation.py", "pages/roadmap.py",
         "pages/trends.py", "pages/upload.py", "pages/checklist.py", "pages/culture.py", "pages/journeys.py",
         "pages/meetings.py", "pages/follow_up.py", "pages/drivers.py", "pages/themes.py",
         "pages/surveys.py"]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_turns_typed_text_into_markup(hostile_db, app_env, page):
    path, me = hostile_db
    app_env(path)
    state = {"person_id": me, "journey_id": None, "trends_service": [hostile("svc")]}
    if page == "pages/follow_up.py":
        state["rule-source"] = hostile("source")
    if page == "pages/trends.py":
        state["trends_dates"] = (date(2025, 11, 1), date(2026, 10, 31))
        state["trends_section"] = "What customers said"  # drawn only when chosen
    if page == "pages/roadmap.py":
        state["roadmap_tab"] = "Timeline"  # drawn only when chosen
    if page == "pages/themes.py":
        state["themes_section"] = "Suggestions"  # the suggestion and its example, drawn only when chosen
    if page == "pages/drivers.py":
        state["view_drivers_facets"] = [hostile("p7"), hostile("p8")]
    at = open_page(page, **state)
    everything, texts = page_strings(at._tree)
    typed = r"Bzq(p\d|round|svc|journey|title|source|file|profile|meeting|theme)"
    assert any(re.search(typed, t) for t in everything), "the hostile strings should be on the page"
    problems = [p for t in texts for p in markup_from_hostile_text(t)]
    assert problems == []


@pytest.mark.parametrize("view", ["1", "2", "3", "4"])
def test_no_presentation_view_turns_typed_text_into_markup(hostile_db, app_env, view):
    """The presentation's views, chosen in the address; the hostile round and action are the newest."""
    path, me = hostile_db
    app_env(path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["person_id"] = me
    at.run()
    at.switch_page("pages/present.py")
    at.query_params["view"] = view
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    everything, texts = page_strings(at._tree)
    if view in ("3", "4"):  # the heat map's round and raters, the roadmap's titles and owners
        assert any(re.search(r"Bzq(p\d|round|title)", t) for t in everything), "hostile strings should show"
    problems = [p for t in texts for p in markup_from_hostile_text(t)]
    assert problems == []


def test_the_checker_itself_catches_raw_hostile_text():
    assert markup_from_hostile_text(hostile("p1"))
    from cx.formatting import escape_markdown

    assert markup_from_hostile_text(escape_markdown(hostile("p1"))) == []
    assert markup_from_hostile_text(json.dumps({"title": {"text": hostile("round")}}))
