"""The Themes page shows the figures the store counts, and saves a theme edit for an analyst."""

from __future__ import annotations

import pytest

from cx import theme_trends
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
    at = open_page("pages/themes.py", person_id=person)
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
