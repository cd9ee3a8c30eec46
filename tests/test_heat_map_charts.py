"""The framework's levels read without colour; the heat map chart and SVG image carry words."""

import itertools
import xml.etree.ElementTree as ET

import pytest

from cx import charts, framework
from cx.assessment import summarise
from cx.map_image import team_map_svg

from .test_assessment import ROUND, ratings

SVG = "{http://www.w3.org/2000/svg}"


def luminance(colour: str) -> float:
    """WCAG relative luminance of '#RRGGBB'."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    low, high = sorted((luminance(a), luminance(b)))
    return (high + 0.05) / (low + 0.05)


def test_framework_has_five_blocks_three_stages_three_levels_and_fifteen_cells():
    assert len(framework.BLOCKS) == 5 and len(framework.STAGES) == 3 and len(framework.LEVELS) == 3
    assert len(set(framework.CELLS)) == 15
    assert [s.order for s in framework.STAGES] == [1, 2, 3]
    assert framework.cell_label("employees", "basics") == "Employee empowerment – Fix the basics"
    for items in (framework.BLOCKS, framework.STAGES, framework.LEVELS):
        assert len({i.code for i in items}) == len(items)


def test_each_level_has_its_own_word_symbol_and_pattern():
    levels = framework.LEVELS
    for attribute in ("word", "symbol", "pattern", "fill"):
        assert len({getattr(lv, attribute) for lv in levels}) == 3, attribute
    assert [lv.tag for lv in levels] == ["✓ Strength", "◐ Some progress", "! Critical focus"]


def test_level_text_meets_wcag_aa_on_its_fill():
    for level in framework.LEVELS:
        assert contrast(level.fill, level.text_colour) >= 4.5, level.code


def test_levels_step_from_light_to_dark_so_they_read_in_greyscale():
    by_score = sorted(framework.LEVELS, key=lambda lv: -lv.score)
    grey = [luminance(lv.fill) for lv in by_score]
    assert grey == sorted(grey, reverse=True)
    for lighter, darker in itertools.pairwise(by_score):
        assert contrast(lighter.fill, darker.fill) >= 1.7, (lighter.code, darker.code)


HOSTILE = ratings(
    {"<b>Ann</b>": {("data", "basics"): "critical"}, "Ben": {("data", "basics"): "strength"}},
    comments={("<b>Ann</b>", "data", "basics"): "<script>alert(1)</script> & more"},
)


def test_heat_map_cells_carry_level_words_votes_and_the_disagreement_mark():
    summary = summarise(ROUND)
    fig = charts.heat_map(summary, "Team heat map: test")
    texts = [a.text for a in fig.layout.annotations]
    assert "<b>◐ Some progress</b><br>✓ 1 · ◐ 1 · ! 1<br>≠ views differ" in texts
    assert "<b>✓ Strength</b><br>✓ 3 · ◐ 0 · ! 0" in texts
    assert texts[-1].startswith("Key: ✓ Strength · ◐ Some progress · ! Critical focus")
    assert len(fig.layout.shapes) == int(summary["views_differ"].sum()) == 1
    assert fig.layout.title.text == "Team heat map: test"
    assert fig.layout.xaxis.title.text == "Roadmap stage" and fig.layout.yaxis.title.text == "Building block"
    assert fig.data[0].z[2][0] == 2  # data-driven, fix the basics: some progress


def test_hover_text_escapes_what_users_typed():
    fig = charts.heat_map(summarise(HOSTILE), "t")
    hover = fig.data[0].hovertext[2][0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in hover
    assert "<script>" not in hover and "<b>Ann</b>" not in hover
    rater_hover = charts.rater_maps(HOSTILE, "t").data[0].hovertext[2][0]
    assert "&lt;b&gt;Ann&lt;/b&gt;" in rater_hover and "<script>" not in rater_hover


def test_rater_maps_draw_one_small_map_per_rater_with_symbols():
    fig = charts.rater_maps(ROUND, "Each rater's own map")
    assert len(fig.data) == 3
    assert [a.text for a in fig.layout.annotations[:3]] == ["Ann", "Ben", "Cal"]
    assert fig.data[0].text[2][0] == "!"  # Ann rated data, fix the basics, a critical focus


def test_svg_image_is_deterministic_valid_and_readable_without_colour():
    summary = summarise(ROUND)
    svg = team_map_svg(summary, "Team map: Q1 <draft> & co", "3 raters")
    assert svg == team_map_svg(summary, "Team map: Q1 <draft> & co", "3 raters")
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Team map: Q1 <draft> & co"
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "cell"]
    assert len(cells) == 15
    assert sum(1 for r in cells if r.get("stroke-dasharray")) == 1
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("✓ Strength") == 1 and texts.count("◐ Some progress") == 13
    assert texts.count("! Critical focus") == 1
    assert "≠ views differ" in texts
    assert {r.get("fill") for r in cells} == {lv.fill for lv in framework.LEVELS}


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_presentation_scale_enlarges_the_map(scale):
    fig = charts.heat_map(summarise(ROUND), "t", scale=scale)
    assert fig.layout.height == int(620 * scale)
    assert fig.layout.annotations[0].font.size == round(14 * scale)
