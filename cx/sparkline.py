"""The small line on a headline card: a measure's last months, drawn as SVG on the server.

Streamlit's own card line is a Vega chart whose 775 KB of browser code a new session
has to fetch and compile before the Overview is drawn; this is a few hundred bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

WIDTH = 240
HEIGHT = 44
_PAD = 4


def sparkline_svg(values: Sequence[float]) -> str:
    """A line through `values` (oldest first) stretched to fill its box, HEIGHT pixels high and as wide
    as the card; an empty string for fewer than two values.

    The line is hidden from screen readers (aria-hidden): it carries no figure of its
    own, the card's help says what it shows, and the page's table of the last months
    holds every value. Its colour is the text's, so it reads in light and dark themes.
    """
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * _PAD) / (len(values) - 1)
    points = [(_PAD + i * step, _PAD + (high - v) * (HEIGHT - 2 * _PAD) / span) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
            f'height="{HEIGHT}" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
            f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="2" '
            'stroke-linejoin="round" vector-effect="non-scaling-stroke"/></svg>')
