"""The team heat map as a standalone SVG image, built here so it is the same on every machine.

Plotly's own image export needs a headless browser package (kaleido) that is not
part of PlaceCX; an SVG written by hand is deterministic, small, opens in any
browser and can be inserted into Word or PowerPoint. Every cell carries its level's
symbol and word as text, so the image reads in greyscale and when printed.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pandas as pd

from cx import assessment
from cx.framework import BLOCKS, LEVEL_BY_CODE, LEVELS, STAGES

FONT = "Arial, Helvetica, sans-serif"
LABEL_WIDTH = 300
CELL_WIDTH = 250
CELL_HEIGHT = 92
TOP = 110  # title and stage headings
MARGIN = 20


def team_map_svg(summary: pd.DataFrame, title: str, subtitle: str = "") -> str:
    """An SVG document of the team map from `cx.assessment.summarise(...)`.

    `title` and `subtitle` may hold user text (a round's name); they are escaped.
    """
    width = MARGIN * 2 + LABEL_WIDTH + CELL_WIDTH * len(STAGES)
    height = TOP + CELL_HEIGHT * len(BLOCKS) + 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#FFFFFF"/>',
        _text(MARGIN, 34, title, size=22, weight="bold"),
    ]
    if subtitle:
        parts.append(_text(MARGIN, 60, subtitle, size=15))
    for column, stage in enumerate(STAGES):
        x = MARGIN + LABEL_WIDTH + CELL_WIDTH * column + CELL_WIDTH / 2
        parts.append(_text(x, TOP - 14, stage.label, size=16, weight="bold", anchor="middle"))
    indexed = summary.set_index(["block", "stage"])
    for row, block in enumerate(BLOCKS):
        y = TOP + CELL_HEIGHT * row
        parts.append(_text(MARGIN, y + CELL_HEIGHT / 2 + 5, block.label, size=15))
        for column, stage in enumerate(STAGES):
            x = MARGIN + LABEL_WIDTH + CELL_WIDTH * column
            parts.extend(_cell(x, y, indexed.loc[(block.code, stage.code)]))
    key = " · ".join(level.tag for level in LEVELS)
    parts.append(_text(MARGIN, height - 52, f"Key: {key}", size=14))
    parts.append(_text(MARGIN, height - 30,
                       f"{assessment.DIFFER_MARK} views differ (dashed border). Numbers: raters choosing "
                       "each level. Team level: the median; an even split shows the more critical level.",
                       size=13))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _cell(x: float, y: float, row) -> list[str]:
    consensus = row["consensus"]
    level = LEVEL_BY_CODE[consensus] if isinstance(consensus, str) else None
    fill = level.fill if level else "#FFFFFF"
    colour = level.text_colour if level else "#000000"
    border = 'stroke="#000000" stroke-width="4" stroke-dasharray="10 6"' if row["views_differ"] \
        else 'stroke="#FFFFFF" stroke-width="4"'
    parts = [f'<rect class="cell" x="{x + 2}" y="{y + 2}" width="{CELL_WIDTH - 4}" '
             f'height="{CELL_HEIGHT - 4}" fill="{fill}" {border}/>']
    middle = x + CELL_WIDTH / 2
    if level is None:
        parts.append(_text(middle, y + CELL_HEIGHT / 2 + 5, "– Not rated", size=15, anchor="middle"))
        return parts
    lines = [(level.tag, 17, "bold"), (assessment.votes(row), 15, "normal")]
    if row["views_differ"]:
        lines.append((f"{assessment.DIFFER_MARK} views differ", 14, "normal"))
    first = y + CELL_HEIGHT / 2 - 10 * (len(lines) - 1) + 5
    for index, (text, size, weight) in enumerate(lines):
        parts.append(_text(middle, first + 21 * index, text, size=size, weight=weight,
                           anchor="middle", colour=colour))
    return parts


def _text(x: float, y: float, text: str, *, size: int, weight: str = "normal",
          anchor: str = "start", colour: str = "#000000") -> str:
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size}" font-weight="{weight}" '
            f'text-anchor="{anchor}" fill="{colour}">{escape(text)}</text>')
