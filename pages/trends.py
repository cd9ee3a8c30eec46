"""Trends: NPS, CSAT and CES over time with n and 95% intervals, comparisons, breakdowns,
contact-centre figures, staff engagement and customers' comments, for the chosen slice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd
import streamlit as st

import cx_ui
from cx import charts, trends
from cx.formatting import (
    format_count,
    format_date,
    format_interval,
    format_value,
    period_label,
    signed_change,
)
from cx.measures import (
    CONTACT_CENTRE,
    KIND_MEASURES,
    KPI_MEASURES,
    MEASURES,
    SURVEY_MEASURES,
    TESTS_USED,
    save_target,
)
from cx.store.filters import DIMENSION_LABELS, Slice
from cx_ui import identity, state

cx_ui.page_title("Trends")
store = cx_ui.store()
min_n = cx_ui.settings().min_n
me = identity.me()
cx_ui.show_notice()

surveys = store.surveys
fresh = surveys.freshness()
if fresh.responses == 0 and fresh.kpi_observations == 0:
    st.info("There are no survey responses or contact-centre figures yet. Load a survey export on the "
            "Upload page, or start with the demo council (PLACECX_DEMO=1 on a new database).")
    st.stop()
newest = (fresh.newest_response or datetime.combine(fresh.newest_kpi_period, datetime.min.time())).date()
default_range = (date(newest.year - 1, newest.month, 1), newest)


def persistent(widget, label: str, name: str, default, **kwargs):
    """A widget whose value survives moving to another page and back."""
    return state.persistent(widget, label, state.trends_filter(name), default, **kwargs)


def persistent_choice(widget, label: str, name: str, default, options: list, **kwargs):
    """`persistent` for a choice whose options depend on the data: a kept value no longer offered
    (another survey was chosen) falls back to the default."""
    saved = state.trends_filter(name)
    if saved.get() is not None and saved.get() not in options:
        saved.set(default)
    return persistent(widget, label, name, default, options=options, **kwargs)


# ------------------------------------------------------------------ filters
HEADLINE = "headline"
catalogue = cx_ui.cached(store.catalogue.all)
survey_names = dict(zip(catalogue["source"], catalogue["name"], strict=True))
# The filters are drawn only while their expander is open (a new session's first screen is
# spared eight widgets); closed, the kept choices apply and the words under it say what they are.
with st.expander("Filters: which responses to include", icon=":material/filter_list:", key="trends_filters",
                 on_change="rerun") as filters_box:
    drawn = filters_box.open
    survey_options = [HEADLINE, *survey_names]
    survey = persistent_choice(st.selectbox, "Survey", "survey", HEADLINE, survey_options, draw=drawn,
                               format_func=lambda s: "Headline surveys (as on the Overview)" if s == HEADLINE
                               else survey_names.get(s, s),
                               help="Surveys are never pooled without saying so: choose one survey, or the "
                                    "surveys the council marks as feeding its headline measures (Surveys "
                                    "page).")
    if survey not in survey_options:
        survey = HEADLINE
    scope = Slice(headline_only=True) if survey == HEADLINE else Slice(survey=(survey,))
    dates = persistent(st.date_input, "Completed between", "dates", default_range, format="DD/MM/YYYY",
                       help=f"Both dates are included. {cx_ui.DATE_HELP}", draw=drawn)
    start, end = (dates if isinstance(dates, tuple | list) and len(dates) == 2 else default_range)
    columns = cx_ui.columns_if(drawn, 4)
    chosen: dict[str, tuple[str, ...]] = {}
    for column, dimension in zip(columns, ("service", "channel", "area", "segment"), strict=True):
        with column:
            options = cx_ui.cached(surveys.values, dimension, scope)
            kept = state.trends_filter(dimension)
            if kept.get() and any(v not in options for v in kept.get()):
                kept.set([v for v in kept.get() if v in options])
            picked = persistent(st.multiselect, DIMENSION_LABELS[dimension], dimension, [],
                                options=options, placeholder="All", draw=drawn)
            chosen[dimension] = tuple(v for v in picked if v in options)
    attributes = cx_ui.cached(surveys.extra_attributes, scope)
    extra: list[tuple[str, tuple[str, ...]]] = []
    if not attributes.empty:
        names = list(dict.fromkeys(attributes["name"]))
        attribute = persistent(st.selectbox, "Other attribute from the survey", "attribute", None,
                               options=names, index=None, placeholder="None", draw=drawn)
        if attribute in names:
            values = attributes.loc[attributes["name"] == attribute, "value"].tolist()
            picked = persistent(st.multiselect, f"Values of {attribute}", f"attribute_values_{attribute}",
                                [], options=values, placeholder="All", draw=drawn)
            if picked:
                extra.append((attribute, tuple(v for v in picked if v in values)))
try:
    where = replace(scope, start=start, end=end, extra=tuple(extra), **chosen)
except ValueError as error:
    st.error(str(error))
    st.stop()
st.caption(cx_ui.literal(f"Showing: {trends.slice_words(where, survey_names)}"))

overall = trends.row_or_empty(cx_ui.cached(surveys.metrics, where))
answered = [code for code in SURVEY_MEASURES if int(overall[f"{code}_n"]) > 0]
kind = None if survey == HEADLINE else catalogue.loc[catalogue["source"] == survey, "kind"].iloc[0]
first_choice = next((c for c in KIND_MEASURES.get(kind, ("csat",)) if c in answered), None) or \
    (answered[0] if answered else "csat")
offered = answered or ["csat"]
if not answered and int(overall["responses"]):
    st.info("The responses chosen hold no scores. Their comments and attributes are below.")
left, right = st.columns(2)
with left:
    metric = persistent_choice(st.segmented_control, "Measure", "metric", first_choice, offered,
                        format_func=lambda code: MEASURES[code].short,
                        help=" ".join(f"{MEASURES[c].short}: {MEASURES[c].definition}"
                                      for c in offered)) or first_choice
    if metric not in offered:
        metric = first_choice
with right:
    grain = persistent(st.segmented_control, "Period", "grain", "month", options=["week", "month", "quarter"],
                       format_func=str.capitalize) or "month"
measure = MEASURES[metric]
unit_label = measure.scale_words(overall)
if measure.scale_problem(overall):
    st.warning(measure.scale_problem(overall), icon=":material/warning:")
targets = cx_ui.cached(surveys.targets)
target = trends.target_for(targets, metric, chosen["service"])

# ------------------------------------------------------------------ trend
rows = cx_ui.cached(surveys.metrics, where, grain=grain)
table = trends.trend_table(rows, metric, grain, min_n, target)
top = trends.headline(rows, metric, grain, min_n, target)
st.header(f"{measure.label} over time")
card, words = st.columns([1, 3])
if top.current is not None:
    card.metric(f"{measure.short}, {top.period}", format_value(top.current), border=True,
                delta=None if top.comparison is None or top.comparison.change is None
                else signed_change(top.comparison.change, top.current.unit),
                delta_description=f"on {top.previous_period}",
                help=f"n = {format_count(top.current.n)} · {format_interval(top.current)}")
    card.caption(measure.target_verdict(top.current.value, target) or "No target set")
words.markdown(cx_ui.literal(top.sentence()))
words.caption(f"Grey hollow points have fewer than {min_n} answers and are never used as the headline. "
              f"Significance: {TESTS_USED}")
if table.empty:
    st.info("No responses match these filters.")
else:
    trend_view = trends.display_table(table, measure.unit)
    cx_ui.chart_with_table(charts.trend_chart, table, measure.label, unit_label, target, min_n,
                           table=trend_view, key="trend")
    cx_ui.download_buttons(trend_view, file_stem=f"trend-{metric}-{grain}",
                           title=f"{measure.label} by {grain}", key="trend-dl")

# ------------------------------------------------------------------ compare
def compare_section() -> None:
    """Two services, two channels, or the latest period against a year before."""
    st.header("Compare")
    mode = persistent(st.radio, "What to compare", "compare", "service",
                      options=["service", "channel", "year"], horizontal=True,
                      format_func={"service": "Two services", "channel": "Two channels",
                                   "year": "Latest period against a year before"}.get,
                      help=TESTS_USED)
    if mode == "year":
        latest = table[table["reliable"]]["period"].iloc[-1] if table["reliable"].any() else None
        if latest is None:
            st.info(f"No period has {min_n} or more answers to compare.")
        else:
            year_before = (pd.Timestamp(latest) - pd.DateOffset(years=1)).date()
            wider = replace(where, start=year_before)
            both = cx_ui.cached(surveys.metrics, wider, grain=grain)
            result = trends.compare_groups(
                metric, (period_label(latest, grain), trends.row_or_empty(both, period=latest)),
                (period_label(year_before, grain), trends.row_or_empty(both, period=year_before)), min_n)
            st.markdown(cx_ui.literal(result.sentence()))
            st.dataframe(result.table(), hide_index=True)
    else:
        options = cx_ui.cached(surveys.values, mode, where)
        if len(options) < 2:
            st.info(f"There is only one {DIMENSION_LABELS[mode].lower()} in the data.")
        else:
            first_col, second_col = st.columns(2)
            first = persistent_choice(first_col.selectbox, f"First {DIMENSION_LABELS[mode].lower()}",
                                      f"first_{mode}", options[0], options)
            second = persistent_choice(second_col.selectbox, f"Second {DIMENSION_LABELS[mode].lower()}",
                                       f"second_{mode}", options[1], options)
            groups = cx_ui.cached(surveys.metrics, where, by=(mode,))
            result = trends.compare_groups(metric, (first, trends.row_or_empty(groups, **{mode: first})),
                                           (second, trends.row_or_empty(groups, **{mode: second})), min_n)
            st.markdown(cx_ui.literal(result.sentence()))
            st.dataframe(result.table(), hide_index=True)


# ------------------------------------------------------------------ breakdowns
def breakdowns_section() -> None:
    """The measure by service, channel, segment, area or staff member, and by day and hour."""
    st.header("Breakdowns")
    dimension = persistent(st.selectbox, "Break down by", "breakdown", "service",
                           options=["service", "channel", "segment", "area", "staff_id"],
                           format_func=DIMENSION_LABELS.get)
    groups = cx_ui.cached(surveys.metrics, where, by=(dimension,))
    breakdown, hidden = trends.breakdown_table(groups, metric, dimension, min_n,
                                               hide_small=dimension == "staff_id")
    if hidden:
        st.caption(f"{hidden} staff members with fewer than {min_n} answers are not shown.")
    if breakdown.empty:
        st.info("No answers to break down for these filters.")
    else:
        title = DIMENSION_LABELS[dimension]
        shown = trends.display_table(breakdown.rename(columns={"group": title}), measure.unit,
                                     group_column=title)
        cx_ui.chart_with_table(charts.breakdown_chart, breakdown, measure.label, title, unit_label,
                               table=shown, key="breakdown")
        cx_ui.download_buttons(shown, file_stem=f"{metric}-by-{dimension}",
                               title=f"{measure.label} by {title}", key="breakdown-dl")

    st.subheader("By day of week and hour of day")
    by_hour = trends.weekday_hour_table(cx_ui.cached(surveys.by_weekday_hour, where), metric, min_n)
    if by_hour["reliable"].any():
        hour_view = by_hour.assign(Value=[f"{v:.1f}" for v in by_hour["value"]])[
            ["Day", "Hour", "Value", "n"]]
        cx_ui.chart_with_table(charts.weekday_hour_chart, by_hour, measure.short, min_n, table=hour_view,
                               key="weekday-hour")
    else:
        st.info(f"No day and hour has {min_n} or more answers in this selection.")


# ------------------------------------------------------------------ contact centre
def contact_centre_section() -> None:
    """Contact-centre figures for the chosen services and dates, against their targets."""
    st.header("Contact centre")
    st.caption("Each figure is the sum of its numerators over the sum of its denominators across the chosen "
               "services and periods, never an average of percentages.")
    if survey != HEADLINE or any(chosen[d] for d in ("channel", "area", "segment")) or extra:
        st.caption("These are contact-centre counts, not survey answers: the dates and services chosen apply "
                   "to them, the survey, channel, area, segment and attribute filters cannot.")
    kpi_grain = "quarter" if grain == "quarter" else "month"
    totals = cx_ui.cached(surveys.kpi_totals, list(CONTACT_CENTRE), grain=kpi_grain,
                          services=chosen["service"], start=start, end=end)
    kpis = trends.kpi_table(totals, kpi_grain, targets, chosen["service"])
    if kpis.empty:
        st.info("No contact-centre figures for these filters.")
    else:
        latest_rows = kpis[kpis["period"] == kpis["period"].max()]
        cards = st.columns(len(latest_rows))
        for card, (_, row) in zip(cards, latest_rows.iterrows(), strict=True):
            definition = MEASURES[row["code"]]
            value = f"{row['value']:.0f} s" if definition.unit == "seconds" else f"{row['value']:.0f}%"
            card.metric(f"{definition.label}, {row['Period']}", value, border=True,
                        help=f"n = {format_count(row['n'])} {definition.denominator_label}. "
                             f"{definition.definition}")
            card.caption(row["Target"])
        percent = kpis[kpis["code"] != "average_wait_seconds"]
        percent_targets = {MEASURES[c].label: trends.target_for(targets, c, chosen["service"])
                           for c in CONTACT_CENTRE}
        view = trends.display_table(percent, "%").assign(Measure=percent["Measure"].tolist())
        cx_ui.chart_with_table(charts.kpi_chart, percent, "Contact-centre measures by period", "Per cent",
                               percent_targets, table=view, key="kpi")
        wait = kpis[kpis["code"] == "average_wait_seconds"]
        if not wait.empty:
            wait_view = trends.display_table(wait, "seconds")
            cx_ui.chart_with_table(charts.kpi_chart, wait, "Average wait before answer by period", "Seconds",
                                   percent_targets, table=wait_view, key="wait")
        cx_ui.download_buttons(kpis.drop(columns=["period", "code"]), file_stem=f"contact-centre-{kpi_grain}",
                               title="Contact-centre measures", key="kpi-dl")


# ------------------------------------------------------------------ engagement
def engagement_section() -> None:
    """Staff engagement beside customer satisfaction, by quarter."""
    st.header("Staff engagement beside customer satisfaction")
    st.caption("Engaged staff tend to give better service; the two lines show whether they move together "
               "here. Engagement comes from the quarterly staff survey.")
    if any(chosen[d] for d in ("service", "channel", "area", "segment")) or extra:
        st.caption("Engagement is one council-wide figure a quarter: only the dates chosen apply to it. The "
                   "satisfaction line follows every filter.")
    engagement = trends.kpi_table(cx_ui.cached(surveys.kpi_totals, ["employee_engagement"], grain="quarter",
                                               start=start, end=end), "quarter", targets)
    satisfaction = trends.trend_table(cx_ui.cached(surveys.metrics, where, grain="quarter"), "csat",
                                      "quarter", min_n)
    satisfaction = satisfaction[satisfaction["reliable"]]
    if engagement.empty:
        st.info("No staff engagement figures in this period.")
    else:
        both = pd.concat([
            trends.display_table(engagement, "%").assign(Measure="Employee engagement"),
            trends.display_table(satisfaction, "%").assign(Measure="Customer satisfaction (CSAT)")])
        cx_ui.chart_with_table(charts.engagement_chart, engagement, satisfaction, table=both,
                               key="engagement")


# ------------------------------------------------------------------ comments
def comments_section() -> None:
    """Customers' comments, unhappy first, with a search and pages."""
    st.header("What customers said")
    st.caption("Unhappy customers first (NPS 0 to 6 or CSAT 1 or 2), newest first within each group. "
               "Comments are shown exactly as written.")
    search = persistent(st.text_input, "Search the comments", "search", "", max_chars=200,
                           placeholder="For example: bin, pothole, phone")
    total = cx_ui.cached(surveys.comment_count, where, search=search.strip())
    page_size = 25
    pages = max(1, -(-total // page_size))
    page_number = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1,
                                  key="trends_comment_page") if pages > 1 else 1
    comments = cx_ui.cached(surveys.comments, where, search=search.strip(), limit=page_size,
                            offset=(int(page_number) - 1) * page_size)
    st.caption(f"{format_count(total)} comments match; showing {len(comments)}.")
    if not comments.empty:
        st.dataframe(
            comments.assign(unhappy=["✗ unhappy" if u else "" for u in comments["unhappy"]]).rename(columns={
                "completed_at": "Completed", "service": "Service", "channel": "Channel", "nps": "NPS",
                "csat": "CSAT", "unhappy": "Unhappy", "comment": "Comment"}),
            hide_index=True, width="stretch",
            column_config={"Comment": st.column_config.TextColumn(width="large")},
        )
        cx_ui.download_buttons(comments, file_stem="comments", title="Customer comments", key="comments-dl")


# Only the chosen section is computed and drawn: the first screen (filters and trend)
# comes at once in a new session, and a filter change redraws only what is shown.
SECTIONS = {"Compare": compare_section, "Breakdowns": breakdowns_section,
            "Contact centre": contact_centre_section, "Staff engagement": engagement_section,
            "What customers said": comments_section}
section_tabs = st.tabs(list(SECTIONS), key="trends_section", on_change="rerun")
for section_tab, draw_section in zip(section_tabs, SECTIONS.values(), strict=True):
    cx_ui.draw_if_open(section_tab, draw_section)

# ------------------------------------------------------------------ targets
def targets_section() -> None:
    """Every measure's target, and the form that sets one."""
    st.caption("A target for the whole council applies unless one service is chosen and has its own. "
               "Each target says where its figure comes from.")
    st.dataframe(pd.DataFrame({
        "Measure": [MEASURES[m].short if m in MEASURES else m for m in targets["metric"]],
        "Service": targets["service"].replace("", "Every service"),
        "Target": [MEASURES[m].format_target(t) if m in MEASURES else f"{t:g}"
                   for m, t in zip(targets["metric"], targets["target"], strict=True)],
        "Source": targets["source_note"]}), hide_index=True, width="stretch",
        column_config={"Source": st.column_config.TextColumn(width="large")})
    services = cx_ui.cached(surveys.values, "service", scope)
    seen = state.form_base("targets", {(m, sv): t for m, sv, t in targets[["metric", "service", "target"]]
                                       .itertuples(index=False)}, marker="target_value")

    def save_chosen_target(overwrite: bool = False) -> None:
        metric_code, service = state.widget_value("target_metric"), state.widget_value("target_service")
        saved = cx_ui.save(lambda store: save_target(
            store.surveys, metric_code, service, state.widget_value("target_value"), updated_by=me.person_id,
            now=datetime.now(), based_on=seen.get((metric_code, service)), overwrite=overwrite,
            source_note=state.widget_value("target_source") or ""),
            done="Target saved.", form="targets")
        if saved.ok:
            state.close_form("targets", "target_")

    with st.form("target-form"):
        st.selectbox("Measure", [*SURVEY_MEASURES, *KPI_MEASURES], key="target_metric",
                     format_func=lambda code: MEASURES[code].label)
        st.selectbox("Service", ["", *services], key="target_service",
                     format_func=lambda s: s or "Every service")
        st.number_input("Target (leave at blank to remove)", value=None, key="target_value",
                        help="NPS and net satisfaction −100 to 100; shares 0 to 100 (%); CES on the survey's "
                             "scale (1 to 5 or 1 to 7); waits in seconds.")
        st.text_input("Where the figure comes from", key="target_source", max_chars=500,
                      placeholder="For example: corporate plan 2026, or a published standard")
        cx_ui.show_form_error("targets")
        st.form_submit_button("Save target", disabled=not me.may("targets"), on_click=save_chosen_target)
    cx_ui.offer_overwrite("targets", save_chosen_target, (True,))
    if me.person_id is None:
        st.caption("Choose your name under 'You are' to change targets.")
    elif not me.may("targets"):
        st.caption("Targets are set by analysts and admins.")


# Drawn from the first time it is opened (then kept, like a form in a tab): a new session's first
# screen does not draw its table and form.
with st.expander("Targets for every measure", icon=":material/flag:", key="trends_targets",
                 on_change="rerun") as targets_box:
    if cx_ui.opened_before(targets_box, "trends/targets"):
        targets_section()

st.caption(f"Data to {format_date(newest)}; {format_count(fresh.responses)} responses stored. "
           f"Filters last {(end - start + timedelta(days=1)).days} days.")
