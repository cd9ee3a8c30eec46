"""The board pack as a PowerPoint file: one slide per section, native charts and tables.

Charts are PowerPoint chart objects (their numbers stay editable and readable by a
screen reader), lines are told apart by dash and marker as well as shade, so they
survive greyscale print. All text is text; python-pptx writes it as literal XML
text, so nothing a person typed is interpreted. Every slide carries the pack's
footer (council, meeting, date) and its number.
"""

from __future__ import annotations

import io
import math

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE, XL_TICK_LABEL_POSITION
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Emu, Inches, Pt

from cx.pack.model import Chart, Pack, Section, Table

WIDTH, HEIGHT = 13.333, 7.5  # inches, 16:9
MARGIN = 0.5
CONTENT_BOTTOM = 6.85
TEXT = RGBColor(0x0B, 0x0C, 0x0C)
_DASH = {"solid": MSO_LINE_DASH_STYLE.SOLID, "dash": MSO_LINE_DASH_STYLE.DASH,
         "dot": MSO_LINE_DASH_STYLE.ROUND_DOT}
_SHADE = {"solid": RGBColor(0x00, 0x00, 0x00), "dash": RGBColor(0x55, 0x55, 0x55),
          "dot": RGBColor(0x00, 0x5E, 0xA5)}


def pptx_bytes(pack: Pack) -> bytes:
    """The pack as the bytes of a .pptx file."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(WIDTH), Inches(HEIGHT)
    deck.core_properties.title = f"{pack.council}: {pack.meeting}"
    deck.core_properties.author = "PlaceCX"
    blank = deck.slide_layouts[6]
    for number, section in enumerate(pack.sections, start=1):
        slide = deck.slides.add_slide(blank)
        add_section(slide, section)
        _text_box(slide, f"{pack.footer} · slide {number} of {len(pack.sections)}",
                  MARGIN, 7.0, WIDTH - 2 * MARGIN, 0.35, size=11)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def add_section(slide, section: Section) -> None:
    """Title, sentences, then charts in a row and tables stacked under them."""
    size = 30 if section.key == "cover" else 26
    _text_box(slide, section.title, MARGIN, 0.3, WIDTH - 2 * MARGIN, 0.8, size=size, bold=True)
    top = 1.15
    if section.lines:
        body = 20 if section.key == "cover" else 13
        height = _lines_height(section.lines, body)
        _text_box(slide, "\n".join(section.lines), MARGIN, top, WIDTH - 2 * MARGIN, height, size=body)
        top += height + 0.1
    room = CONTENT_BOTTOM - top
    width = WIDTH - 2 * MARGIN
    size, heights = _fit_tables(section.tables, width, room * (0.4 if section.charts else 1.0))
    if section.charts:
        chart_height = room - sum(map(sum, heights)) - 0.15 * (len(heights) + 1)
        chart_width = (width - 0.2 * (len(section.charts) - 1)) / len(section.charts)
        for index, chart in enumerate(section.charts):
            add_chart(slide, chart, MARGIN + index * (chart_width + 0.2), top, chart_width, chart_height)
        top += chart_height + 0.15
    for table, row_heights in zip(section.tables, heights, strict=True):
        add_table(slide, table, MARGIN, top, width, row_heights, size)
        top += sum(row_heights) + 0.15


def _fit_tables(tables: tuple[Table, ...], width: float, room: float) -> tuple[int, list[list[float]]]:
    """The largest font size (12 down to 9 pt) at which every table fits in `room` inches, and each
    table's row heights at that size (rows grow in PowerPoint when their text wraps, so they are
    measured here rather than left to overlap the next table)."""
    for size in (12, 11, 10, 9):
        heights = [_row_heights(t, width, size) for t in tables]
        if sum(map(sum, heights)) + 0.15 * len(tables) <= room:
            return size, heights
    return 9, heights


def _row_heights(table: Table, width: float, size: int) -> list[float]:
    weights = table.widths or (1.0,) * len(table.columns)
    columns = [width * w / sum(weights) for w in weights]
    heights = []
    for row in (table.columns, *table.rows):
        lines = max(sum(max(1, math.ceil(len(part) * size * 0.52 / 72 / max(0.2, column - 0.2)))
                        for part in str(text).split("\n"))
                    for text, column in zip(row, columns, strict=True))
        heights.append(lines * size * 1.2 / 72 + 0.12)
    return heights


def add_chart(slide, chart: Chart, left: float, top: float, width: float, height: float) -> None:
    """A line chart with markers on the figure, dashed interval lines and a dotted target."""
    data = CategoryChartData()
    data.categories = [c.split(" ")[0][:3] for c in chart.categories]  # 'Nov'; the span is the axis title
    for series in chart.series:
        data.add_series(series.name, list(series.values), number_format="0.0")
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Inches(left), Inches(top), Inches(width),
                                   Inches(height), data)
    frame.name = chart.title
    drawn = frame.chart
    drawn.has_title = True
    drawn.chart_title.text_frame.text = chart.title
    drawn.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    drawn.has_legend = True
    drawn.legend.position = XL_LEGEND_POSITION.BOTTOM
    drawn.legend.include_in_layout = False
    drawn.legend.font.size = Pt(10)
    axis = drawn.value_axis
    axis.has_title = True
    axis.axis_title.text_frame.text = chart.axis_title
    axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(10)
    axis.tick_labels.font.size = Pt(10)
    months = drawn.category_axis
    months.tick_labels.font.size = Pt(10)
    months.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # under the plot, even below zero
    if chart.categories:
        months.has_title = True
        months.axis_title.text_frame.text = f"Months, {chart.categories[0]} to {chart.categories[-1]}"
        months.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(10)
    for plotted, series in zip(drawn.plots[0].series, chart.series, strict=True):
        plotted.smooth = False
        line = plotted.format.line
        line.color.rgb = _SHADE[series.style]
        line.width = Pt(2.5 if series.style == "solid" else 1.5)
        line.dash_style = _DASH[series.style]
        plotted.marker.style = XL_MARKER_STYLE.CIRCLE if series.marker else XL_MARKER_STYLE.NONE
        if series.marker:
            plotted.marker.size = 7
            plotted.marker.format.fill.solid()
            plotted.marker.format.fill.fore_color.rgb = _SHADE[series.style]


def add_table(slide, table: Table, left: float, top: float, width: float, row_heights: list[float],
              size: int) -> None:
    """A table with a header row; filled cells keep their words, so the fill is never the only signal."""
    rows, cols = len(table.rows) + 1, len(table.columns)
    shape = slide.shapes.add_table(rows, cols, Inches(left), Inches(top), Inches(width),
                                   Inches(sum(row_heights)))
    grid = shape.table
    weights = table.widths or (1.0,) * cols
    for index, weight in enumerate(weights):
        grid.columns[index].width = Emu(int(Inches(width) * weight / sum(weights)))
    for index, height in enumerate(row_heights):
        grid.rows[index].height = Inches(height)
    for c, name in enumerate(table.columns):
        _cell_text(grid.cell(0, c), name, size, bold=True)
    for r, row in enumerate(table.rows, start=1):
        fills = table.fills[r - 1] if table.fills else (None,) * cols
        for c, value in enumerate(row):
            cell = grid.cell(r, c)
            _cell_text(cell, value, size)
            if fills[c]:
                cell.fill.solid()
                cell.fill.fore_color.rgb = RGBColor.from_string(fills[c].lstrip("#"))
                cell.text_frame.paragraphs[0].runs[0].font.color.rgb = TEXT


def _cell_text(cell, text: str, size: int, bold: bool = False) -> None:
    cell.text = text
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    for paragraph in cell.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold


def _text_box(slide, text: str, left: float, top: float, width: float, height: float, *, size: int,
              bold: bool = False) -> None:
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = TEXT


def _lines_height(lines: tuple[str, ...], size: int) -> float:
    per_line = int((WIDTH - 2 * MARGIN) * 72 / (size * 0.5))  # characters that fit on one line
    count = sum(max(1, math.ceil(len(line) / per_line)) for line in lines)
    return count * size * 1.25 / 72 + 0.1
