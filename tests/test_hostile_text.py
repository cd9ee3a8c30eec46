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
from datetime import date, datetime

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from cx import checklist, culture, heat_map, journeys, roadmap
from cx.assessment import RatingEntry
from cx.framework import CELLS
from cx.measures import save_target
from cx.roadmap import ActionInput
from cx.store import Database
from cx.store.uploads import UploadBatch
from cx.surveys import record_upload

from .apptest import open_page

NOW = datetime(2026, 10, 20, 10, 0)
MARKDOWN = MarkdownIt("commonmark").enable(["strikethrough", "table"])


def hostile(tag: str) -> str:
    """A string that is bold, a link, HTML, a colour directive, LaTeX, code and a URL if rendered."""
    return (f"**B{tag}** [L{tag}](javascript:alert(1)) <b>H{tag}</b> :red[R{tag}] $M{tag}$ `C{tag}` "
            f"~~S{tag}~~ https://evil.example/U{tag} www.evil.example :material/home: # X{tag}")


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
                                                 "csat", 80.0), by=me, now=NOW)
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
            "extra_keys": [[hostile("attr")]] * 40, "extra_values": [[hostile("value")]] * 40,
        }))
        store.uploads.save_profile(hostile("profile"), kind="responses", source=hostile("source"),
                                   columns_signature="x", mapping="{}", saved_by=hostile("by"), now=NOW)
        save_target(store.surveys, "csat", hostile("svc"), 80.0, updated_by=me, now=NOW,
                    source_note=hostile("note"))
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
    if text.lstrip().startswith("{"):  # a plotly figure: plotly reads <b>, <a href>, <br> in its strings
        return [f"live tag in a chart: {string[:80]!r}" for string in _strings(json.loads(text))
                if re.search(r"<b>H[a-z]", string)]
    rendered = MARKDOWN.render(text)
    for pattern in (r"<strong>B[a-z]", r'<a href="javascript', r"<code>C[a-z]", r"<s>S[a-z]", r"<h\d>X[a-z]"):
        if re.search(pattern, rendered):
            problems.append(f"{pattern} in {text[:80]!r}")
    for raw in (":red[R", "$M", "https://evil", "www.evil", ":material/home:"):
        if re.search(r"(?<!\\)" + re.escape(raw), text):
            problems.append(f"unescaped {raw!r} in {text[:80]!r}")
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
         "pages/surveys.py"]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_turns_typed_text_into_markup(hostile_db, app_env, page):
    path, me = hostile_db
    app_env(path)
    state = {"person_id": me, "journey_id": None, "trends_service": [hostile("svc")]}
    if page == "pages/trends.py":
        state["trends_dates"] = (date(2025, 11, 1), date(2026, 10, 31))
    at = open_page(page, **state)
    everything, texts = page_strings(at._tree)
    assert any(re.search(r"B(p\d|round|svc|journey|title|source|file|profile)", t) for t in everything), \
        "the hostile strings should be on the page"
    problems = [p for t in texts for p in markup_from_hostile_text(t)]
    assert problems == []


def test_the_checker_itself_catches_raw_hostile_text():
    assert markup_from_hostile_text(hostile("p1"))
    from cx.formatting import escape_markdown

    assert markup_from_hostile_text(escape_markdown(hostile("p1"))) == []
    assert markup_from_hostile_text(json.dumps({"title": {"text": hostile("round")}}))
