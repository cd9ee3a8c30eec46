"""The headline card's line: every value drawn once, in order, at a height that orders as the values do."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cx.sparkline import HEIGHT, WIDTH, sparkline_svg


def drawn_points(svg: str) -> list[tuple[float, float]]:
    points = re.search(r'points="([^"]+)"', svg).group(1)
    return [tuple(map(float, p.split(","))) for p in points.split()]


@given(st.lists(st.floats(min_value=-100, max_value=100, allow_nan=False), min_size=2, max_size=24))
def test_every_value_is_a_point_left_to_right_and_higher_values_sit_higher(values):
    points = drawn_points(sparkline_svg(values))
    assert len(points) == len(values)
    xs = [x for x, _ in points]
    assert xs == sorted(xs) and xs[0] >= 0 and xs[-1] <= WIDTH
    assert all(0 <= y <= HEIGHT for _, y in points)
    for (_, y1), v1 in zip(points, values, strict=True):
        for (_, y2), v2 in zip(points, values, strict=True):
            if v1 > v2:
                assert y1 <= y2 + 0.1001  # SVG y grows downwards; points are written to 0.1


def test_the_line_is_hidden_from_screen_readers_and_takes_the_text_colour():
    svg = sparkline_svg([70, 72, 74])
    assert 'aria-hidden="true"' in svg and 'stroke="currentColor"' in svg
    assert drawn_points(svg)[0][1] > drawn_points(svg)[-1][1]  # rising: the last point is higher


def test_fewer_than_two_values_draw_nothing():
    assert sparkline_svg([]) == "" and sparkline_svg([5.0]) == ""
