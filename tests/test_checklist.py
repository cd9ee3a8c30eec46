"""The personal leadership checklist: questions, answer checks, history and the downloadable documents."""

import html
import re
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cx import checklist
from cx.checklist import SaveAction, SavedAnswer

MARKDOWN = MarkdownIt("commonmark")  # raw HTML switched on, as CommonMark renderers do


def saved(answer_id, question, answer, when, shared=False):
    return SavedAnswer(answer_id, question, answer, shared, when)


def test_seven_questions_with_distinct_codes():
    assert len(checklist.QUESTIONS) == 7
    assert len(set(checklist.QUESTION_CODES)) == 7
    assert checklist.question("three_years").topic == "In three years' time"
    with pytest.raises(ValueError, match="^Question: 'nope' is not one"):
        checklist.question("nope")


def test_clean_answer_trims_and_removes_control_characters():
    cleaned = checklist.clean_answer("  first line\r\nsecond\x1b[31m line\u202e \n")
    assert cleaned == "first line\nsecond[31m line"


@pytest.mark.parametrize("text", ["", "   \n\t ", None, "\x00\x07"])
def test_an_empty_answer_is_refused_naming_the_field(text):
    with pytest.raises(ValueError, match="^Your answer: write something"):
        checklist.clean_answer(text)


def test_an_overlong_answer_is_refused_with_its_length():
    with pytest.raises(ValueError, match=r"^Your answer: keep it under 10,000 characters \(it has 10,001\)"):
        checklist.clean_answer("x" * 10_001)
    assert len(checklist.clean_answer("x" * 10_000)) == 10_000


def test_decide_save():
    latest = saved(1, "data", "Old text", datetime(2026, 1, 1), shared=False)
    assert checklist.decide_save(None, "Anything", False) is SaveAction.NEW_VERSION
    assert checklist.decide_save(latest, "New text", False) is SaveAction.NEW_VERSION
    assert checklist.decide_save(latest, "New text", True) is SaveAction.NEW_VERSION
    assert checklist.decide_save(latest, "Old text", True) is SaveAction.SHARING_ONLY
    assert checklist.decide_save(latest, "Old text", False) is SaveAction.NOTHING


def test_group_history_orders_newest_first_and_lists_every_question():
    history = pd.DataFrame({
        "answer_id": [1, 2, 3, 4, 5],
        "question": ["data", "data", "shoes", "retired_question", "data"],
        "answer": ["first", "second", "walked the rounds", "old", "same-time later id"],
        "shared": [False, True, False, False, False],
        "saved_at": pd.to_datetime(["2026-01-05 09:00", "2026-04-02 10:00", "2026-03-01 08:00",
                                    "2026-01-01 08:00", "2026-04-02 10:00"]),
    })
    grouped = checklist.group_history(history)
    assert list(grouped) == list(checklist.QUESTION_CODES)
    assert [a.answer_id for a in grouped["data"]] == [5, 2, 1]
    assert grouped["data"][1].shared is True
    assert grouped["data"][2].saved_at == datetime(2026, 1, 5, 9)
    assert [a.answer for a in grouped["shoes"]] == ["walked the rounds"]
    assert grouped["values"] == []


def test_shared_answers_table_follows_the_question_order():
    shared = pd.DataFrame({
        "name": ["Zoe", "Adam", "Beth"],
        "question": ["three_years", "three_years", "stakeholders"],
        "answer": ["z", "a", "b"],
        "saved_at": pd.to_datetime(["2026-02-01 10:05", "2026-02-02 11:00", "2026-02-03 12:00"]),
    })
    table = checklist.shared_answers_table(shared)
    assert table.columns.tolist() == ["Question", "Leader", "Answer", "Saved"]
    assert table["Question"].tolist() == ["1. People to win over", "7. In three years' time",
                                          "7. In three years' time"]
    assert table["Leader"].tolist() == ["Beth", "Adam", "Zoe"]
    assert table["Saved"].tolist()[0] == "3 February 2026, 12:00"


# ------------------------------------------------------------------ Markdown safety


def render_quote(text: str) -> str:
    return MARKDOWN.render(checklist.quote_markdown(text))


def visible_text(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    "![pixel](http://evil.example/p.png)",
    "<http://evil.example>",
    "# Not a heading\n1. not a list\n- nor this\n> nor a quote",
    "    indented code?\n```\nfenced\n```",
    "**bold** _em_ `code` ~~strike~~ | a | b |",
    "&lt;b&gt; &amp; &#x26;",
    "Line\n===\nand\n---",
])
def test_hostile_answers_render_as_their_own_text(text):
    rendered = render_quote(text)
    tags = set(re.findall(r"</?([a-z0-9]+)", rendered))
    assert tags <= {"blockquote", "p"}, rendered
    assert re.sub(r"\s+", "", visible_text(rendered)) == re.sub(r"\s+", "", text)


@given(st.text(max_size=200))
def test_any_answer_renders_as_exactly_its_text_and_no_markup(text):
    rendered = render_quote(text)
    tags = set(re.findall(r"</?([a-z0-9]+)", rendered))
    assert tags <= {"blockquote", "p"}, rendered
    expected = re.sub(r"\s+", "", checklist.clean_text(text))
    assert re.sub(r"\s+", "", visible_text(rendered)) == expected


def test_escape_keeps_line_breaks_and_plain_words_readable():
    assert checklist.escape_markdown("Fix bins first.\n\nThen roads.") == "Fix bins first.\n\nThen roads."
    assert checklist.escape_markdown("2026. A year\n  - indented") == "2026\\. A year\n\\- indented"


# ------------------------------------------------------------------ documents

WHEN = datetime(2026, 11, 15, 9, 30)
ANSWERS = {
    "three_years": [
        saved(2, "three_years", "Easy to deal with.\n<b>Proud</b> staff.", datetime(2026, 11, 9, 17), True),
        saved(1, "three_years", "Answer the phone.", datetime(2026, 8, 11, 9)),
    ],
}


def test_markdown_document_lists_every_question_with_newest_answer_first():
    document = checklist.reflections_markdown("Amara *Okafor*", ANSWERS, WHEN)
    lines = document.splitlines()
    assert lines[0] == "# Personal leadership checklist: Amara \\*Okafor\\*"
    assert "Downloaded from PlaceCX on 15 November 2026, 09:30." in lines[2]
    assert [line for line in lines if line.startswith("## ")] == [
        f"## {n}. {q.topic}" for n, q in enumerate(checklist.QUESTIONS, start=1)
    ]
    assert document.count("_Not answered yet._") == 6
    latest = lines.index("### Latest answer: 9 November 2026, 17:00 (shared with the team)")
    earlier = lines.index("### Earlier answer: 11 August 2026, 09:00 (not shared)")
    assert latest < earlier
    assert lines[latest + 2: latest + 4] == ["> Easy to deal with.", "> \\<b\\>Proud\\</b\\> staff."]
    assert lines[earlier + 2] == "> Answer the phone."
    assert "<b>" not in MARKDOWN.render(document)


def test_text_document_indents_answers_and_strips_control_characters():
    answers = {"data": [saved(7, "data", "Dashboards\x1b[2J\nfor crews", datetime(2026, 3, 4, 8, 5))]}
    document = checklist.reflections_text("Tom Hargreaves", answers, WHEN)
    lines = document.splitlines()
    assert lines[0] == "Personal leadership checklist: Tom Hargreaves"
    assert lines[1] == "=" * len(lines[0])
    index = lines.index("Latest answer, 4 March 2026, 08:05 (not shared):")
    assert lines[index + 2: index + 4] == ["    Dashboards[2J", "    for crews"]
    assert "\x1b" not in document
    assert document.count("Not answered yet.") == 6
