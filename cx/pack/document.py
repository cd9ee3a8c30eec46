"""The board pack as a PDF: one landscape A4 page per section, vector charts, real text.

Text is set with reportlab's Paragraph, which reads a small markup language, so
every string is escaped first (`_para`): what a person typed is printed as typed.
Charts are reportlab drawings (lines, markers and strings), drawn without a
browser or the network; lines differ by dash and marker, so they read in
greyscale. The footer on every page names the council, the meeting and the date.
DejaVu Sans is used where the system has it, for the status symbols (✓ ◐ ● ⊘);
otherwise Helvetica, with the symbols spelled out.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable
from reportlab.platypus.flowables import KeepTogether

from cx.pack.model import Chart, Pack, Section, Table

PAGE = landscape(A4)
MARGIN = 1.5 * cm
_FONT_FILES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/DejaVuSans.ttf", "/Library/Fonts/DejaVuSans-Bold.ttf"),
)
_SPELLED = {"✓": "(yes)", "✗": "(no)", "◐": "(part)", "◑": "(part)", "●": "(done)", "○": "(open)",
            "⊘": "(blocked)", "⚠": "(!)", "→": "->", "−": "-", "–": "-", "·": "-"}
_DASH = {"solid": None, "dash": [6, 3], "dot": [1, 3]}
_SHADE = {"solid": colors.black, "dash": colors.Color(0.33, 0.33, 0.33), "dot": colors.HexColor("#005EA5")}


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans when a copy is found, else Helvetica."""
    if "PlaceCXSans" in pdfmetrics.getRegisteredFontNames():
        return "PlaceCXSans", "PlaceCXSans-Bold"
    for regular, bold in _FONT_FILES:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont("PlaceCXSans", regular))
            pdfmetrics.registerFont(TTFont("PlaceCXSans-Bold", bold))
            return "PlaceCXSans", "PlaceCXSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _text(value: str, font: str) -> str:
    """The string as the font can print it: symbols spelled out when the font lacks them."""
    if font.startswith("PlaceCX"):
        return value
    return "".join(_SPELLED.get(ch, ch if ord(ch) < 256 else "?") for ch in value)


def pdf_bytes(pack: Pack) -> bytes:
    """The pack as the bytes of a PDF file."""
    regular, bold = _fonts()
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=22, leading=27, spaceAfter=8),
        "cover": ParagraphStyle("cover", fontName=regular, fontSize=15, leading=20, spaceAfter=6),
        "body": ParagraphStyle("body", fontName=regular, fontSize=11.5, leading=14.5, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=10, leading=12.5),
        "head": ParagraphStyle("head", fontName=bold, fontSize=10, leading=12.5, textColor=colors.white),
    }
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                                 topMargin=MARGIN, bottomMargin=MARGIN + 0.4 * cm,
                                 title=f"{pack.council}: {pack.meeting}", author="PlaceCX",
                                 subject="Board pack")

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 9)
        canvas.drawString(MARGIN, 0.9 * cm, _text(f"{pack.footer} · page {doc.page}", regular))
        canvas.restoreState()

    story = []
    for index, section in enumerate(pack.sections):
        if index:
            story.append(PageBreak())
        story += section_flowables(section, styles, regular)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def section_flowables(section: Section, styles: dict, font: str) -> list:
    """Title, sentences, charts side by side, then tables."""
    width = PAGE[0] - 2 * MARGIN
    flow = [_para(section.title, styles["title"], font)]
    body = styles["cover"] if section.key == "cover" else styles["body"]
    flow += [_para(line, body, font) for line in section.lines]
    if section.charts:
        chart_width = width / len(section.charts)
        height = 7 * cm if section.tables else 11 * cm
        drawings = [chart_drawing(c, chart_width - 0.3 * cm, height, font) for c in section.charts]
        flow += [Spacer(1, 0.2 * cm), PdfTable([drawings], colWidths=[chart_width] * len(drawings))]
    for table in section.tables:
        flow += [Spacer(1, 0.25 * cm), KeepTogether(table_flowable(table, width, styles, font))]
    return flow


def table_flowable(table: Table, width: float, styles: dict, font: str) -> PdfTable:
    """A table of wrapped paragraphs with a dark header row; filled cells keep their words."""
    weights = table.widths or (1.0,) * len(table.columns)
    widths = [width * w / sum(weights) for w in weights]
    data = [[_para(c, styles["head"], font) for c in table.columns]]
    data += [[_para(v, styles["cell"], font) for v in row] for row in table.rows]
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1D3557")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.Color(0.6, 0.6, 0.6)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.95, 0.95, 0.95)]),
    ]
    for r, fills in enumerate(table.fills, start=1):
        style += [("BACKGROUND", (c, r), (c, r), colors.HexColor(fill))
                  for c, fill in enumerate(fills) if fill]
    flowable = PdfTable(data, colWidths=widths, repeatRows=1)
    flowable.setStyle(TableStyle(style))
    return flowable


def chart_drawing(chart: Chart, width: float, height: float, font: str) -> Drawing:
    """A line chart with its title, axis title and a legend that shows each line's dash."""
    drawing = Drawing(width, height)
    drawing.add(String(4, height - 14, _text(chart.title, font), fontName=font, fontSize=11))
    legend_rows = (len(chart.series) + 1) // 2
    plot = HorizontalLineChart()
    plot.x, plot.y = 44, 44 + 14 * legend_rows
    plot.width, plot.height = width - 54, height - plot.y - 36
    plot.categoryAxis.joinAxisMode = "bottom"
    plot.data = [[_gap(v) for v in s.values] for s in chart.series]
    plot.categoryAxis.categoryNames = [_text(c.split(" ")[0][:3], font) for c in chart.categories]
    plot.categoryAxis.labels.fontName = plot.valueAxis.labels.fontName = font
    plot.categoryAxis.labels.fontSize = plot.valueAxis.labels.fontSize = 7.5
    values = [v for s in chart.series for v in s.values if v is not None]
    if values:
        low, high = min(values), max(values)
        pad = max(1.0, (high - low) * 0.1)
        plot.valueAxis.valueMin, plot.valueAxis.valueMax = low - pad, high + pad
    plot.valueAxis.visibleGrid = True
    plot.valueAxis.gridStrokeColor = colors.Color(0.85, 0.85, 0.85)
    for index, series in enumerate(chart.series):
        line = plot.lines[index]
        line.strokeColor = _SHADE[series.style]
        line.strokeWidth = 2 if series.style == "solid" else 1.2
        if _DASH[series.style]:
            line.strokeDashArray = _DASH[series.style]
        lone = sum(value is not None for value in series.values) < 2
        if series.marker or lone:
            line.symbol = makeMarker("FilledCircle", size=4, fillColor=_SHADE[series.style])
        if lone:  # a line through one month cannot be drawn (reportlab refuses it): the marker shows it
            line.strokeColor = None
    drawing.add(plot)
    drawing.add(String(4, plot.y + plot.height + 8, _text(chart.axis_title, font), fontName=font, fontSize=8))
    if chart.categories:
        span = f"Months, {chart.categories[0]} to {chart.categories[-1]}"
        drawing.add(String(plot.x, plot.y - 24, _text(span, font), fontName=font, fontSize=8))
    for index, series in enumerate(chart.series):
        x = 8 + (index % 2) * (width / 2)
        y = 6 + 14 * (legend_rows - 1 - index // 2)
        sample = Line(x, y + 3, x + 22, y + 3, strokeColor=_SHADE[series.style],
                      strokeWidth=2 if series.style == "solid" else 1.2)
        if _DASH[series.style]:
            sample.strokeDashArray = _DASH[series.style]
        drawing.add(sample)
        drawing.add(String(x + 26, y, _text(series.name, font)[:48], fontName=font, fontSize=8))
    return drawing


def _gap(value: float | None) -> float | None:
    return None if value is None else float(value)


def _para(text: str, style: ParagraphStyle, font: str) -> Paragraph:
    """A paragraph of literal text: markup characters escaped, line breaks kept."""
    return Paragraph(escape(_text(text, font)).replace("\n", "<br/>"), style)
