"""cx.figure_svg draws PlaceCX's figures as SVG: every value where its axis says, text only as text."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx import assessment, case_stats, charts, evidence_charts, theme_trends
from cx.figure_svg import Unsupported, figure_svg
from cx.framework import BLOCKS, STAGES
from cx.roadmap import STATUSES

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'Bins <b>bold</b> & "quotes"\n\n**stars** :red[x] $y$'


def parse(fig) -> ET.Element:
    text = figure_svg(fig, ident="t")
    assert "\n" not in text
    return ET.fromstring(text)


def series(svg: ET.Element) -> dict[str, list[tuple[str, float, float]]]:
    """Each series: (data-x, data-y, drawn pixel y) of every mark, in drawing order."""
    found = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("data-series") is None:
            continue
        marks = []
        for mark in group.iter(f"{SVG}g"):
            if mark.get("data-y") is None:
                continue
            shape = next(e for e in mark if e.tag != f"{SVG}title")
            marks.append((mark.get("data-x"), float(mark.get("data-y")), _pixel_y(shape)))
        found[group.get("data-series")] = marks
    return found


def _pixel_y(shape: ET.Element) -> float:
    if shape.tag == f"{SVG}circle":
        return float(shape.get("cy"))
    if shape.tag == f"{SVG}rect":
        return float(shape.get("y"))
    return float(shape.get("points", "0,0").split()[0].split(",")[1]) if shape.get("points") else 0.0


def texts(svg: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in svg.iter() if e.tag in (f"{SVG}text", f"{SVG}tspan")]


def months(count: int) -> pd.DatetimeIndex:
    return pd.date_range("2025-01-01", periods=count, freq="MS")


def trend_table(values: list[float | None], n: int = 100) -> pd.DataFrame:
    periods = months(len(values))
    table = pd.DataFrame({"period": periods, "Period": [p.strftime("%B %Y") for p in periods],
                          "value": values, "n": n})
    table["low"], table["high"] = table["value"] - 3, table["value"] + 3
    table["reliable"] = table["value"].notna()
    return table


def test_a_trend_is_drawn_with_its_values_band_and_target():
    table = trend_table([60.0, 62.5, 70.0, 65.0])
    svg = parse(charts.trend_chart(table, "CSAT", "Per cent", 90.0, 30))
    line = series(svg)["CSAT"]
    assert [y for _, y, _ in line] == [60.0, 62.5, 70.0, 65.0]
    # Higher values sit higher on the page, in proportion.
    pixels = [p for _, _, p in line]
    assert pixels[2] < pixels[3] < pixels[1] < pixels[0]
    assert (pixels[0] - pixels[1]) / 2.5 == pytest.approx((pixels[1] - pixels[2]) / 7.5, rel=0.02)
    assert "Target 90" in " ".join(texts(svg))
    assert svg.find(f"{SVG}title").text == "CSAT by period, with 95% intervals"
    assert len(svg.findall(f".//{SVG}polygon")) == 1  # the 95% band
    tooltip = line[0]
    assert tooltip[0].startswith("2025-01-01")
    tips = [t.text for t in svg.iter(f"{SVG}title")]
    assert "January 2025: 60.0, n = 100" in tips


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(min_value=-50, max_value=150, allow_nan=False)),
                min_size=1, max_size=30))
def test_every_value_is_drawn_once_in_order_at_its_height(values):
    table = trend_table(values)
    svg = parse(charts.trend_chart(table, "Score", "Points", None, 1))
    drawn = series(svg).get("Score", [])
    assert [y for _, y, _ in drawn] == [v for v in values if v is not None]
    assert [x[:10] for x, _, _ in drawn] == [str(p.date()) for p, v in zip(table["period"], values,
                                                                            strict=True) if v is not None]
    for (_, a, pa), (_, b, pb) in zip(drawn, drawn[1:], strict=False):
        assert (a > b) == (pa < pb - 1e-6) or abs(a - b) < 1e-3 or abs(pa - pb) < 0.11


def test_bars_start_at_zero_and_have_lengths_in_proportion():
    frame = pd.DataFrame({"period": months(3), "responses": [100, 300, 200]})
    svg = parse(charts.response_volume(frame))
    bars = {int(float(y)): mark for y, mark in
            ((m.get("data-y"), m.find(f"{SVG}rect")) for m in svg.iter(f"{SVG}g") if m.get("data-y"))}
    heights = {value: float(rect.get("height")) for value, rect in bars.items()}
    assert heights[300] / heights[100] == pytest.approx(3, rel=0.01)
    bottoms = {round(float(r.get("y")) + float(r.get("height")), 1) for r in bars.values()}
    assert len(bottoms) == 1  # every bar stands on the same zero line


def test_stacked_bars_add_up_per_row_and_keep_the_first_row_on_top():
    table = pd.DataFrame({"label": ["Fix the basics", "Deliver consistently"]})
    for index, status in enumerate(STATUSES):
        table[status.code] = [index + 1, 2]
    table["total"] = table[[s.code for s in STATUSES]].sum(axis=1)
    svg = parse(charts.roadmap_progress(table, "Actions by stage", "Stage"))
    rows: dict[str, list[ET.Element]] = {}
    for mark in svg.iter(f"{SVG}g"):
        if mark.get("data-y") is not None:
            rows.setdefault(mark.get("data-y"), []).append(mark.find(f"{SVG}rect"))
    widths = {label: sum(float(r.get("width")) for r in rects) for label, rects in rows.items()}
    first, second = (widths[label] for label in ("Fix the basics", "Deliver consistently"))
    assert first / second == pytest.approx(table["total"][0] / table["total"][1], rel=0.01)
    # Each bar starts where the one before it in its row ends, from the same zero line.
    starts = set()
    for rects in rows.values():
        spans = sorted((float(r.get("x")), float(r.get("x")) + float(r.get("width"))) for r in rects)
        starts.add(round(spans[0][0], 1))
        for (_, end), (begin, _) in itertools.pairwise(spans):
            assert begin == pytest.approx(end, abs=0.2)  # coordinates are written to 0.1 px
    assert len(starts) == 1
    tops = {label: min(float(r.get("y")) for r in rects) for label, rects in rows.items()}
    assert tops["Fix the basics"] < tops["Deliver consistently"]
    legend = " ".join(texts(svg))
    assert all(status.tag in legend for status in STATUSES)


def test_error_whiskers_span_the_interval():
    table = pd.DataFrame({"group": ["Waste"], "n": [300], "value": [70.0], "low": [60.0], "high": [80.0],
                          "reliable": [True]})
    svg = parse(charts.breakdown_chart(table, "CSAT", "Service", "Per cent"))
    bar = next(m.find(f"{SVG}rect") for m in svg.iter(f"{SVG}g") if m.get("data-x"))
    zero, end = float(bar.get("x")), float(bar.get("x")) + float(bar.get("width"))
    whisker = next(p for p in svg.iter(f"{SVG}path") if p.get("d", "").startswith("M"))
    start, stop = _whisker_ends(whisker.get("d"))
    per_point = (end - zero) / 70
    assert start == pytest.approx(zero + 60 * per_point, abs=0.2)
    assert stop == pytest.approx(zero + 80 * per_point, abs=0.2)


def _whisker_ends(d: str) -> tuple[float, float]:
    """The two x ends of a horizontal whisker path 'M{a} {y}H{b}...'."""
    start = float(d[1:].split(" ")[0])
    stop = float(d.split("H")[1].split("M")[0])
    return start, stop


def test_the_team_heat_map_keeps_every_cell_its_words_and_its_comments():
    rows = [{"block": b.code, "stage": s.code, "rater": rater, "level": level, "comment": comment,
             "evidence": ""}
            for b in BLOCKS for s in STAGES
            for rater, level, comment in (("Ann", "critical", HOSTILE), ("Bo", "strength", ""))]
    svg = parse(charts.heat_map(assessment.summarise(pd.DataFrame(rows)), "Team heat map: Q1"))
    cells = [m for m in svg.iter(f"{SVG}g") if m.find(f"{SVG}rect") is not None and m.find(f"{SVG}title")
             is not None]
    assert len(cells) == len(BLOCKS) * len(STAGES)
    words = " ".join(texts(svg))
    assert words.count("views differ") >= len(BLOCKS) * len(STAGES)
    assert all(stage.label in words for stage in STAGES)
    tips = " ".join(t.text for t in svg.iter(f"{SVG}title"))
    assert "Bins <b>bold</b>" in tips  # a comment is shown as the characters typed


def test_typed_names_stay_text():
    table = pd.DataFrame({"Theme": [HOSTILE] * 2 + ["Speed"] * 2, "period": list(months(2)) * 2,
                          "Period": ["a", "b"] * 2, "Share (%)": [10.0, 12, 20, 22],
                          "Low (%)": [8.0, 10, 18, 20], "High (%)": [12.0, 14, 22, 24],
                          "n (all comments)": [50] * 4})
    svg = parse(theme_trends.trend_figure(table))
    flat = HOSTILE.replace("\n", " ")
    assert any(" ".join(flat.split()) in " ".join(t.split()) for t in texts(svg))
    assert not [e for e in svg.iter() if e.tag.rsplit("}", 1)[-1] in ("b", "script", "a", "foreignObject")]
    assert set(series(svg)) == {HOSTILE, "Speed"}


def test_every_chart_a_page_opens_with_is_drawn_without_plotly():
    """The figures on each page's first view (the others may use Plotly in a later tab)."""
    volume = pd.DataFrame({"period": months(2), "responses": [5, 6]})
    counts = pd.DataFrame({"month": [date(2025, 1, 1), date(2025, 2, 1)], "cases": [10, 20],
                           "decided": [9, 18], "within_standard": [8, 15]})
    drivers = pd.DataFrame({"Facet": ["Speed"], "Share of explained variation (%)": [60.0],
                            "95% interval, low (%)": [50.0], "95% interval, high (%)": [70.0]})
    curve = pd.DataFrame({"version": ["As is"] * 2, "position": [1, 2], "stage": ["a", "b"],
                          "emotion_score": [1, None], "feeling": ["", ""], "pain_point": [False, True],
                          "pain_points": ["", "x"]})
    shares = case_stats.with_share(counts, 5)["value"].tolist()
    expected = [
        (charts.response_volume(volume), {"Responses": [("2025-01-01", 5.0), ("2025-02-01", 6.0)]}),
        (charts.emotion_curve(curve), {"As is": [("1", 1.0)]}),  # the unscored step is a gap
        (evidence_charts.drivers_chart(drivers, "CSAT", 100, True), {"": [("60.0", "Speed")]}),
        (case_stats.month_chart(counts, "10 working days", 5),
         {case_stats.SHARE_LABEL: [("2025-01-01", shares[0]), ("2025-02-01", shares[1])]}),
    ]
    for fig, drawn in expected:
        assert marks(parse(fig)) == drawn


def marks(svg: ET.Element) -> dict[str, list[tuple]]:
    """Each series' marks as (x, y): dates cut to the day, numbers as floats, categories as text."""
    def value(text: str):
        try:
            return float(text)
        except ValueError:
            return text[:10]
    found = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("data-series") is not None:
            found[group.get("data-series")] = [
                (mark.get("data-x")[:10], value(mark.get("data-y")))
                for mark in group.iter(f"{SVG}g") if mark.get("data-y") is not None]
    return {name: points for name, points in found.items() if points}


def test_figures_beyond_its_reach_are_left_to_plotly():
    rows = [{"block": b.code, "stage": s.code, "rater": rater, "level": "critical", "comment": "",
             "evidence": ""} for b in BLOCKS for s in STAGES for rater in ("Ann", "Bo")]
    hours = pd.DataFrame({"Day": ["Monday"], "Hour": [9], "value": [50.0], "n": [40], "reliable": [True]})
    for fig in (charts.rater_maps(pd.DataFrame(rows), "Each rater"),
                charts.weekday_hour_chart(hours, "CSAT", 30)):
        with pytest.raises(Unsupported):
            figure_svg(fig)


def test_a_gap_in_the_data_breaks_the_line():
    svg = parse(charts.trend_chart(trend_table([50.0, np.nan, 55.0, 56.0]), "X", "Y", None, 1))
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("data-series") == "X")
    assert len(group.findall(f"{SVG}polyline")) == 1  # 55 to 56; 50 stands alone
    assert len(series(svg)["X"]) == 3
