"""The board pack: written by `python -m cx pack`, read back, and compared with what the Overview computes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pptx import Presentation
from pypdf import PdfReader

from cx.__main__ import main
from cx.formatting import format_count, format_interval, format_value
from cx.impact import done_impacts, impact_table
from cx.overview import build_overview
from cx.pack import render
from cx.pack.model import Pack, Section, Table, plain
from cx.store import Database
from cx.store.filters import Slice
from cx.trends import trend_table

from .apptest import query

COUNCIL = "Fenbridge District Council"


def slide_texts(path) -> list[list[str]]:
    """Per slide, every piece of text: text boxes and table cells."""
    slides = []
    for slide in Presentation(path if isinstance(path, io.BytesIO) else str(path)).slides:
        texts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
        slides.append(texts)
    return slides


def table_rows(path, *header: str) -> dict[str, list[str]]:
    """{first cell: the row's cells} of every PPTX table whose header starts with `header`."""
    rows = {}
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_table and [c.text for c in shape.table.rows[0].cells][:len(header)] == list(header):
                for row in list(shape.table.rows)[1:]:
                    cells = [c.text for c in row.cells]
                    rows[cells[0]] = cells
    return rows


@pytest.fixture(scope="module")
def packs(demo_db_path, tmp_path_factory):
    """Both formats written by the command line from a copy of the demo, and the Overview's figures."""
    folder = tmp_path_factory.mktemp("pack")
    path = folder / "demo.duckdb"
    path.write_bytes(demo_db_path.read_bytes())
    for suffix in ("pptx", "pdf"):
        assert main(["pack", "--db", str(path), "--out", str(folder / f"pack.{suffix}")]) == 0
    db = Database(path)
    store = db.store()
    overview = build_overview(store, "month")
    nps_trend = trend_table(store.surveys.metrics(Slice(start=date(2025, 11, 1)), grain="month"), "nps",
                            "month", 30)
    db.close()
    return folder, path, overview, nps_trend


def test_the_powerpoint_carries_the_overview_figures_on_every_slide_with_the_council(packs):
    folder, path, overview, nps_trend = packs
    slides = slide_texts(folder / "pack.pptx")
    assert len(slides) >= 6
    held = query(path, "SELECT max(held_on) FROM meetings")[0][0]
    footer = f"{COUNCIL} · Quarterly review, {held:%B %Y}, {held.day} {held:%B %Y}"
    assert all(any(t.startswith(footer) for t in texts) for texts in slides)
    headline_rows = table_rows(folder / "pack.pptx", "Measure", "Value")
    for headline in overview.headlines:
        cur = headline.current
        assert headline_rows[headline.label][1:4] == [
            format_value(cur), format_count(cur.n), format_interval(cur).removeprefix("95% interval ")]
    for kpi in overview.contact_centre:
        row = headline_rows[kpi.definition.label]
        assert row[1:3] == [format_value(kpi.current),
                            f"{format_count(kpi.numerator)} of {format_count(kpi.denominator)}"]


def test_the_powerpoint_charts_are_native_with_the_trend_figures_and_lines_told_apart_without_colour(packs):
    folder, _, _, nps_trend = packs
    charts = [shape.chart for slide in Presentation(str(folder / "pack.pptx")).slides
              for shape in slide.shapes if shape.has_chart]
    assert len(charts) >= 5
    nps = next(c for c in charts if c.chart_title.text_frame.text == "Net Promoter Score")
    plotted = nps.plots[0].series[0].values
    assert list(plotted) == pytest.approx([round(v, 1) for v in nps_trend["value"]])
    periods = nps_trend["Period"].tolist()
    assert list(nps.plots[0].categories) == [p[:3] for p in periods]
    assert nps.category_axis.axis_title.text_frame.text == f"Months, {periods[0]} to {periods[-1]}"
    for chart in charts:
        dashes = {series.format.line.dash_style for series in chart.plots[0].series}
        assert len(dashes) >= 2  # the figure, its interval and the target differ by dash, not only shade


def test_the_impact_slide_lists_the_done_actions_with_the_roadmaps_verdicts(packs):
    folder, path, _, _ = packs
    db = Database(path)
    expected = impact_table(done_impacts(db.store(), date.today(), min_n=30))
    db.close()
    assert len(expected) >= 3  # the demo's improvement, standstill and too-few-answers actions
    shown = table_rows(folder / "pack.pptx", "Action", "Measure", "Before")
    for _, row in expected.head(8).iterrows():
        assert shown[row["Action"]][4:6] == [row["Change"], row["Verdict"]]


def test_the_pdf_has_a_page_per_section_with_the_same_figures_as_text(packs):
    folder, path, overview, _ = packs
    reader = PdfReader(str(folder / "pack.pdf"))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 6
    assert all(COUNCIL in text for text in pages)
    headline_page = next(text for text in pages if "\nHeadline measures, " in text)
    for headline in overview.headlines:
        cur = headline.current
        assert headline.sentence(30).split(" (")[0] in headline_page.replace("\n", " ")
        assert f"{format_value(cur)}\n{format_count(cur.n)}" in headline_page or \
            f"{format_value(cur)} {format_count(cur.n)}" in headline_page
    decisions = [r[0] for r in query(path, "SELECT text FROM meeting_decisions WHERE meeting_id = "
                                           "(SELECT meeting_id FROM meetings ORDER BY held_on DESC LIMIT 1)")]
    decision_page = next(text for text in pages if "\nDecisions and the actions" in text).replace("\n", " ")
    assert decisions and all(d.split(" ")[0] in decision_page for d in decisions)


def test_typed_text_is_printed_literally_in_both_formats():
    typed = "<b>Bold</b> & <font size=40>big</font> =SUM(A1) \x07bell ✓"
    shown = "<b>Bold</b> & <font size=40>big</font> =SUM(A1) bell ✓"
    assert plain(typed) == shown
    section = Section("decisions", plain(typed), (plain(typed),), tables=(
        Table(("Decision", "Owner"), ((plain(typed), plain(typed)),), fills=((None, "#D55E00"),)),))
    pack = Pack(plain(typed), plain(typed), date(2026, 11, 15), (section,))
    slides = slide_texts(io.BytesIO(render(pack, ".pptx")))
    assert sum(text.count(shown) for text in slides[0]) >= 4  # title, sentence, cell, cell (+ footer)
    pdf = PdfReader(io.BytesIO(render(pack, ".pdf"))).pages[0].extract_text().replace("\n", " ")
    assert pdf.count(shown) >= 4


def test_the_command_refuses_an_unknown_meeting_or_format_in_one_sentence(packs, capsys):
    folder, path, _, _ = packs
    assert main(["pack", "--db", str(path), "--out", str(folder / "x.pdf"), "--meeting", "999"]) == 2
    assert main(["pack", "--db", str(path), "--out", str(folder / "x.docx")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors == ["placecx: Meeting: there is no meeting with id 999.",
                      "placecx: Board pack: --out must end in .pptx or .pdf, not x.docx."]


@given(st.text())
def test_any_typed_text_can_be_set_in_both_formats_and_reads_back_unchanged(text):
    from lxml import etree
    from reportlab.lib.styles import ParagraphStyle

    from cx.pack.document import _para

    kept = plain(text)
    element = etree.Element("t")
    element.text = kept  # python-pptx writes text through lxml, which refuses what XML cannot hold
    assert element.text == kept
    assert set(kept) <= set(text)
    paragraph = _para(kept, ParagraphStyle("p", fontName="Helvetica"), "Helvetica")
    # Paragraph text is laid out like HTML: runs of spaces and line breaks fold; every other character stays.
    assert "".join(paragraph.getPlainText().split()) == "".join(_plain_printable(kept).split())


def _plain_printable(text: str) -> str:
    from cx.pack.document import _text

    return _text(text, "Helvetica")
