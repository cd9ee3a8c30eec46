"""Colours carry meaning only alongside words, but must still be legible and distinct on their own."""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path

import pytest

from cx.charts import INK, PALETTE
from cx.framework import LEVELS
from cx.roadmap import STATUSES

from .colour import (
    DARK_BACKGROUND,
    DARK_FIELD,
    DARK_SIDEBAR,
    LIGHT_BACKGROUND,
    LIGHT_SIDEBAR,
    SIMULATIONS,
    contrast_ratio,
    difference_seen_with,
    parse_colour,
)


def test_contrast_ratio_matches_known_values():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


def test_parse_colour_reads_hex_and_css_rgb():
    assert parse_colour("#1d70b8") == (29, 112, 184)
    assert parse_colour("rgb(49, 51, 63)") == (49, 51, 63)
    assert parse_colour("rgba(250, 250, 250, 0.6)") == (250, 250, 250)
    with pytest.raises(ValueError):
        parse_colour("red")


@pytest.mark.parametrize("background", [LIGHT_BACKGROUND, DARK_BACKGROUND])
@pytest.mark.parametrize("colour", [*PALETTE, INK])
def test_chart_marks_stand_out_from_both_page_backgrounds(colour, background):
    assert contrast_ratio(colour, background) >= 3.0


@pytest.mark.parametrize("deficiency", SIMULATIONS)
def test_series_colours_stay_apart_with_each_colour_vision_deficiency(deficiency):
    for first, second in itertools.combinations(PALETTE, 2):
        assert difference_seen_with(first, second, deficiency) >= 10, (first, second, deficiency)


def test_simulation_merges_red_and_green_for_deuteranopes_but_not_blue_and_orange():
    """The simulation itself can fail: the classic confusable pair comes out close."""
    assert difference_seen_with("#FF0000", "#00A000", "deuteranopia") < \
        difference_seen_with("#0072B2", "#D55E00", "deuteranopia")
    assert difference_seen_with("#8C8C00", "#A05A00", "deuteranopia") < 10


@pytest.mark.parametrize("level", LEVELS, ids=lambda level: level.code)
def test_heat_map_cell_text_is_readable_on_its_fill(level):
    assert contrast_ratio(level.text_colour, level.fill) >= 4.5


@pytest.mark.parametrize("status", STATUSES, ids=lambda status: status.code)
def test_roadmap_bar_labels_are_readable_on_their_fill(status):
    assert contrast_ratio("#000000", status.fill) >= 4.5


ROOT = Path(__file__).resolve().parents[1]
THEME = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
FOCUS_CSS = (ROOT / "cx_ui" / "focus.css").read_text(encoding="utf-8")


@pytest.mark.parametrize(("theme", "backgrounds"), [("light", [LIGHT_BACKGROUND, LIGHT_SIDEBAR]),
                                                    ("dark", [DARK_BACKGROUND, DARK_SIDEBAR, DARK_FIELD])])
def test_primary_colour_carries_white_text_and_stands_out_as_a_mark(theme, backgrounds):
    """Streamlit writes white on the primary colour (primary buttons, multiselect chips),
    and draws the selected tab's bar, checked boxes and field borders in it."""
    primary = THEME[theme]["primaryColor"]
    assert contrast_ratio("#FFFFFF", primary) >= 4.5
    for background in backgrounds:
        assert contrast_ratio(primary, background) >= 3.0, background


def test_focus_ring_has_one_colour_that_stands_out_on_every_background():
    """The ring is drawn outside the control, on the page, the sidebar or a field's background."""
    rings = set(re.findall(r"outline: 3px solid (#[0-9a-fA-F]{6})", FOCUS_CSS))
    assert len(rings) == 1
    ring = rings.pop()
    for background in (LIGHT_BACKGROUND, LIGHT_SIDEBAR, DARK_BACKGROUND, DARK_SIDEBAR, DARK_FIELD):
        assert contrast_ratio(ring, background) >= 3.0, background
