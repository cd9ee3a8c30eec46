"""Overview: the programme at a glance, from the latest data."""

from __future__ import annotations

from datetime import date

import streamlit as st

import cx_ui
from cx import charts
from cx.formatting import format_count, format_interval, format_value, signed_change
from cx.glance import Glance, build_glance
from cx.heat_map import CELL_COUNT
from cx.overview import Headline, KpiHeadline, build_overview
from cx.status import STATUS_BY_CODE
from cx_ui import identity, state

cx_ui.page_title("Overview")
store = cx_ui.store()
min_n = cx_ui.settings().min_n

grain = st.segmented_control(
    "Compare the latest",
    options=["month", "quarter"],
    format_func=lambda g: {"month": "Month", "quarter": "Quarter"}[g],
    default="month",
    key="overview_grain",
    help="Headline figures for the newest month (or quarter) with data, against the one before.",
) or "month"

overview = cx_ui.cached(build_overview, store, grain, reads=("surveys", "kpis"))
glance = cx_ui.cached(build_glance, store, date.today(), state.HEAT_MAP_ROUND.get(), identity.me())


def programme_section(glance: Glance) -> None:
    """Heat map, roadmap and culture change in three cards, a sentence each, and what needs attention."""
    if not (glance.heat_map or glance.roadmap or glance.culture):
        return
    st.header("Programme at a glance")
    heat, plan, change = st.columns(3)
    with heat:
        if glance.heat_map:
            st.metric("! Critical focus cells (heat map)",
                      f"{glance.heat_map.critical_cells} of {CELL_COUNT}",
                      border=True)
        else:
            st.metric("Heat map", "No ratings yet", border=True)
        st.page_link("pages/heat_map.py", label="Open the heat map", icon=":material/grid_on:")
    with plan:
        if glance.roadmap and glance.roadmap.progress.total:
            plan = glance.roadmap.progress
            st.metric(f"{STATUS_BY_CODE['done'].tag} roadmap actions", f"{plan.done} of {plan.total}",
                      border=True)
        else:
            st.metric("Roadmap", "No actions yet", border=True)
        st.page_link("pages/roadmap.py", label="Open the roadmap", icon=":material/timeline:")
    with change:
        if glance.culture:
            st.metric(f"{STATUS_BY_CODE['done'].tag} culture-change steps",
                      f"{glance.culture.done} of {glance.culture.total}",
                      border=True)
        else:
            st.metric("Culture change", "Not started", border=True)
        st.page_link("pages/culture.py", label="Open culture change", icon=":material/diversity_3:")
    sentences = [part.sentence() for part in (glance.heat_map, glance.roadmap) if part]
    if glance.culture:
        sentences.append(f"Culture change: {glance.culture.sentence()}")
    # Round names and action titles are typed by people: shown as literal text.
    st.markdown("  \n".join(cx_ui.literal(s) for s in sentences))
    if glance.roadmap is not None and not glance.roadmap.attention.empty:
        st.subheader("Roadmap actions that need attention")
        st.dataframe(glance.roadmap.attention, hide_index=True, width="stretch")


if overview is None:
    st.info(
        "There are no survey responses or contact-centre figures in this database yet, so there "
        "are no customer measures to summarise.\n\n"
        "To see PlaceCX with a worked example, start it against a new database file with the "
        "demo switched on (`PLACECX_DEMO=1`, the default). To use your own figures, load your "
        "survey export and contact-centre figures into the database; once they are in, this "
        "page fills itself."
    )
    programme_section(glance)
    st.stop()


def card_delta(change: float | None, unit: str) -> float | str | None:
    """The delta for st.metric: 0 (grey, no arrow) when unchanged, else a signed string."""
    if change is None:
        return None
    return 0 if abs(change) < 0.05 else signed_change(change, unit)


def headline_card(headline: Headline) -> None:
    cur = headline.current
    reliable = headline.reliable(min_n)
    change = headline.comparison.change if reliable else None
    verdict = "significant" if headline.comparison.significant else "not significant"
    st.metric(
        headline.label,
        format_value(cur) if reliable else "Too few answers",
        delta=card_delta(change, cur.unit),
        delta_description=f"on {headline.previous_period}, {verdict}" if change is not None else None,
        border=True,
        help=f"Compared with {headline.previous_period} using a {headline.comparison.test} at 95%.",
    )
    detail = f"n = {format_count(cur.n)}"
    if cur.value is not None:
        detail += f" · {format_interval(cur)}"
    if not reliable and cur.value is not None:
        detail += f" · {format_value(cur)} from only {cur.n} answers (minimum {min_n})"
    st.caption(detail)


def kpi_card(kpi: KpiHeadline) -> None:
    d, cur = kpi.definition, kpi.current
    status = {True: "✓ On target", False: "✗ Off target", None: "No target"}[kpi.on_target]
    st.metric(
        f"{d.label} ({kpi.period})",
        format_value(cur),
        delta=card_delta(kpi.change, cur.unit),
        delta_description=f"on {kpi.previous_period}" if kpi.change is not None else None,
        delta_color="normal" if d.higher_is_better else "inverse",
        border=True,
        help=d.definition,
    )
    st.caption(
        f"{status}: {d.target_words(kpi.target)} · {format_count(kpi.numerator)} {d.numerator_label} "
        f"of {format_count(kpi.denominator)} {d.denominator_label}"
    )


period_note = " (month still in progress)" if overview.partial_period else ""
st.header(f"Customer measures: {overview.period}{period_note}")
st.caption(
    f"Against {overview.previous_period}. Figures from fewer than {min_n} answers are not "
    "headlined. Every figure shows its number of answers (n) and its 95% interval."
)
columns = st.columns(len(overview.headlines))
for column, headline in zip(columns, overview.headlines, strict=True):
    with column:
        headline_card(headline)
st.markdown("  \n".join(h.sentence(min_n) for h in overview.headlines))

st.header("Survey responses")
st.metric(
    f"Responses in {overview.period}",
    format_count(overview.responses),
    delta=f"{overview.responses - overview.previous_responses:+,}",
    delta_description=f"on {overview.previous_period}",
    delta_color="off",
)
volume = overview.monthly_volume.rename(columns={"period": "Month", "responses": "Responses"})
cx_ui.chart_with_table(charts.response_volume(overview.monthly_volume), volume, key="volume")

st.header("Contact centre and staff")
kpis = list(overview.contact_centre) + ([overview.engagement] if overview.engagement else [])
if kpis:
    for column, kpi in zip(st.columns(len(kpis)), kpis, strict=True):
        with column:
            kpi_card(kpi)
    st.markdown("  \n".join(k.sentence() for k in kpis))
else:
    st.info("No contact-centre or staff-survey figures have been loaded yet.")

programme_section(glance)

st.header("How fresh is this data?")
newest = (
    f"{overview.newest_response:%d %B %Y, %H:%M}" if overview.newest_response else "no responses yet"
)
kpi_month = f"{overview.newest_kpi_period:%B %Y}" if overview.newest_kpi_period else "none yet"
st.markdown(
    f"- Newest survey response: **{newest}**\n"
    f"- Newest contact-centre or staff figures: **{kpi_month}**\n"
    f"- Survey responses in the headline surveys: **{format_count(overview.total_responses)}**"
)
