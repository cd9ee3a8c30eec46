"""The roadmap's charts: statuses carry symbols and words, titles are escaped, today is marked."""

from datetime import date

import pandas as pd

from cx import charts, roadmap

from .test_roadmap import PLAN, TODAY


def test_progress_chart_has_one_trace_per_status_named_with_symbol_and_word():
    fig = charts.roadmap_progress(roadmap.progress(PLAN, "stage"), "Actions by stage", "Stage")
    assert [t.name for t in fig.data] == ["○ Not started", "◑ In progress", "● Done", "⊘ Blocked"]
    assert len({t.marker.pattern.shape for t in fig.data}) == 4
    done = fig.data[2]
    assert list(done.x) == [1, 0, 0] and list(done.text) == ["● 1", "", ""]
    assert fig.layout.xaxis.title.text == "Actions" and fig.layout.yaxis.title.text == "Stage"


def test_timeline_marks_today_escapes_titles_and_flags_critical_actions():
    actions = PLAN.assign(title=["<b>Survey</b> customers", *PLAN["title"][1:]])
    flags = pd.Series(["! Critical focus: Data", "", "", "", ""], index=actions.index)
    fig = charts.roadmap_timeline(actions, "Timeline", start=date(2026, 1, 1), end=date(2029, 12, 31),
                                  today=TODAY, flags=flags)
    labels = [label for trace in fig.data for label in trace.y]
    assert "! &lt;b&gt;Survey&lt;/b&gt; customers (#1)" in labels
    assert all("<b>" not in label for label in labels)
    assert fig.layout.yaxis.categoryarray[:3] == (
        "! &lt;b&gt;Survey&lt;/b&gt; customers (#1)", "Fix the worst pain points (#2)",
        "Publish our promise (#3)")
    assert fig.layout.shapes[0].x0 == TODAY.isoformat()
    assert fig.layout.annotations[0].text == "Today, 15 Nov 2026"
    done = next(t for t in fig.data if t.name == "● Done")
    # Survey customers: 1 January to 31 March 2026 inclusive is 90 days.
    assert done.base[0] == "2026-01-01" and done.x[0] == 90 * 86_400_000
