"""The Trends page shows the numbers computed independently from a planted database."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from cx import measures
from cx.store import Database
from cx.store.uploads import UploadBatch

from .apptest import messages, metric, open_page


def planted_rows() -> list[dict]:
    """October 2026: Parking 320 of 400 satisfied, Highways 260 of 400 (a real gap); each service's
    answers split evenly between Phone and Online, so the channels are level. September: 300 of 400."""
    rows = []
    for service, satisfied in (("Parking", 320), ("Highways", 260)):
        for i in range(400):
            rows.append({"response_id": f"{service}-{i}", "completed_at": datetime(2026, 10, 1 + i % 28, 10),
                         "service": service, "channel": "Phone" if i % 2 else "Online",
                         "csat": 5 if i < satisfied else 2, "nps": 9 if i < satisfied else 3,
                         "comment": f"Comment {service} {i}" if i % 50 == 0 else None})
    for i in range(400):
        rows.append({"response_id": f"sep-{i}", "completed_at": datetime(2026, 9, 1 + i % 28, 10),
                     "service": "Parking" if i % 2 else "Highways", "channel": "Phone",
                     "csat": 5 if i < 300 else 1})
    return rows


@pytest.fixture
def planted(tmp_path, app_env):
    path = tmp_path / "planted.duckdb"
    db = Database(path)
    store = db.store()
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch("planted", datetime(2026, 11, 1), 0), "responses")
        store.uploads.insert_responses(batch, "planted", pd.DataFrame(planted_rows()))
        measures.save_target(store.surveys, "csat", "", 90, updated_by=None, now=datetime(2026, 11, 1))
    db.close()
    app_env(path)
    return path


def sentences(at) -> list[str]:
    return messages(at.markdown)


def test_headline_equals_the_planted_share_for_the_whole_council_and_for_one_service(planted):
    at = open_page("pages/trends.py")
    everyone = metric(at, "CSAT, October 2026")
    assert everyone.value == f"{100 * (320 + 260) / 800:.0f}%"
    assert any(s.startswith(f"Satisfaction (CSAT) in October 2026: {100 * 580 / 800:.0f}% (n = 800;")
               and "✗ off target (target 90% or more)" in s for s in sentences(at))

    # The filters are closed, so not drawn, and the words under them say what applies.
    assert not at.multiselect
    assert "Showing: Headline surveys; completed 1 October 2025 to 28 October 2026; every service, " \
           "channel, area and customer segment." in messages(at.caption)

    at = open_page("pages/trends.py", trends_service=["Parking"])
    parking = metric(at, "CSAT, October 2026")
    assert parking.value == f"{100 * 320 / 400:.0f}%"
    assert any(c.startswith("Showing: Headline surveys; completed") and "; Service: Parking; every channel, "
               "area and customer segment." in c for c in messages(at.caption))
    # Opened, the filters show the kept choice.
    at.session_state["trends_filters"] = True
    at.run()
    assert [w.value for w in at.multiselect if w.label == "Service"] == [["Parking"]]
    # September's Parking answers: the odd-numbered 200, of which those below 300 are satisfied.
    september = sum(1 for i in range(400) if i % 2 and i < 300)
    change = 100 * 320 / 400 - 100 * september / 200
    assert any("n = 400" in s and f"on September 2026 ({100 * september / 200:.0f}%, n = 200)" in s
               and f"{'up' if change > 0 else 'down'} {abs(change):.0f} points" in s for s in sentences(at))


def share_satisfied(**where) -> tuple[int, int]:
    """(% satisfied rounded, n) over the planted rows matching `where`, computed in pandas."""
    rows = pd.DataFrame(planted_rows())
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return round(100 * (rows["csat"] >= 4).mean()), len(rows)


def test_comparison_marks_the_planted_gap_and_not_the_level_channels(planted):
    at = open_page("pages/trends.py")
    (high, high_n), (park, park_n) = share_satisfied(service="Highways"), share_satisfied(service="Parking")
    assert any(s.startswith(f"CSAT: Highways {high}% (n = {high_n}) is {park - high} points lower than "
                            f"Parking {park}% (n = {park_n}); a statistically significant difference")
               for s in sentences(at))
    at.radio(key="widget_trends_compare").set_value("channel").run()
    assert not at.exception
    (online, online_n), (phone, phone_n) = share_satisfied(channel="Online"), share_satisfied(channel="Phone")
    verdicts = [s for s in sentences(at) if s.startswith("CSAT: Online")]
    assert len(verdicts) == 1 and f"Online {online}% (n = {online_n})" in verdicts[0]
    assert f"Phone {phone}% (n = {phone_n})" in verdicts[0]
    assert "not a statistically significant difference" in verdicts[0]


def test_comments_are_listed_unhappy_first_as_plain_text(planted):
    at = open_page("pages/trends.py", trends_section="What customers said")
    comments = [d.value for d in at.dataframe if "Comment" in d.value.columns][0]
    assert len(comments) == 16
    # Comments on answers 0, 50, ... 350: unhappy are Highways 300 and 350, Parking 350.
    assert comments["Unhappy"].tolist() == ["✗ unhappy"] * 3 + [""] * 13
    at.text_input(key="widget_trends_search").set_value("parking 350").run()
    comments = [d.value for d in at.dataframe if "Comment" in d.value.columns][0]
    assert comments["Comment"].tolist() == ["Comment Parking 350"]


def test_only_the_chosen_section_is_computed_and_it_shows_the_planted_figures(planted):
    at = open_page("pages/trends.py")
    assert [t.label for t in at.tabs][:2] == ["Compare", "Breakdowns"]
    assert not [d for d in at.dataframe if "Comment" in d.value.columns or d.value.columns[0] == "Service"]
    at.session_state["trends_section"] = "Breakdowns"  # as a click on the tab does
    at.run()
    assert not at.exception
    by_service = [d.value for d in at.dataframe if d.value.columns[0] == "Service"][0].set_index("Service")
    for service in ("Parking", "Highways"):
        share, n = share_satisfied(service=service)
        assert (by_service.loc[service, "Value"], by_service.loc[service, "n"]) == (f"{share}%", n)
    assert not [d for d in at.dataframe if "Comment" in d.value.columns]
