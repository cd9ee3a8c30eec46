"""The board pack as plain content: sections of sentences, tables and charts, in the pack's order.

Every figure comes from the functions the app's own pages use (`cx.overview.build_overview`,
`cx.glance.build_glance`, `cx.trends.trend_table`, `cx.assessment.discussion_list`,
`cx.roadmap.needs_attention`, `cx.culture`, `cx.meetings`), written with `cx.formatting`,
so the pack says what the screen says. The renderers (`cx.pack.slides` for PowerPoint,
`cx.pack.document` for PDF) only lay this content out.

One function per section, listed in `SECTION_BUILDERS`: a new section (an "impact"
page, say) is one more function there, and both formats draw it.

Text typed by people or read from files is kept as literal text: `plain` only drops
control characters that neither format can hold; each renderer escapes for itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cx import assessment, culture, impact, meetings, roadmap
from cx.formatting import (
    format_change,
    format_count,
    format_date,
    format_interval,
    format_value,
    period_label,
)
from cx.framework import BLOCKS, LEVEL_BY_CODE, STAGES
from cx.glance import Glance, build_glance
from cx.heat_map import CELL_COUNT
from cx.measures import CONTACT_CENTRE, MEASURES
from cx.overview import Overview, build_overview
from cx.status import STATUS_BY_CODE
from cx.store import Store
from cx.store.filters import Slice
from cx.trends import target_for, trend_table

TREND_MONTHS = 12
MAX_LIST_ROWS = 10
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def plain(text: object) -> str:
    """Text as both formats can hold it: control characters (not tabs or new lines) removed."""
    return _CONTROL.sub("", "" if text is None else str(text))


@dataclass(frozen=True)
class Table:
    """Rows of words; `fills` (same shape as rows, or empty) colours cells that also carry a word."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    fills: tuple[tuple[str | None, ...], ...] = ()
    widths: tuple[float, ...] = ()  # relative column widths (empty: equal)


@dataclass(frozen=True)
class Series:
    """One line of a chart; `style` ('solid', 'dash', 'dot') keeps lines apart without colour."""

    name: str
    values: tuple[float | None, ...]
    style: str = "solid"
    marker: bool = True


@dataclass(frozen=True)
class Chart:
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    axis_title: str


@dataclass(frozen=True)
class Section:
    """One slide, one PDF page: a title, sentences, then charts and tables."""

    key: str
    title: str
    lines: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Pack:
    council: str
    meeting: str  # the meeting's title and date, or a sentence saying none is recorded
    made_on: date
    sections: tuple[Section, ...]

    @property
    def footer(self) -> str:
        """The line on every page and slide: council, meeting and the day the pack was made."""
        return plain(f"{self.council} · {self.meeting} · board pack made {format_date(self.made_on)}")


@dataclass(frozen=True)
class Facts:
    """What the section builders read, gathered once from the store."""

    store: Store
    today: date
    min_n: int
    meeting: pd.Series | None
    overview: Overview | None
    glance: Glance


def build_pack(store: Store, today: date, min_n: int, meeting_id: int | None = None) -> Pack:
    """The pack for `meeting_id` (default: the newest meeting; none recorded is allowed).

    Raises ValueError when `meeting_id` names no meeting.
    """
    recorded = store.meetings.all()
    meeting = None
    if meeting_id is not None:
        if meeting_id not in recorded["meeting_id"].tolist():
            raise ValueError(f"Meeting: there is no meeting with id {meeting_id}.")
        meeting = recorded.set_index("meeting_id").loc[meeting_id].copy()
        meeting["meeting_id"] = meeting_id
    elif not recorded.empty:
        meeting = recorded.iloc[0]
    round_id = None if meeting is None or pd.isna(meeting["round_id"]) else int(meeting["round_id"])
    facts = Facts(store, today, min_n, meeting, build_overview(store, "month"),
                  build_glance(store, today, round_id))
    title = ("No meeting recorded" if meeting is None else
             f"{meeting['title']}, {format_date(pd.Timestamp(meeting['held_on']).date())}")
    sections = tuple(section for builder in SECTION_BUILDERS if (section := builder(facts)) is not None)
    return Pack(meetings.council_name(store), plain(title), today, sections)


# ----------------------------------------------------------------- sections


def cover(facts: Facts) -> Section:
    meeting = facts.meeting
    lines = [f"Board pack for {meetings.council_name(facts.store)}"]
    if meeting is None:
        lines.append("No review meeting is recorded yet; figures are as of today.")
    else:
        held = format_date(pd.Timestamp(meeting["held_on"]).date())
        start, grain = meetings.reviewed_period(meeting)
        lines += [f"Meeting: {meeting['title']}, held on {held}.",
                  f"Period reviewed: {period_label(start, grain)}."]
        if isinstance(meeting["round_name"], str):
            lines.append(f"Heat-map round reviewed: {meeting['round_name']}.")
        if len(meeting["attendees"]):
            lines.append(f"Attendees: {', '.join(meeting['attendees'])}.")
    if facts.overview is not None:
        lines.append(f"Customer figures are for {facts.overview.period}, the newest month with data, "
                     f"against {facts.overview.previous_period}.")
    lines.append(f"Every figure shows its number of answers (n) and 95% interval; figures from fewer "
                 f"than {facts.min_n} answers are marked and not used as headlines.")
    return Section("cover", "Quarterly review board pack", tuple(plain(x) for x in lines))


def headlines(facts: Facts) -> Section | None:
    overview = facts.overview
    if overview is None:
        return None
    targets = facts.store.surveys.targets()
    rows = []
    for headline in overview.headlines:
        cur, measure = headline.current, headline.measure
        code = measure.code
        reliable = headline.reliable(facts.min_n)
        target = target_for(targets, code, ())
        verdict = ("significant change" if headline.comparison.significant else "no significant change")
        rows.append((
            measure.label,
            format_value(cur) if reliable else f"{format_value(cur)} (too few answers)",
            format_count(cur.n),
            format_interval(cur).removeprefix("95% interval ") or "–",
            f"{format_change(headline.comparison.change, cur.unit)} from {format_value(headline.previous)}; "
            f"{verdict}" if reliable else "–",
            measure.target_status(cur.value, target) or "no target set",
        ))
    lines = [headline.sentence(facts.min_n) for headline in overview.headlines]
    return Section(
        "headlines", f"Headline measures, {overview.period}", tuple(plain(x) for x in lines),
        tables=(Table(("Measure", "Value", "n", "95% interval", f"On {overview.previous_period}", "Target"),
                      tuple(rows), widths=(2.2, 1.4, 1, 1.6, 3, 2.8)),))


def trend_charts(facts: Facts) -> Section | None:
    if facts.overview is None:
        return None
    rows = facts.store.surveys.metrics(Slice(start=_first_month(facts)), grain="month")
    if rows.empty:
        return None
    targets = facts.store.surveys.targets()
    charts = []
    for headline in facts.overview.headlines:  # the measures the Overview shows, in its order
        measure = headline.measure
        code, target = measure.code, target_for(targets, measure.code, ())
        table = trend_table(rows, code, "month", facts.min_n, target)
        charts.append(_trend_chart(measure.label, table["Period"].tolist(), table, target,
                                   _axis(measure.unit, measure.short)))
    return Section("trends", f"Trends over the last {TREND_MONTHS} months", (plain(
        "Solid line: the monthly figure. Dashed lines: its 95% interval. Dotted line: the target. "
        "Months with fewer than the minimum answers have no point."),), charts=tuple(charts))


def contact_centre(facts: Facts) -> Section | None:
    overview = facts.overview
    if overview is None or not overview.contact_centre:
        return None
    rows = [(k.definition.label, format_value(k.current),
             f"{format_count(k.numerator)} of {format_count(k.denominator)}",
             format_interval(k.current).removeprefix("95% interval ") or "–",
             k.target_words())
            for k in overview.contact_centre]
    totals = facts.store.surveys.kpi_totals(list(CONTACT_CENTRE[:2]), grain="month",
                                            start=_first_month(facts))
    targets = facts.store.surveys.targets()
    charts = []
    for code in CONTACT_CENTRE[:2]:
        measure, target = MEASURES[code], target_for(targets, code, ())
        mine = totals[totals["metric"] == code]
        values = [measure.estimate(r) for _, r in mine.iterrows()]
        table = pd.DataFrame({"value": [e.value for e in values], "low": [e.low for e in values],
                              "high": [e.high for e in values], "reliable": True})
        labels = [period_label(pd.Timestamp(p).date(), "month") for p in mine["period"]]
        charts.append(_trend_chart(measure.label, labels, table, target, _axis(measure.unit, "")))
    lines = [k.sentence() for k in overview.contact_centre]
    return Section("contact_centre", "Contact centre", tuple(plain(x) for x in lines), tuple(charts), (Table(
        ("Measure", "Value", "Calls", "95% interval", "Target"), tuple(rows), widths=(2.4, 1, 2, 1.6, 3)),))


def heat_map(facts: Facts) -> Section | None:
    view = facts.glance.heat_map
    if view is None:
        return None
    summary = view.summary.set_index(["block", "stage"])
    rows, fills = [], []
    for block in BLOCKS:
        cells = [summary.loc[(block.code, stage.code)] for stage in STAGES]
        rows.append((block.label, *(plain(assessment.cell_text(c)) for c in cells)))
        fills.append((None, *(_level_fill(c["consensus"]) for c in cells)))
    key = "Key: " + " ".join(f"{lv.tag}: {lv.meaning}" for lv in LEVEL_BY_CODE.values())
    return Section("heat_map", plain(f"Heat map: {view.name}"), (plain(view.sentence()), key),
                   tables=(Table(("Building block", *(s.label for s in STAGES)), tuple(rows), tuple(fills),
                                 widths=(2.2, 2.5, 2.5, 2.5)),))


def discussion(facts: Facts) -> Section | None:
    view = facts.glance.heat_map
    if view is None:
        return None
    listed = assessment.discussion_list(view.summary).head(MAX_LIST_ROWS)
    rows = tuple((str(i + 1), plain(r.cell), plain(r.team_level), plain(r.votes), f"{r.disagreement:.2f}")
                 for i, r in enumerate(listed.itertuples()))
    return Section("discussion", "Discussion list: where views differ most", (plain(
        f"The {len(rows)} of {CELL_COUNT} cells to discuss first: most disagreement first, then the "
        "cells the team sees as most critical."),),
        tables=(Table(("#", "Cell", "Team view", "Votes", "Disagreement"), rows,
                      widths=(0.4, 3.2, 1.7, 2.9, 1.6)),))


def roadmap_progress(facts: Facts) -> Section | None:
    plan = facts.glance.roadmap
    if plan is None:
        return None
    actions = facts.store.roadmap.actions()
    by_stage = roadmap.progress(actions, "stage")
    stage_rows = tuple(
        (r.label, *(str(getattr(r, s.code)) for s in STATUS_BY_CODE.values()), str(r.total),
         "–" if pd.isna(r.percent_done) else f"{int(r.percent_done)}%")
        for r in by_stage.itertuples())
    needing = roadmap.needs_attention(actions, facts.today).head(MAX_LIST_ROWS)
    attention = tuple(
        (plain(r.title), plain(r.owner) if isinstance(r.owner, str) else "no owner",
         format_date(pd.Timestamp(r.due_date).date()),
         STATUS_BY_CODE[r.status].tag if r.status == "blocked" else f"overdue by {r.days_overdue} days")
        for r in needing.itertuples())
    return Section(
        "roadmap", "Roadmap progress and what needs attention", (plain(plan.sentence()),),
        tables=(Table(("Stage", *(s.tag for s in STATUS_BY_CODE.values()), "Total", "Done"), stage_rows),
                Table(("Needs attention", "Owner", "Due", "Why"), attention or (("Nothing overdue or blocked",
                                                                                "", "", ""),),
                      widths=(4.4, 1.6, 1.6, 1.6))))


def culture_change(facts: Facts) -> Section | None:
    progress = facts.glance.culture
    if progress is None:
        return None
    table = culture.display_table(culture.roadmap(facts.store.leadership.culture_steps(), facts.today))
    rows = tuple((str(r["Step"]), plain(r["What the team does"].split(":")[0]), plain(r["Status"]),
                  plain(r["Owner"]), plain(r["Date"])) for _, r in table.iterrows())
    return Section("culture", "Culture change", (plain(f"Culture change: {progress.sentence()}"),),
                   tables=(Table(("Step", "What the team does", "Status", "Owner", "Date"), rows,
                                 widths=(0.7, 5, 1.6, 1.8, 1.6)),))


def decisions(facts: Facts) -> Section:
    meeting = facts.meeting
    if meeting is None:
        return Section("decisions", "Decisions", ("No meeting is recorded, so there are no decisions yet.",))
    recorded = facts.store.meetings.decisions(int(meeting["meeting_id"]))
    table = meetings.decision_table(recorded, facts.today)
    rows = tuple(tuple(plain(v) for v in row) for row in table.itertuples(index=False))
    lines = (plain(f"{len(rows)} decisions recorded at {meeting['title']}."),)
    return Section("decisions", "Decisions and the actions they set", lines, tables=(Table(
        tuple(table.columns), rows or (("No decisions recorded yet.", "", "", "", ""),),
        widths=(3.6, 3.2, 1.4, 1.4, 1.6)),))


def since_last(facts: Facts) -> Section | None:
    meeting = facts.meeting
    if meeting is None:
        return None
    since = meetings.since_last(facts.store, int(meeting["meeting_id"]), facts.today)
    tables = []
    for frame, empty, widths in (
            (since.moved, "No earlier meeting to compare with.", (2.4, 2.8, 2.8, 1.4, 2)),
            (since.done, "No actions were marked done.", (5, 1.5)),
            (since.slipped.head(MAX_LIST_ROWS), "Nothing past due.", (4.6, 1.6, 1.6, 2))):
        rows = tuple(tuple(plain(v) for v in row) for row in frame.itertuples(index=False))
        columns = {"Then": f"Then: {since.then_period}", "Now": f"Now: {since.now_period}"}
        tables.append(Table(tuple(columns.get(c, c) for c in frame.columns),
                            rows or ((empty, *[""] * (len(frame.columns) - 1)),), widths=widths))
    return Section("since_last", "Since the last meeting", (plain(since.sentence()),), tables=tuple(tables))


def action_impact(facts: Facts) -> Section | None:
    """Done actions linked to a measure, biggest effect first: before, after, change and verdict."""
    table = impact.impact_table(impact.done_impacts(facts.store, facts.today, min_n=facts.min_n))
    if table.empty:
        return None
    shown = table.head(MAX_LIST_ROWS)
    rows = tuple(tuple(plain(r[c]) for c in ("Action", "Measure", "Before", "After", "Change", "Verdict"))
                 for _, r in shown.iterrows())
    lines = (plain(f"{len(table)} done actions are linked to a measure; the biggest effects come first. "
                   "Before and after are the same length of time; a verdict needs enough answers on both "
                   "sides. Before against after is evidence, not proof, that an action made the "
                   "difference."),)
    return Section("impact", "Did it work? Done actions before and after", lines, tables=(Table(
        ("Action", "Measure", "Before", "After", "Change", "Verdict"), rows,
        widths=(2.6, 0.9, 2.4, 2.4, 2, 1.6)),))


SECTION_BUILDERS: tuple[Callable[[Facts], Section | None], ...] = (
    cover, headlines, trend_charts, contact_centre, heat_map, discussion, roadmap_progress, action_impact,
    culture_change, decisions, since_last,
)


# ------------------------------------------------------------------ helpers


def _first_month(facts: Facts) -> date:
    end = facts.overview.period_start if facts.overview else facts.today.replace(day=1)
    return (pd.Timestamp(end) - pd.DateOffset(months=TREND_MONTHS - 1)).date()


def _axis(unit: str, short: str) -> str:
    return {"points": f"{short} (points)", "%": "Per cent", "seconds": "Seconds"}.get(unit, f"{short} (mean)")


def _trend_chart(title: str, labels: list[str], table: pd.DataFrame, target: float | None,
                 axis: str) -> Chart:
    def values(column: str) -> tuple[float | None, ...]:
        return tuple(None if (v is None or pd.isna(v) or not ok) else round(float(v), 1)
                     for v, ok in zip(table[column], table["reliable"], strict=True))

    series = [Series(plain(title), values("value")),
              Series("95% interval, lower", values("low"), "dash", False),
              Series("95% interval, upper", values("high"), "dash", False)]
    if target is not None:
        series.append(Series(f"Target ({target:g})", tuple(float(target) for _ in labels), "dot", False))
    return Chart(plain(title), tuple(labels), tuple(series), axis)


def _level_fill(consensus: object) -> str | None:
    known = isinstance(consensus, str) and consensus in LEVEL_BY_CODE
    return LEVEL_BY_CODE[consensus].fill if known else None
