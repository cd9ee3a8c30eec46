"""The Themes page shows the figures the store counts, and saves a theme edit for an analyst."""

from __future__ import annotations

import pytest

from cx import sentiment, theme_trends
from cx.store import Database
from cx.store.filters import Slice

from .apptest import open_page, query


@pytest.fixture
def expected(demo_copy):
    """The latest month's table, computed from the stored counts outside the page."""
    db = Database(demo_copy)
    try:
        counts = db.store().theme_reports.period_counts(Slice(), (), "month")
    finally:
        db.close()
    return theme_trends.latest_table(counts, "month", 30)


def test_the_page_shows_each_themes_share_n_and_interval(demo_copy, expected):
    label, table = expected
    at = open_page("pages/themes.py")
    assert at.header[0].value == f"Themes in {label}"
    shown = [d.value for d in at.dataframe
             if "Share (%)" in d.value.columns and "Theme" in d.value.columns][0]
    assert shown["Theme"].tolist() == table["Theme"].tolist()
    assert shown["Share (%)"].tolist() == table["Share (%)"].tolist()
    assert shown["n (all comments)"].tolist() == table["n (all comments)"].tolist()
    assert shown["95% interval"].tolist() == table["95% interval"].tolist()
    top = table.iloc[0]
    card = [m for m in at.metric if m.label == top["Theme"]][0]
    assert card.value == f"{top['Share (%)']:.1f}%"
    assert f"n = {top['n (all comments)']:,}" in card.help
    # The share the page shows is the count of tagged comments over the comments that month.
    assert top["Share (%)"] == round(100 * top["Comments with theme"] / top["n (all comments)"], 1)


def test_an_analyst_edits_a_theme_and_only_it_is_tagged_again(demo_copy):
    person = query(demo_copy, "SELECT min(person_id) FROM people")[0][0]
    at = open_page("pages/themes.py", person_id=person, themes_section="Theme list")
    before = dict(query(demo_copy, "SELECT theme_id, max(run_id) FROM comment_themes GROUP BY 1"))
    theme_id = query(demo_copy, "SELECT theme_id FROM themes WHERE name = 'Fly-tipping'")[0][0]
    at.selectbox(key="themes_edit_pick").set_value(theme_id).run()
    at.text_area(key=f"theme-{theme_id}-phrases").set_value("fly-tip*\nflytip*").run()
    at.button(key=f"theme-{theme_id}-save").click().run()
    assert not at.exception
    assert "Theme saved" in " ".join(s.value for s in at.success)
    after = dict(query(demo_copy, "SELECT theme_id, max(run_id) FROM comment_themes GROUP BY 1"))
    changed = {t for t in after if after[t] != before.get(t)}
    assert changed == {theme_id}
    versions = query(demo_copy, "SELECT DISTINCT theme_version FROM comment_themes WHERE theme_id = ?",
                     [theme_id])
    assert versions == [(2,)]


SECTION_HEADERS = {"By group": "By service, survey and score", "Example comments": "Example comments",
                   "Sentiment": "Sentiment beside the score", "Theme list": "The theme list",
                   "Suggestions": "Suggested themes", "You said, we did": "You said, we did"}


def section_headers(at) -> list[str]:
    """The section headings on the page, each without the period some of them end with."""
    return [start for h in at.header for start in SECTION_HEADERS.values() if h.value.startswith(start)]


def test_only_the_chosen_section_is_drawn_and_a_typed_theme_survives_a_look_at_another(demo_copy):
    person = query(demo_copy, "SELECT min(person_id) FROM people")[0][0]
    at = open_page("pages/themes.py", person_id=person)
    assert section_headers(at) == ["By service, survey and score"]
    assert not at.text_area, "no form is drawn before its section is opened"
    for section, header in SECTION_HEADERS.items():
        at.session_state["themes_section"] = section
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert section_headers(at) == [header], section
    # Opened once, the theme form is drawn on every section, so what was typed and not saved is
    # still in the browser after a look at another (tests/browser/test_tabs.py does this typing
    # on the Roadmap in a real browser).
    at.session_state["themes_section"] = "Sentiment"
    at.run()
    assert [t.key for t in at.text_input] == ["theme-None-name"]
    assert section_headers(at) == ["Sentiment beside the score"]


def test_the_sentiment_section_counts_what_the_store_counts(demo_copy):
    db = Database(demo_copy)
    try:
        by_score = db.store().theme_reports.sentiment_by_score(Slice(), (), negative=sentiment.NEGATIVE,
                                                              positive=sentiment.POSITIVE)
    finally:
        db.close()
    at = open_page("pages/themes.py", themes_section="Sentiment")
    shown = [d.value for d in at.dataframe if "NPS answer" in d.value.columns][0]
    assert shown["Comments (n)"].tolist() == by_score["comments"].tolist()
    assert shown["▼ Negative comments"].tolist() == by_score["negative"].tolist()


@pytest.mark.parametrize("grouping, columns", [("nps_group", ("Theme", "Detractors with theme")),
                                                ("service", ("Service", "Theme")),
                                                ("source", ("Survey", "Theme"))])
def test_the_group_section_shows_the_chosen_grouping(demo_copy, grouping, columns):
    at = open_page("pages/themes.py", view_themes_grouping=grouping)
    assert [m.value for m in at.segmented_control if m.label == "Compare"] == [grouping]
    tables = [d.value for d in at.dataframe if tuple(d.value.columns[:2]) in
              {("Theme", "Detractors with theme"), ("Service", "Theme"), ("Survey", "Theme")}]
    assert [tuple(t.columns[:2]) for t in tables] == [columns]
