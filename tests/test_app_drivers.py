"""The Key drivers page shows the shares computed independently from the demo's raw responses."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from cx.demo_facets import PLANTED_LOADINGS

from .apptest import messages, open_page, query, table
from .test_drivers import brute_force_shapley


def raw_answers(path, outcome: str, start: date, end: date) -> tuple[np.ndarray, np.ndarray]:
    """Every complete response in the window, read straight from the table (no grouping)."""
    names = list(PLANTED_LOADINGS)
    facets = ", ".join("CAST(extra[?] AS DOUBLE)" for _ in names)
    rows = query(path, f"SELECT {outcome}, {facets} FROM responses WHERE {outcome} IS NOT NULL "
                       "AND completed_at >= ? AND completed_at < ? "
                       "AND " + " AND ".join("extra[?] IS NOT NULL" for _ in names),
                 [*names, start, end + timedelta(days=1), *names])
    data = np.array(rows, dtype=float)
    return data[:, 0], data[:, 1:]


@pytest.mark.parametrize("outcome", ["csat", "nps"])
def test_page_shows_the_shapley_shares_of_the_raw_answers(demo_copy, outcome):
    at = open_page("pages/drivers.py", **({"drivers-outcome": "nps"} if outcome == "nps" else {}))
    newest = query(demo_copy, "SELECT max(completed_at) FROM responses")[0][0].date()
    y, x = raw_answers(demo_copy, outcome, date(newest.year - 1, newest.month, 1), newest)
    truth = brute_force_shapley(y, x)
    shares = dict(zip(PLANTED_LOADINGS, 100 * truth / truth.sum(), strict=True))

    shown = table(at, "Rank", "Facet", "Share of explained variation (%)")
    assert shown["Facet"].tolist() == list(PLANTED_LOADINGS)  # the planted order
    for facet, share in zip(shown["Facet"], shown["Share of explained variation (%)"], strict=True):
        assert share == pytest.approx(round(shares[facet], 1), abs=0.051)
    assert set(shown["n"]) == {len(y)}
    assert (shown["95% interval, low (%)"] <= shown["Share of explained variation (%)"]).all()
    assert (shown["Share of explained variation (%)"] <= shown["95% interval, high (%)"]).all()
    top = shares["Being kept informed"]
    sentence = [m for m in messages(at.markdown) if m.startswith("Being kept informed matters most")]
    assert len(sentence) == 1 and f"accounts for {top:.0f}% of what the facets explain" in sentence[0]
    assert f"from {len(y):,} answers" in sentence[0]


def test_the_choices_are_drawn_when_opened_and_said_in_words_when_closed(demo_copy):
    newest = query(demo_copy, "SELECT max(completed_at) FROM responses")[0][0].date()
    two = list(PLANTED_LOADINGS)[:2]
    at = open_page("pages/drivers.py", view_drivers_facets=two)
    assert not at.multiselect and not at.date_input
    first = date(newest.year - 1, newest.month, 1)
    words = (f"Showing: CSAT explained by 2 facets ({', '.join(two)}); completed {first.day} {first:%B %Y} "
             f"to {newest.day} {newest:%B %Y}; every service.")
    assert words in messages(at.caption)
    assert table(at, "Rank", "Facet")["Facet"].tolist() == sorted(two, key=list(PLANTED_LOADINGS).index)
    at.session_state["drivers_choices"] = True
    at.run()
    assert [m.value for m in at.multiselect if m.label == "Facets to compare"] == [two]
