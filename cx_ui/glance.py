"""The glance cards the Overview and the presentation share: headlines, contact centre, programme.

Every card carries its figure, its n and 95% interval, the change as a word and a
symbol (▲ significantly better, ▼ significantly worse, ≈ no significant change),
its target and a twelve-month line. Colour only repeats what the words say.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

import cx_ui
from cx.formatting import format_count, format_interval, format_value, signed_change
from cx.glance import Glance
from cx.heat_map import CELL_COUNT
from cx.metrics import Estimate
from cx.overview import SPARK_MONTHS, Headline, KpiHeadline
from cx.sparkline import sparkline_svg
from cx.status import STATUS_BY_CODE

_CSS = {name: (Path(__file__).with_name(f"{name}.css")).read_text(encoding="utf-8")
        for name in ("glance", "present")}


def style(name: str = "glance") -> None:
    """Add the readable-from-the-back-of-the-room stylesheet ('glance', or 'present' for the projector)."""
    st.html(f"<style>{_CSS['glance']}{_CSS['present'] if name == 'present' else ''}</style>")


def _history_line(history: tuple[Estimate, ...]) -> None:
    """The card's line of its last months, under the card (cx.sparkline); nothing for fewer than two."""
    picture = sparkline_svg([e.value for e in history if e.value is not None])
    if picture:
        # Markdown, as for charts: st.html drops SVG. The picture holds numbers only.
        st.markdown(f'<div class="placecx-spark">{picture}</div>', unsafe_allow_html=True)


def _change(change: float, unit: str) -> str:
    return "unchanged" if abs(change) < 0.05 else signed_change(change, unit)


def headline_card(headline: Headline, min_n: int) -> None:
    """One survey measure: value, verdict on the previous period, line, then n, interval and target."""
    cur = headline.current
    reliable = headline.reliable(min_n)
    verdict = headline.verdict(min_n)
    delta = None
    if reliable and headline.previous.value is not None:
        change = _change(headline.comparison.change, cur.unit)
        delta = f"{verdict.tag}: {change} on {headline.previous_period}"
    st.metric(
        headline.label,
        format_value(cur) if reliable else "Too few answers",
        delta=delta, delta_color=verdict.colour, delta_arrow="off",
        border=True,
        help=(f"Compared with {headline.previous_period} using a {headline.comparison.test} at 95%. "
              f"The line under the card shows the last {SPARK_MONTHS} months."),
    )
    _history_line(headline.history)
    detail = f"n = {format_count(cur.n)}"
    if cur.value is not None:
        detail += f" · {format_interval(cur)}"
    if not reliable and cur.value is not None:
        detail += f" · {format_value(cur)} from only {cur.n} answers (minimum {min_n})"
    if reliable:
        detail += f" · {headline.target_words()}"
    st.caption(detail)


def kpi_card(kpi: KpiHeadline, *, line: bool = False) -> None:
    """One contact-centre or staff figure against its target and the period before (and its line)."""
    d, cur = kpi.definition, kpi.current
    verdict = kpi.verdict
    delta = None
    if kpi.change is not None:
        delta = f"{verdict.tag}: {_change(kpi.change, cur.unit)} on {kpi.previous_period}"
    st.metric(
        f"{d.label} ({kpi.period})",
        format_value(cur),
        delta=delta, delta_color=verdict.colour, delta_arrow="off",
        border=True,
        help=d.definition,
    )
    if line:
        _history_line(kpi.history)
    st.caption(
        f"{kpi.target_words()} · "
        f"{format_count(kpi.numerator)} {d.numerator_label} "
        f"of {format_count(kpi.denominator)} {d.denominator_label}"
    )


def history_table(headlines: tuple[Headline, ...], kpis: list[KpiHeadline]) -> pd.DataFrame:
    """The twelve-month lines as a table (the cards' lines have no text of their own)."""
    columns = {h.label: [format_value(e) for e in h.history] for h in headlines}
    columns |= {k.definition.label: [format_value(e) for e in k.history] for k in kpis}
    length = max((len(v) for v in columns.values()), default=0)
    return pd.DataFrame({"Months ago": [str(length - 1 - i) if i < length - 1 else "latest"
                                        for i in range(length)],
                         **{name: [""] * (length - len(v)) + v for name, v in columns.items()}})


def programme_cards(glance: Glance) -> None:
    """Heat map, roadmap and culture change as three cards, and the actions that need attention."""
    heat, plan, change, attention = st.container(key="programme").columns([1, 1, 1, 2.6])
    with heat:
        if glance.heat_map:
            st.metric("! Critical focus cells",
                      f"{glance.heat_map.critical_cells} of {CELL_COUNT}", border=True,
                      help="Cells the team rates a critical focus in the round shown.")
            st.caption(f"Heat map · ≠ views differ on {glance.heat_map.differing_cells} · "
                       f"{glance.heat_map.submitted} of {glance.heat_map.rater_count} raters submitted")
        else:
            st.metric("Heat map", "No ratings yet", border=True)
    with plan:
        if glance.roadmap and glance.roadmap.progress.total:
            progress = glance.roadmap.progress
            st.metric(f"{STATUS_BY_CODE['done'].tag} roadmap actions", f"{progress.done} of {progress.total}",
                      border=True)
            st.caption(f"{progress.percent_done}% done · {progress.overdue} overdue · "
                       f"{progress.blocked} blocked")
        else:
            st.metric("Roadmap", "No actions yet", border=True)
    with change:
        if glance.culture:
            st.metric(f"{STATUS_BY_CODE['done'].tag} culture-change steps",
                      f"{glance.culture.done} of {glance.culture.total}", border=True)
            st.caption(f"{glance.culture.in_progress} in progress · {glance.culture.overdue} overdue")
        else:
            st.metric("Culture change", "Not started", border=True)
    with attention:
        attention_list(glance)
    links = st.container(horizontal=True)
    links.page_link("pages/heat_map.py", label="Open the heat map", icon=":material/grid_on:")
    links.page_link("pages/roadmap.py", label="Open the roadmap", icon=":material/timeline:")
    links.page_link("pages/culture.py", label="Open culture change", icon=":material/diversity_3:")
    links.page_link("pages/present.py", label="Present this in the meeting", icon=":material/slideshow:")


def attention_list(glance: Glance) -> None:
    """What needs attention: overdue or blocked roadmap actions (up to three), as a list."""
    st.markdown("**What needs attention**")
    st.markdown(attention_markdown(glance.roadmap.attention) if glance.roadmap else NOTHING_NEEDS_ATTENTION)


NOTHING_NEEDS_ATTENTION = "No roadmap action is overdue or blocked."


def attention_markdown(attention: pd.DataFrame) -> str:
    """One list item per action: title, owner, due date and why, each wrapping on a narrow
    screen (a data table cut the reason off at 1920 px); a sentence when there is none.
    Titles and owners are typed by people, so each goes through the literal-text helper."""
    if attention.empty:
        return NOTHING_NEEDS_ATTENTION
    return "\n".join(f"- {cx_ui.literal(row.Action)}: {cx_ui.literal(row.Owner)}, due {row.Due} ({row.Why})"
                     for row in attention.itertuples())


def programme_sentences(glance: Glance) -> str:
    """Heat map, roadmap and culture change in sentences, as literal Markdown."""
    sentences = [part.sentence() for part in (glance.heat_map, glance.roadmap) if part]
    if glance.culture:
        sentences.append(f"Culture change: {glance.culture.sentence()}")
    return "  \n".join(cx_ui.literal(s) for s in sentences)
