"""The personal leadership checklist: seven questions a leader answers for themself.

Answers are private by default. Every save is kept with its date, so a leader can
read what they wrote last quarter beside what they think now. A leader may mark an
answer as shared; the rest of the team then sees that person's newest answer to
that question, and nothing else of theirs.

This module holds the questions, checks answers and decides what a save does
before the leadership store writes it, and writes a leader's reflections as a
Markdown or plain-text document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import pandas as pd

from cx.store import Store

MAX_ANSWER_LENGTH = 10_000


@dataclass(frozen=True)
class Question:
    code: str
    topic: str
    text: str


QUESTIONS: tuple[Question, ...] = (
    Question(
        "stakeholders",
        "People to win over",
        "Whose support do you need to improve the experience of customers, and who will you "
        "have to persuade? What might get in the way? Who already cares about this and will "
        "champion it?",
    ),
    Question(
        "values",
        "Brand values",
        "How clearly have the council's values been put into words, and how far do they shape "
        "the way services are designed and run? What will you do, as a leader, to move this on?",
    ),
    Question(
        "data",
        "Use of data",
        "How well is customer data used today? Who analyses it and tells others what it shows, "
        "and who asks to see it? What matters most to you here, and how could you get it going?",
    ),
    Question(
        "shoes",
        "Seeing it first-hand",
        "When did you last go through a service as a customer does, or spend time doing the "
        "job as front-line staff do it? What did you learn from it?",
    ),
    Question(
        "employees",
        "Empowered staff",
        "How free do staff feel to give customers a great service, and how engaged are they "
        "in their work? Where should you put your effort?",
    ),
    Question(
        "culture",
        "Where culture change starts",
        "What is the single most important thing to do first to change the culture, and "
        "where would you begin?",
    ),
    Question(
        "three_years",
        "In three years' time",
        "Three years from now, what would you like customers to be saying about the council?",
    ),
)
QUESTION_CODES: tuple[str, ...] = tuple(q.code for q in QUESTIONS)
_BY_CODE = {q.code: q for q in QUESTIONS}


@dataclass(frozen=True)
class SavedAnswer:
    answer_id: int
    question: str
    answer: str
    shared: bool
    saved_at: datetime


def question(code: str) -> Question:
    """The question with this code. Raises ValueError for a code that is not one of the seven."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise ValueError(f"Question: {code!r} is not one of the checklist questions.") from None


def clean_answer(text: str | None) -> str:
    """The answer as it will be stored: control characters removed, ends trimmed.

    Raises ValueError naming the field when nothing is left to save or the answer
    is longer than MAX_ANSWER_LENGTH characters.
    """
    cleaned = clean_text(text or "").strip()
    if not cleaned:
        raise ValueError("Your answer: write something before saving.")
    if len(cleaned) > MAX_ANSWER_LENGTH:
        raise ValueError(
            f"Your answer: keep it under {MAX_ANSWER_LENGTH:,} characters "
            f"(it has {len(cleaned):,})."
        )
    return cleaned


# Control characters other than newline and tab, and the bidirectional overrides that
# can make text read differently from what it contains.
_UNSAFE_CHARACTERS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Text with Windows and old Mac line ends made '\\n', and invisible control characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _UNSAFE_CHARACTERS.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


class SaveAction(Enum):
    NEW_VERSION = "new version"
    SHARING_ONLY = "sharing only"
    NOTHING = "nothing"


def decide_save(latest: SavedAnswer | None, answer: str, shared: bool) -> SaveAction:
    """What saving the form should do, given the newest saved answer.

    Changed text adds a new dated version (with the chosen sharing); the same text
    with a different sharing choice only changes who can read the newest answer,
    so that ticking "share" does not add a copy to the history; otherwise nothing
    is saved. `answer` must already be cleaned by `clean_answer`.
    """
    if latest is None or latest.answer != answer:
        return SaveAction.NEW_VERSION
    if latest.shared != shared:
        return SaveAction.SHARING_ONLY
    return SaveAction.NOTHING


def save(store: Store, person_id: int, question_code: str, text: str | None, *, shared: bool,
         now: datetime) -> SaveAction:
    """Save a leader's answer (or only its sharing) and return what was done.

    Raises ValueError naming the field for an unknown person or question, or an
    empty or over-long answer; nothing is written then.
    """
    question(question_code)
    answer = clean_answer(text)
    with store.transaction():
        store.people.names([person_id], field="You are")
        history = group_history(store.leadership.answers_of(person_id))[question_code]
        action = decide_save(history[0] if history else None, answer, shared)
        if action is SaveAction.NEW_VERSION:
            store.leadership.add_answer(person_id, question_code, answer, shared=shared, now=now)
        elif action is SaveAction.SHARING_ONLY:
            store.leadership.set_sharing(person_id, question_code, shared)
    return action


def my_answers(store: Store, person_id: int) -> dict[str, list[SavedAnswer]]:
    """The person's own saved answers per question code, newest first (see `group_history`)."""
    return group_history(store.leadership.answers_of(person_id))


def group_history(history: pd.DataFrame) -> dict[str, list[SavedAnswer]]:
    """One leader's saved answers per question code, newest first.

    `history` has the columns of `LeadershipStore.answers_of`: answer_id, question,
    answer, shared, saved_at. Every question code is a key, with an empty list when
    it has not been answered; rows for codes that are not current questions are
    left out.
    """
    grouped: dict[str, list[SavedAnswer]] = {code: [] for code in QUESTION_CODES}
    ordered = history.sort_values(["saved_at", "answer_id"], ascending=False)
    for row in ordered.itertuples(index=False):
        if row.question in grouped:
            grouped[row.question].append(
                SavedAnswer(int(row.answer_id), row.question, row.answer, bool(row.shared),
                            pd.Timestamp(row.saved_at).to_pydatetime())
            )
    return grouped


def saved_label(moment: datetime) -> str:
    """'12 November 2026, 14:05'."""
    return f"{moment.day} {moment:%B %Y, %H:%M}"


def shared_answers_table(shared: pd.DataFrame) -> pd.DataFrame:
    """Other leaders' shared answers for display, in the order of the questions.

    `shared` has the columns of `LeadershipStore.shared_answers`: name, question,
    answer, saved_at. Returns the columns Question, Leader, Answer, Saved.
    """
    order = {code: i for i, code in enumerate(QUESTION_CODES)}
    known = shared[shared["question"].isin(order)].copy()
    known["rank"] = known["question"].map(order)
    known = known.sort_values(["rank", "name"])
    return pd.DataFrame(
        {
            "Question": [f"{order[c] + 1}. {_BY_CODE[c].topic}" for c in known["question"]],
            "Leader": known["name"].tolist(),
            "Answer": known["answer"].tolist(),
            "Saved": [saved_label(pd.Timestamp(t).to_pydatetime()) for t in known["saved_at"]],
        }
    )


# ------------------------------------------------------------------ documents

# Characters that mean something anywhere in a CommonMark line.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")
# What makes a line a heading, list item, rule or setext underline, once leading
# spaces are gone ('#', '-', '+', '=' first, or '12.' / '12)' at the start).
_LINE_START_SPECIAL = re.compile(r"^([#+=-])|^(\d{1,9})([.)])")


def escape_markdown(text: str) -> str:
    """Text that a Markdown renderer shows literally: no HTML, links, lists or emphasis.

    Every character that CommonMark could read as markup gets a backslash, and
    lines lose their leading spaces (four of them would start a code block). Line
    breaks and blank lines are kept. Control characters are removed first.
    """
    lines = []
    for line in clean_text(text).split("\n"):
        line = _INLINE_SPECIAL.sub(r"\\\1", line.lstrip(" \t"))
        line = _LINE_START_SPECIAL.sub(
            lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), line
        )
        lines.append(line.rstrip())
    return "\n".join(lines)


def quote_markdown(text: str) -> str:
    """A Markdown blockquote of escaped text, one '>' line per line of text."""
    return "\n".join(f"> {line}".rstrip() for line in escape_markdown(text).split("\n"))


def _one_line(text: str) -> str:
    return " ".join(clean_text(text).split())


def _status(answer: SavedAnswer) -> str:
    return "shared with the team" if answer.shared else "not shared"


def reflections_markdown(
    name: str, answers: Mapping[str, Sequence[SavedAnswer]], generated_at: datetime
) -> str:
    """A leader's checklist as a Markdown document: each question, the newest answer, then earlier ones.

    `answers` maps question codes to saved answers, newest first (see
    `group_history`). The leader's name and every answer are escaped, so the
    document shows them as written, whatever they contain.
    """
    out = [
        f"# Personal leadership checklist: {escape_markdown(_one_line(name))}",
        "",
        f"Downloaded from PlaceCX on {saved_label(generated_at)}. The team can read the answers "
        "marked shared; the others are not shown to them.",
    ]
    for number, q in enumerate(QUESTIONS, start=1):
        out += ["", f"## {number}. {q.topic}", "", f"**Question:** {escape_markdown(q.text)}"]
        saved = answers.get(q.code, [])
        if not saved:
            out += ["", "_Not answered yet._"]
        for index, answer in enumerate(saved):
            heading = "Latest answer" if index == 0 else "Earlier answer"
            out += ["", f"### {heading}: {saved_label(answer.saved_at)} ({_status(answer)})", "",
                    quote_markdown(answer.answer)]
    return "\n".join(out) + "\n"


def reflections_text(
    name: str, answers: Mapping[str, Sequence[SavedAnswer]], generated_at: datetime
) -> str:
    """The same document as `reflections_markdown`, as plain text with indented answers."""
    title = f"Personal leadership checklist: {_one_line(name)}"
    out = [title, "=" * len(title), "",
           f"Downloaded from PlaceCX on {saved_label(generated_at)}. The team can read the answers "
           "marked shared; the others are not shown to them."]
    for number, q in enumerate(QUESTIONS, start=1):
        heading = f"{number}. {q.topic}"
        out += ["", heading, "-" * len(heading), "", f"Question: {q.text}"]
        saved = answers.get(q.code, [])
        if not saved:
            out += ["", "Not answered yet."]
        for index, answer in enumerate(saved):
            label = "Latest answer" if index == 0 else "Earlier answer"
            out += ["", f"{label}, {saved_label(answer.saved_at)} ({_status(answer)}):", ""]
            out += [f"    {line}".rstrip() for line in clean_text(answer.answer).split("\n")]
    return "\n".join(out) + "\n"
