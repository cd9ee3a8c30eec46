"""Themes: what customers' comments are about, how that changes, their sentiment beside their score,
the theme list and its suggestions, and the "you said, we did" list."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

import cx_ui
from cx import sentiment, theme_suggest, theme_trends, themes, you_said
from cx.formatting import format_count
from cx.store.filters import Slice
from cx_ui import identity, state

cx_ui.page_title("Themes")
me = identity.me()
st.caption("What customers write about, counted: every comment is matched against the council's list of "
           "themes (words and phrases), and scored for sentiment with the VADER word list, on this server.")
cx_ui.show_notice()

# Comments imported since the last visit are scored and tagged now, by PlaceCX itself.
system = cx_ui.system_store()
if any(cx_ui.cached(system.themes.pending)):
    with st.spinner("Tagging new comments…"):
        themes.refresh(system, now=datetime.now())
store = cx_ui.store()
reports = store.theme_reports
min_n = cx_ui.settings().min_n

# ------------------------------------------------------------------ filters
with st.expander("Filters: which comments to count", expanded=True, icon=":material/filter_list:"):
    left, middle, right = st.columns([2, 2, 1])
    sources = left.multiselect("Survey", cx_ui.cached(reports.sources), key="themes_sources",
                               placeholder="All")
    services = middle.multiselect("Service", cx_ui.cached(store.surveys.values, "service"),
                                  key="themes_services",
                                  placeholder="All")
    grain = right.segmented_control("Period", ["month", "quarter"], default="month", key="themes_grain",
                                    format_func=str.capitalize) or "month"
where = Slice(service=tuple(services))
chosen_sources = tuple(sources)

counts = cx_ui.cached(reports.period_counts, where, chosen_sources, grain)
label, latest = theme_trends.latest_table(counts, grain, min_n)
if label is None:
    st.info("There are no comments to count yet. Comments arrive with survey exports (Upload page).")
    st.stop()

# ------------------------------------------------------------------ latest period
st.header(f"Themes in {label}")
n_latest = int(latest["n (all comments)"].iloc[0]) if not latest.empty else 0
st.caption(f"Share of the {format_count(n_latest)} comments in {label} that mention each theme, with its 95% "
           "interval (Wilson). A comment can mention several themes. ✓ grew: the share rose since the "
           "previous period and a two-proportion z-test at 95% says the rise is real.")
cards = st.columns(3)
for card, row in zip(cards, latest.head(3).itertuples(), strict=False):
    card.metric(cx_ui.literal(row.Theme), f"{row[5]:.1f}%", border=True,
                help=f"{row[3]:,} of n = {row[4]:,} comments · 95% interval {row[6]}")
shown_latest = latest.drop(columns=["theme_id", "Low (%)", "High (%)"])
st.dataframe(shown_latest, hide_index=True, width="stretch")
cx_ui.download_buttons(shown_latest, file_stem=f"themes-{grain}", title=f"Themes of comments, {label}",
                       key="themes-latest-dl")

# ------------------------------------------------------------------ trend
st.header("Themes over time")
names = dict(zip(latest["theme_id"], latest["Theme"], strict=True))
picked = st.multiselect("Themes to draw", list(names), default=list(latest["theme_id"].head(3)),
                        format_func=names.get, key="themes_trend_pick")
if picked:
    trend = theme_trends.trend_table(counts, grain, picked)
    cx_ui.chart_with_table(theme_trends.trend_figure, trend, table=trend.drop(columns=["period"]),
                           key="themes-trend")

# ------------------------------------------------------------------ the sections below
# Only the open section is computed and drawn, which spares a new session's first screen about
# thirty elements; a form, once its section has been opened, is drawn on every section so that
# what someone typed and has not saved survives a look at another (cx_ui.opened_before).
start = pd.Timestamp(theme_trends.periods(counts)[-1]).date()
latest_slice = Slice(start=start, end=None, service=tuple(services))
listed = cx_ui.cached(store.themes.themes)
can_theme = me.may("themes")


def detractors_section() -> None:
    st.caption("Which themes detractors (NPS 0 to 6) mention, beside how often promoters (9 to 10) do. "
               "Significant: a two-proportion z-test at 95% on the difference.")
    groups = cx_ui.cached(reports.group_counts, latest_slice, chosen_sources, "nps_group")
    st.dataframe(theme_trends.detractors_against_promoters(groups), hide_index=True, width="stretch")


def group_section(grouping: str, title: str) -> None:
    table = theme_trends.group_table(cx_ui.cached(reports.group_counts, latest_slice, chosen_sources,
                                                  grouping), title)
    st.dataframe(table, hide_index=True, width="stretch")


GROUPINGS = {"nps_group": "Detractors against promoters", "service": "By service", "source": "By survey"}


def groups_section() -> None:
    st.header(f"By service, survey and score, {label}")
    grouping = state.persistent(st.segmented_control, "Compare", state.view_setting("themes_grouping"),
                                "nps_group", options=list(GROUPINGS),
                                format_func=GROUPINGS.get) or "nps_group"
    if grouping == "nps_group":
        detractors_section()
    else:
        group_section(grouping, {"service": "Service", "source": "Survey"}[grouping])


def examples_section() -> None:
    st.header("Example comments")
    chosen = state.view_setting("themes_example")
    if chosen.get() not in names:  # a theme removed since, or none chosen yet
        chosen.set(next(iter(names), None))
    example_theme = state.persistent(st.selectbox, "Theme", chosen, None, options=list(names),
                                     format_func=names.get)
    examples = cx_ui.cached(reports.examples, example_theme, where, chosen_sources, 8)
    st.caption("The newest comments with this theme, exactly as customers wrote them.")
    st.dataframe(pd.DataFrame({
        "Date": [d.date() if pd.notna(d) else None for d in examples["completed_at"]],
        "Service": examples["service"], "NPS": examples["nps"], "CSAT": examples["csat"],
        "Sentiment": [sentiment.word(s) for s in examples["sentiment"]], "Comment": examples["comment"],
    }), hide_index=True, width="stretch")


def sentiment_section() -> None:
    st.header("Sentiment beside the score")
    st.caption(f"Each comment's VADER score runs from −1 to +1: ▼ negative at {sentiment.NEGATIVE} or below, "
               f"▲ positive at {sentiment.POSITIVE} or above. Over all comments in the filters.")
    by_score = cx_ui.cached(reports.sentiment_by_score, where, chosen_sources, negative=sentiment.NEGATIVE,
                            positive=sentiment.POSITIVE)
    st.dataframe(pd.DataFrame({
        "NPS answer": by_score["nps"], "Comments (n)": by_score["comments"],
        "▼ Negative comments": by_score["negative"], "▲ Positive comments": by_score["positive"],
        "Mean sentiment": by_score["mean_sentiment"].round(2),
    }), hide_index=True, width="stretch")
    odd = cx_ui.cached(reports.disagreements, where, chosen_sources, negative=sentiment.NEGATIVE,
                       positive=sentiment.POSITIVE, limit=50)
    total_odd = int(odd["total"].iloc[0]) if not odd.empty else 0
    st.subheader("Score and words disagree")
    st.caption(f"{format_count(total_odd)} comments: a promoter or CSAT 5 whose comment reads clearly "
               "negative, or an NPS 0 to 3 or CSAT 1 whose comment reads clearly positive. Read them: the "
               "customer may have misread the scale, or the comment may be about something else. Strongest "
               "first, up to 50.")
    st.dataframe(pd.DataFrame({
        "Date": [d.date() if pd.notna(d) else None for d in odd["completed_at"]], "Service": odd["service"],
        "NPS": odd["nps"], "CSAT": odd["csat"], "Sentiment": odd["sentiment"].round(2),
        "Comment": odd["comment"],
    }), hide_index=True, width="stretch")


def theme_list_section() -> None:
    st.header("The theme list")
    st.caption(f"Version {cx_ui.cached(store.themes.list_version)} of the list. A comment has a theme when "
               "one of its words or phrases appears as whole words, in any case; a * at the end of a word "
               "matches any ending (pothole* finds potholes). Changing a theme re-tags that theme alone.")
    st.dataframe(pd.DataFrame({"Theme": listed["name"],
                               "Words and phrases": [", ".join(p) for p in listed["phrases"]],
                               "Version": listed["version"],
                               "Changed by": listed["updated_by"].fillna("PlaceCX")}),
                 hide_index=True, width="stretch")
    if not can_theme:
        st.caption("Analysts and admins edit the theme list and decide on suggestions.")


def theme_form() -> None:
    """Pick a theme (or a new one) and edit its name and words."""
    by_id = {int(r.theme_id): r for r in listed.itertuples()}
    target = st.selectbox("Theme to change", [None, *by_id], key="themes_edit_pick",
                          format_func=lambda t: "A new theme" if t is None else by_id[t].name)
    current = by_id.get(target)
    form = f"theme-{target}"
    base_version = state.form_base(form, None if current is None else int(current.version),
                                   marker=f"{form}-name")

    def save_theme(target: int | None, form: str, base_version: int | None) -> None:
        """Form callback: save the theme as typed, based on the version the form first showed."""
        value = state.widget_value
        saved = cx_ui.save(lambda s: themes.save_theme(
            s, target, value(f"{form}-name"), value(f"{form}-phrases"), based_on=base_version,
            by=me.person_id, now=datetime.now()), done="Theme saved and its comments tagged again.",
            form=form)
        if saved.ok:
            state.close_form(form, f"{form}-")

    with st.form(f"theme-form-{target}"):
        st.text_input("Theme name", value="" if current is None else current.name, key=f"{form}-name",
                      max_chars=themes.MAX_NAME_LENGTH)
        st.text_area("Words and phrases, one per line", key=f"{form}-phrases",
                     value="" if current is None else themes.phrases_text(list(current.phrases)))
        cx_ui.show_form_error(form)
        st.form_submit_button("Save theme", type="primary", on_click=save_theme,
                              args=(target, form, base_version), key=f"{form}-save")
    if current is not None and st.button(f"Remove the theme {current.name}", key="themes_remove"):
        cx_ui.save_here(lambda s: themes.remove_theme(s, target, by=me.person_id, now=datetime.now()),
                        done="Theme removed.")


def suggestions_section(details: bool) -> None:
    """The suggestions, each with its words to edit; `details` (the examples) only while the tab is open."""
    if details:
        st.header("Suggested themes")
        st.caption("Groups of words that often occur together in comments no theme matches, found on this "
                   "server. Accept a suggestion (rename it and edit its words first if you like) or "
                   "reject it.")
    if details and can_theme and st.button("Look for suggestions again", key="themes_suggest"):
        cx_ui.save_here(lambda s: theme_suggest.refresh_suggestions(s, now=datetime.now()),
                        done=lambda n: f"{n} suggestions found.")
    for row in cx_ui.cached(store.themes.suggestions).itertuples():
        with st.expander(cx_ui.literal(f"{row.label}: {row.comments:,} comments"), expanded=False):
            if details:
                st.dataframe(pd.DataFrame({"Example comment": list(row.examples)}), hide_index=True,
                             width="stretch")
            if can_theme:
                suggestion_form(row)


def suggestion_form(row) -> None:
    key = f"suggestion-{row.suggestion_id}"
    name = st.text_input("Name for the theme", value=row.label, key=f"{key}-name")
    words = st.text_area("Words and phrases, one per line", value="\n".join(row.phrases),
                         key=f"{key}-phrases")
    accept, reject = st.columns(2)
    if accept.button("Accept as a theme", key=f"{key}-accept", type="primary"):
        cx_ui.save_here(lambda s, sid=row.suggestion_id, n=name, w=words: themes.accept_suggestion(
            s, sid, n, w, by=me.person_id, now=datetime.now()),
            done="Theme added and comments tagged.")
    if reject.button("Reject", key=f"{key}-reject"):
        cx_ui.save_here(lambda s, sid=row.suggestion_id: themes.reject_suggestion(
            s, sid, by=me.person_id, now=datetime.now()), done="Suggestion rejected.")


def you_said_section(items: pd.DataFrame) -> None:
    st.header("You said, we did")
    st.caption("A short list for the council's website: what customers told us, and what we changed. Only "
               "published items are downloaded.")
    published = items["published"].map({True: "✓ published", False: "✗ draft"})
    st.dataframe(pd.DataFrame({"You said": items["you_said"], "We did": items["we_did"],
                               "Theme": items["theme"], "Roadmap action": items["action"],
                               "Published": published}), hide_index=True, width="stretch")
    public = you_said.published_table(items)
    title = f"You said, we did ({date.today():%B %Y})"
    row_buttons = st.container(horizontal=True)
    row_buttons.download_button("Download HTML", data=you_said.to_html(public, title),
                                file_name="you-said-we-did.html", mime="text/html", key="ysd-html",
                                on_click="ignore", icon=":material/download:")
    row_buttons.download_button("Download Markdown", data=you_said.to_markdown(public, title),
                                file_name="you-said-we-did.md", mime="text/markdown", key="ysd-md",
                                on_click="ignore", icon=":material/download:")
    row_buttons.download_button("Download CSV", data=you_said.to_csv(public),
                                file_name="you-said-we-did.csv", mime="text/csv", key="ysd-csv",
                                on_click="ignore", icon=":material/download:")


def you_said_form(items: pd.DataFrame) -> None:
    """Pick an item (or a new one) and edit it."""
    item_ids = [int(i) for i in items["item_id"]]
    said = dict(zip(item_ids, items["you_said"], strict=True))
    pick = st.selectbox("Item to change", [None, *item_ids], key="ysd_pick",
                        format_func=lambda i: "A new item" if i is None else said[i][:80])
    record = None if pick is None else store.you_said.you_said_item(pick)
    form = f"ysd-{pick}"
    base = state.form_base(form, record, marker=f"{form}-said")
    actions = store.roadmap.actions()
    action_names = dict(zip(actions["action_id"].astype(int), actions["title"], strict=True))
    theme_names = {int(r.theme_id): r.name for r in listed.itertuples()}

    def save_item(pick: int | None, form: str, base: dict | None, overwrite: bool = False) -> None:
        """Form callback: save the item as typed, merged with changes made since the form opened."""
        value = state.widget_value
        fields = {"theme_id": value(f"{form}-theme"), "action_id": value(f"{form}-action"),
                  "you_said": value(f"{form}-said"), "we_did": value(f"{form}-did"),
                  "published": value(f"{form}-published")}
        saved = cx_ui.save(lambda s: you_said.save(s, pick, fields, base=base, by=me.person_id,
                                                   now=datetime.now(), overwrite=overwrite),
                           done="Item saved.", form=form)
        if saved.ok:
            state.close_form(form, f"{form}-")

    with st.form(f"ysd-form-{pick}"):
        theme_options = list(theme_names)
        st.selectbox("Theme", theme_options, key=f"{form}-theme", format_func=theme_names.get,
                     index=theme_options.index(record["theme_id"]) if record and record["theme_id"]
                     in theme_options else 0)
        action_options = [None, *action_names]
        st.selectbox("Roadmap action taken", action_options, key=f"{form}-action",
                     format_func=lambda a: "None" if a is None else action_names[a],
                     index=action_options.index(record["action_id"]) if record and record["action_id"]
                     in action_options else 0)
        st.text_area("You said", value=record["you_said"] if record else "", key=f"{form}-said",
                     max_chars=you_said.MAX_TEXT)
        st.text_area("We did", value=record["we_did"] if record else "", key=f"{form}-did",
                     max_chars=you_said.MAX_TEXT)
        st.checkbox("Published", value=bool(record["published"]) if record else False,
                    key=f"{form}-published")
        cx_ui.show_form_error(form)
        st.form_submit_button("Save item", type="primary", on_click=save_item,
                              args=(pick, form, base), key=f"{form}-save")
    cx_ui.offer_overwrite(form, save_item, (pick, form, base, True))


groups_tab, examples_tab, sentiment_tab, list_tab, suggestions_tab, you_said_tab = st.tabs(
    ["By group", "Example comments", "Sentiment", "Theme list", "Suggestions", "You said, we did"],
    key="themes_section", on_change="rerun")
cx_ui.draw_if_open(groups_tab, groups_section)
cx_ui.draw_if_open(examples_tab, examples_section)
cx_ui.draw_if_open(sentiment_tab, sentiment_section)
with list_tab:
    if list_tab.open:
        theme_list_section()
    if can_theme and cx_ui.opened_before(list_tab, "themes/list"):
        theme_form()
with suggestions_tab:
    if suggestions_tab.open or (can_theme and cx_ui.opened_before(suggestions_tab, "themes/suggestions")):
        suggestions_section(details=suggestions_tab.open)
with you_said_tab:
    with_form = me.may("you_said") and cx_ui.opened_before(you_said_tab, "themes/you_said")
    if you_said_tab.open or with_form:
        said_items = cx_ui.cached(store.you_said.you_said)
    if you_said_tab.open:
        you_said_section(said_items)
    if with_form:
        you_said_form(said_items)
