"""Themes of comments: tagging against an independent count, Wilson intervals of shares,
re-tagging only an edited theme, sentiment disagreements, suggestions, the CLI and exports."""

from __future__ import annotations

import io
import json
import math
import re
from contextlib import redirect_stdout
from datetime import datetime

import duckdb
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cx import sentiment, theme_suggest, theme_trends, themes, you_said
from cx.__main__ import main
from cx.store import Database
from cx.store.filters import Slice
from cx.store.uploads import UploadBatch

from .apptest import query

NOW = datetime(2026, 11, 2, 9, 0)
SOURCE = "Test survey"


# ------------------------------------------------------------------ an independent matcher
def _tokens(text: str) -> list[tuple[str, bool]]:
    """Word and punctuation tokens, each with whether white space came before it."""
    return [(m.group(1), bool(m.group(0)[:1].isspace()))
            for m in re.finditer(r"\s*([a-z0-9_]+|[^\sa-z0-9_])", text.lower())]


def independent_match(text: str, phrases) -> bool:
    """Whether any phrase occurs as whole tokens in the text (a `*` ends a word with any ending).

    Written without regular expressions over the phrase: the text is split into word
    and punctuation tokens and each phrase's tokens are compared one by one, with the
    same spacing between them.
    """
    words = _tokens(text)
    for phrase in phrases:
        wanted = [(t, spaced) for t, spaced in _tokens(phrase)]
        stars = [i + 1 < len(wanted) and wanted[i + 1][0] == "*" for i in range(len(wanted))]
        pieces = [(t, spaced, star) for (t, spaced), star in zip(wanted, stars, strict=True) if t != "*"]
        for start in range(len(words) - len(pieces) + 1):
            if all((words[start + i][0].startswith(t) if star else words[start + i][0] == t)
                   and (i == 0 or words[start + i][1] == spaced)
                   for i, (t, spaced, star) in enumerate(pieces)):
                return True
    return False


COMMENTS = [
    ("My BIN was missed again and nobody told me", 2, 1),
    ("Bins missed, fly-tipping on the corner, a mattress dumped", 1, 1),
    ("The cabinet in the office was fine", 8, 4),          # 'cabinet' is not 'bin'; 'fine' is no fine
    ("Potholes everywhere; the road surface is a disgrace", 0, 1),
    ("Really helpful adviser, thank you!", 10, 5),
    ("Terrible, awful, the worst service I have ever had", 10, 5),   # a promoter who is angry
    ("Brilliant, excellent, thank you so much", 1, 1),               # a detractor who is delighted
    ("=HYPERLINK(\"http://evil\") **bold** <b>x</b> waited on hold", 3, 2),
    ("Parking ticket appeal ignored, PCN still chasing me", 2, 1),
    ("Dog fouling by the school gates", 5, 3),
    ("", 7, 3),
    ("Waiting... waiting... the online form timed out", 4, 2),
]


def insert(store, rows, *, source: str = SOURCE, first: int = 0, month: int = 10) -> None:
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch(source, NOW, len(rows)), "responses")
        store.uploads.insert_responses(batch, source, pd.DataFrame({
            "response_id": [f"r{first + i}" for i in range(len(rows))],
            "completed_at": [datetime(2026, month, 1 + i % 28, 10) for i in range(len(rows))],
            "service": ["Waste and recycling" if i % 2 else "Parking" for i in range(len(rows))],
            "nps": pd.array([r[1] for r in rows], dtype="UInt8"),
            "csat": pd.array([r[2] for r in rows], dtype="UInt8"),
            "comment": [r[0] or None for r in rows],
        }))


@pytest.fixture
def tagged(store):
    """A database of COMMENTS, scored and tagged, for a test that changes it."""
    insert(store, COMMENTS)
    themes.refresh(store, now=NOW)
    return store


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A database of COMMENTS, scored and tagged, that tests only read."""
    db = Database(tmp_path_factory.mktemp("themes") / "shared.duckdb")
    store = db.store()
    insert(store, COMMENTS)
    themes.refresh(store, now=NOW)
    yield store
    db.close()


def counts_by_theme(store) -> dict[str, tuple[int, int]]:
    counts = store.theme_reports.period_counts(Slice(), (), "month")
    return {r.theme: (int(r.tagged), int(r.comments)) for r in counts.itertuples()}


def test_theme_counts_equal_an_independent_count(shared):
    texts = [c for c, _, _ in COMMENTS if c]
    expected = {name: sum(independent_match(t, phrases) for t in texts)
                for name, phrases in themes.SHIPPED_THEMES.items()}
    found = counts_by_theme(shared)
    assert {name: tagged_n for name, (tagged_n, _) in found.items()} == expected
    assert {n for _, n in found.values()} == {len(texts)}
    assert expected["Missed bins"] == 2 and expected["Fly-tipping"] == 1 and expected["Parking fines"] == 1


def test_theme_counts_on_the_demo_equal_an_independent_count(demo_copy):
    texts = pd.Series([row[0] for row in query(
        demo_copy, "SELECT r.comment FROM responses r JOIN comment_analysis USING (source, response_id)")])
    db = Database(demo_copy)
    try:
        store = db.store()
        listed = store.themes.themes()
        overall = store.theme_reports.group_counts(Slice(), (), "source")
        found = {r.theme: int(r.tagged) for r in overall.itertuples()}
        distinct = texts.value_counts()
        for row in listed.itertuples():
            expected = sum(n for text, n in distinct.items() if independent_match(text, list(row.phrases)))
            assert found[row.name] == expected, row.name
        assert int(overall["comments"].iloc[0]) == len(texts)
    finally:
        db.close()


_DUCKDB = duckdb.connect()


@given(st.lists(st.sampled_from(["bin", "bins", "cabinet", "missed", "fly", "-", "tip", "tipping", ",", "Bin",
                                 "MISSED", "pot", "potholes", "."]), max_size=12),
       st.lists(st.sampled_from(["bin", "missed bin*", "fly-tip*", "pothole*", "tip"]), min_size=1,
                max_size=3))
def test_duckdb_matching_agrees_with_the_independent_matcher(words, phrases):
    text = " ".join(words)
    found = _DUCKDB.execute("SELECT regexp_matches(?, ?, 'i')", [text, themes.pattern(phrases)]).fetchone()[0]
    assert found == independent_match(text, phrases)


def test_wilson_interval_of_a_theme_share():
    counts = pd.DataFrame({"tagged": [20, 0, 7], "comments": [100, 12, 7]})
    shares = theme_trends.with_shares(counts)
    z = 1.959963984540054
    p, n = 0.2, 100
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert shares["share"].iloc[0] == pytest.approx(20.0)
    assert shares["low"].iloc[0] == pytest.approx(100 * (centre - spread))
    assert shares["high"].iloc[0] == pytest.approx(100 * (centre + spread))
    assert (round(shares["low"].iloc[0], 2), round(shares["high"].iloc[0], 2)) == (13.34, 28.88)
    assert shares["low"].iloc[1] == 0.0 and shares["high"].iloc[1] == pytest.approx(100 * 0.2425, abs=0.01)
    assert shares["high"].iloc[2] == 100.0


def test_editing_a_theme_retags_that_theme_alone(tagged):
    listed = tagged.themes.themes().set_index("name")
    bins, potholes = int(listed.loc["Missed bins", "theme_id"]), int(listed.loc["Potholes and road repairs",
                                                                                  "theme_id"])
    before_potholes = tagged.themes.tag_rows(potholes)
    version = int(listed.loc["Missed bins", "version"])
    themes.save_theme(tagged, bins, "Missed bins", "missed bin*\ncabinet", based_on=version, by=None, now=NOW)
    after_bins = tagged.themes.tag_rows(bins)
    pd.testing.assert_frame_equal(tagged.themes.tag_rows(potholes), before_potholes)
    assert set(after_bins["theme_version"]) == {version + 1}
    texts = [c for c, _, _ in COMMENTS if c]
    assert len(after_bins) == sum(independent_match(t, ["missed bin*", "cabinet"]) for t in texts) == 1
    assert tagged.themes.pending() == (0, 0)
    assert tagged.themes.list_version() == len(themes.SHIPPED_THEMES) + 1
    with pytest.raises(ValueError, match="changed or removed"):
        themes.save_theme(tagged, bins, "Missed bins", "bin", based_on=version, by=None, now=NOW)


def test_new_comments_are_tagged_without_retagging_any_theme(tagged):
    insert(tagged, [("Another missed bin on our street", 3, 1)], first=100, month=11)
    report = themes.refresh(tagged, now=NOW)
    assert report.scored == 1 and report.retagged == ()
    counts = tagged.theme_reports.period_counts(Slice(), (), "month")
    november = counts[pd.to_datetime(counts["period"]).dt.month == 11].set_index("theme")
    assert int(november.loc["Missed bins", "tagged"]) == 1
    assert int(november.loc["Missed bins", "comments"]) == 1


def test_disagreements_list_angry_promoters_and_happy_detractors(shared):
    odd = shared.theme_reports.disagreements(Slice(), (), negative=sentiment.NEGATIVE,
                                             positive=sentiment.POSITIVE)
    assert set(odd["comment"]) == {"Terrible, awful, the worst service I have ever had",
                                   "Brilliant, excellent, thank you so much"}
    assert int(odd["total"].iloc[0]) == 2
    assert sentiment.word(sentiment.score("Really helpful adviser, thank you!")) == "▲ positive"


def test_detractors_against_promoters_counts(shared):
    groups = shared.theme_reports.group_counts(Slice(), (), "nps_group")
    table = theme_trends.detractors_against_promoters(groups, top=20).set_index("Theme")
    detractor_texts = [c for c, nps, _ in COMMENTS if c and nps <= 6]
    assert int(table.loc["Missed bins", "n detractors"]) == len(detractor_texts)
    assert int(table.loc["Missed bins", "Detractors with theme"]) == 2
    assert int(table.loc["Compliments", "Promoters with theme"]) == 1


def test_growth_is_flagged_only_when_significant():
    counts = pd.DataFrame({
        "period": pd.to_datetime(["2026-09-01", "2026-09-01", "2026-10-01", "2026-10-01"]),
        "theme_id": [1, 2, 1, 2], "theme": ["Big rise", "Small rise"] * 2,
        "comments": [400, 400, 400, 400], "tagged": [40, 40, 100, 44]})
    label, table = theme_trends.latest_table(counts, "month", 30)
    table = table.set_index("Theme")
    assert label == "October 2026"
    assert table.loc["Big rise", "Grew significantly"] == "✓ grew"
    assert table.loc["Small rise", "Grew significantly"] == ""
    assert table.loc["Big rise", "Change (points)"] == 15.0


def test_suggestions_group_untagged_comments_and_can_be_accepted(tagged):
    insert(tagged, [("Street lights out on our road again", 3, 2),
                    ("Street lights broken near my house", 4, 2),
                    ("Dark road, street lights off at night", 2, 1)], first=200, month=11)
    themes.refresh(tagged, now=NOW)
    assert theme_suggest.refresh_suggestions(tagged, now=NOW) >= 1
    found = tagged.themes.suggestions()
    lights = found[[any("street" in p for p in phrases) for phrases in found["phrases"]]]
    assert not lights.empty
    theme_id = themes.accept_suggestion(tagged, int(lights["suggestion_id"].iloc[0]), "Street lights",
                                        "street light*", by=None, now=NOW)
    assert len(tagged.themes.tag_rows(theme_id)) == 3
    with pytest.raises(ValueError, match="already"):
        themes.reject_suggestion(tagged, int(lights["suggestion_id"].iloc[0]), by=None, now=NOW)


@pytest.mark.parametrize("text, message", [("", "at least one"), ("*", "no letter"),
                                           ("po*thole", "only end a word"),
                                            ("x" * 61, "longer than")])
def test_bad_phrases_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        themes.parse_phrases(text)


def test_the_cli_prints_the_latest_period_as_json(tmp_path):
    path = tmp_path / "cli.duckdb"
    db = Database(path)
    insert(db.store(), COMMENTS)
    insert(db.store(), [("Missed bin", 1, 1), ("Pothole", 2, 1)], first=500, month=9)
    db.close()
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["themes", "--db", str(path), "--no-demo", "--json"]) == 0
    facts = json.loads(out.getvalue())
    rows = {r["theme"]: r for r in facts["themes"]}
    texts = [c for c, _, _ in COMMENTS if c]
    expected = sum(independent_match(t, themes.SHIPPED_THEMES["Missed bins"]) for t in texts)
    assert facts["period"] == "October 2026"
    assert rows["Missed bins"]["comments"] == expected and rows["Missed bins"]["n"] == len(texts)
    assert rows["Missed bins"]["share"] == pytest.approx(100 * expected / len(texts))
    assert rows["Missed bins"]["low"] < rows["Missed bins"]["share"] < rows["Missed bins"]["high"]


def test_you_said_exports_escape_and_neutralise(tagged):
    theme = int(tagged.themes.themes()["theme_id"].iloc[0])
    said = '=cmd|"/c calc"!A1 <script>alert(1)</script> **bold** | pipe'
    item = you_said.save(tagged, None, {"theme_id": theme, "action_id": None, "you_said": said,
                                        "we_did": "Fixed [it](javascript:x)", "published": True},
                         base=None, by=None, now=NOW)
    you_said.save(tagged, None, {"theme_id": theme, "action_id": None, "you_said": "draft", "we_did": "x",
                                 "published": False}, base=None, by=None, now=NOW)
    table = you_said.published_table(tagged.you_said.you_said())
    assert len(table) == 1
    page = you_said.to_html(table, "You said <we did>").decode()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;we did&gt;" in page
    markdown = you_said.to_markdown(table, "List").decode()
    assert "\\*\\*bold\\*\\*" in markdown and "\\[it\\]" in markdown and "\\|" in markdown
    csv = you_said.to_csv(table).decode("utf-8-sig")
    assert "'=cmd" in csv
    with pytest.raises(ValueError, match="Fill in"):
        you_said.save(tagged, item, {"theme_id": theme, "you_said": " ", "we_did": "x"}, base=None, by=None,
                      now=NOW)


def test_examples_are_the_newest_tagged_comments_with_their_sentiment(shared):
    bins = int(shared.themes.themes().set_index("name").loc["Missed bins", "theme_id"])
    examples = shared.theme_reports.examples(bins, Slice(), (), 5)
    expected = [c for c, _, _ in COMMENTS if c and independent_match(c, themes.SHIPPED_THEMES["Missed bins"])]
    assert set(examples["comment"]) == set(expected)
    assert examples["completed_at"].is_monotonic_decreasing
    assert ([round(s, 4) for s in examples["sentiment"]]
            == [round(sentiment.score(c), 4) for c in examples["comment"]])
