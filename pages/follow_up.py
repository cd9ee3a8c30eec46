"""Follow-up: unhappy customers who agreed to be contacted, as cases someone owns and closes."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

import cx_ui
from cx import case_stats, cases
from cx.formatting import format_date, format_interval, format_value
from cx.status import CASE_STATUSES
from cx_ui import identity, state

cx_ui.page_title("Follow-up")
store = cx_ui.store()
me = identity.me()
today = date.today()
min_n = cx_ui.settings().min_n
st.caption("Customers who gave a low score, left a comment and agreed to be contacted become cases. "
           "Each case has an owner and a date to close it by; contact details are shown only to the "
           "case's owner and to admins.")
cx_ui.show_notice()
people = store.people.all()
names = dict(zip(people["person_id"].tolist(), people["name"].tolist(), strict=True))

# ------------------------------------------------------------------ my cases
st.header("My cases")
if me.person_id is None:
    st.info("Choose your name under 'You are' to see the cases you own.")
    mine = store.cases.cases(owner_id=-1)
else:
    mine = cx_ui.cached(store.cases.cases, owner_id=me.person_id)
    late = cases.is_overdue(mine, today)
    open_mine = mine["closed_on"].isna()
    left, right, closed = st.columns(3)
    left.metric("Open cases you own", int(open_mine.sum()), border=True)
    right.metric("Of them overdue", int(late.sum()), border=True,
                 help="Open, and the date to close the case by has passed.")
    closed.metric("Cases you have closed", int((~open_mine).sum()), border=True)
    if mine.empty:
        st.write("You own no cases.")
    else:
        st.dataframe(cases.case_table(mine, today), hide_index=True, width="stretch", key="my-cases")

# ------------------------------------------------------------------ one case
st.header("Work on a case")
lists = {"mine": "My open cases", "unassigned": "Open cases nobody owns", "open": "All open cases",
         "all": "All cases"}
shown = st.segmented_control("Choose from", options=list(lists), format_func=lists.get, default="mine",
                             key="case-list") or "mine"
if shown == "mine":
    choices = mine[mine["closed_on"].isna()] if me.person_id is not None else mine
else:
    choices = cx_ui.cached(store.cases.cases, unassigned=shown == "unassigned", open_only=shown != "all")
ordered = cases.in_attention_order(choices, today)
labels = {int(r["case_id"]): f"Case {int(r['case_id'])}: {r['service'] or 'no service'}, due "
          f"{format_date(r['due_on'])}" for r in ordered.to_dict("records")}
case_id = st.selectbox("Case", options=list(labels), format_func=labels.get, index=0 if labels else None,
                       placeholder="No cases in this list", key=f"case-choice-{shown}-{me.person_id}")


def save_case(case_id: int, overwrite: bool = False) -> None:
    """Form callback: save the case as the form holds it, based on the case as the form first showed it."""
    form = f"case-{case_id}"

    def value(name: str):
        return state.widget_value(f"{form}-{name}")

    base = state.form_base(form, None, marker=f"{form}-status")
    entered = cases.CaseInput(value("owner"), value("status"), value("notes") or "", value("outcome") or "")
    saved = cx_ui.save(lambda s: cases.update_case(s, case_id, entered, by=me.person_id, now=datetime.now(),
                                                   based_on=base, overwrite=overwrite),
                       done=f"Case {case_id} saved.", form=form)
    if saved.ok:
        state.close_form(form, f"{form}-")


if case_id is not None:
    row = store.cases.case(case_id)
    record = cases.case_input(row)
    st.text(f"{row['service'] or 'No service'} · {row['channel'] or 'no channel'} · answered "
            f"{cases.day_words(row['completed_at'])} · opened {format_date(row['opened_on'])} · due "
            f"{format_date(row['due_on'])} ({int(row['standard_days'])} working days)")
    scores = [f"NPS {int(row['nps'])}" if row["nps"] is not None and row["nps"] == row["nps"] else "",
              f"CSAT {int(row['csat'])}" if row["csat"] is not None and row["csat"] == row["csat"] else ""]
    st.text(f"Score: {', '.join(s for s in scores if s) or 'none'}. What the customer said:")
    st.text(row["comment"] or "(no comment)")
    if cases.may_see_contact(me, record.owner_id):
        contact = cases.contact_details(store, me, case_id)
        st.text(f"Email: {contact.email or 'not given'} · Phone: {contact.phone or 'not given'}")
    else:
        st.caption("Contact details are shown only to the case's owner and to admins.")
    form = f"case-{case_id}"
    state.form_base(form, record, marker=f"{form}-status")
    with st.form(f"case-form-{case_id}"):
        codes = [s.code for s in CASE_STATUSES]
        st.radio("Status", options=codes, index=codes.index(record.status), horizontal=True,
                 key=f"{form}-status", format_func=lambda c: cases.STATUS_BY_CODE[c].tag)
        owners = [None, *names]
        st.selectbox("Owner", options=owners, key=f"{form}-owner",
                     index=owners.index(record.owner_id) if record.owner_id in owners else 0,
                     format_func=lambda pid: "Nobody yet" if pid is None else names[pid])
        st.text_area("Notes", value=record.notes, max_chars=cases.MAX_NOTES, key=f"{form}-notes",
                     help="Calls made, what was agreed. Only people who work on cases read them.")
        st.text_area("Outcome", value=record.outcome, max_chars=cases.MAX_OUTCOME, key=f"{form}-outcome",
                     help="What happened, in a sentence; needed to close the case.")
        cx_ui.show_form_error(form)
        st.form_submit_button("Save case", type="primary", on_click=save_case, args=(case_id,),
                              key=f"case-save-{case_id}", disabled=not me.may("cases"))
    cx_ui.offer_overwrite(form, save_case, (case_id, True))
    with st.expander(f"History of case {case_id}"):
        st.dataframe(store.cases.history(case_id).rename(columns={
            "changed_at": "When", "changed_by": "Who", "field": "What", "old_value": "Was",
            "new_value": "Now"}), hide_index=True, width="stretch")

# ------------------------------------------------------------------ team view
st.header("Team view")
by_service = cx_ui.cached(store.cases.status_counts, today)
by_month = cx_ui.cached(store.cases.monthly_counts, today)
totals = case_stats.open_counts(by_service)
share = case_stats.team_totals(by_service, min_n)
first, second, third = st.columns(3)
first.metric("Open cases", totals["open"], border=True, help=f"Of {totals['cases']:,} cases in all.")
second.metric("Open and overdue", totals["overdue"], border=True)
third.metric(case_stats.SHARE_LABEL, format_value(share), border=True,
             help=f"n = {share.n:,} cases closed or past their due date. {format_interval(share)}.")
st.text(f"{case_stats.SHARE_LABEL}: {format_value(share)} "
        f"({format_interval(share) or 'no interval'}), n = {share.n:,}. {case_stats.as_of(today)}")
st.subheader("By service")
st.dataframe(case_stats.service_table(by_service, min_n), hide_index=True, width="stretch", key="by-service")
st.subheader("Over time")
if by_month.empty:
    st.write("No cases yet.")
else:
    cx_ui.chart_with_table(case_stats.month_chart, by_month, "the standard", min_n,
                           table=case_stats.month_table(by_month, min_n), key="cases-by-month")
st.caption("Downloads list every case without the customers' contact details.")
cx_ui.download_buttons(lambda: cases.case_table(cx_ui.database().store().cases.cases(limit=1_000_000), today),
                       file_stem=f"follow-up-cases-{today.isoformat()}",
                       title=f"Follow-up cases, {format_date(today)}", key="cases-dl")

# ------------------------------------------------------------------ rules
if me.may("case_rules") or me.may("cases"):
    st.header("Rules for each survey")
    sources = store.cases.sources()
    source = st.selectbox("Survey", options=sources, index=0 if sources else None, key="rule-source",
                          placeholder="No survey imported yet")
    if source is not None:
        rule = cases.rule_for(store, source)
        st.text(rule.sentence())
        if me.may("case_rules"):
            attributes = store.cases.attribute_names(source)
            rform = f"rule-{source}"
            state.form_base(rform, rule, marker=f"{rform}-enabled")

            def save_rule(source: str, overwrite: bool = False) -> None:
                def value(name: str):
                    return state.widget_value(f"rule-{source}-{name}")

                entered = cases.CaseRule(
                    value("enabled"), value("nps_max"), value("csat_max"), value("needs_comment"),
                    value("consent_column"), tuple((value("consent_values") or "").split(",")),
                    value("email_column"), value("phone_column"), value("standard_days"), value("owner"))
                base = state.form_base(f"rule-{source}", None, marker=f"rule-{source}-enabled")
                saved = cx_ui.save(lambda s: cases.save_rule(s, source, entered, by=me.person_id,
                                                             now=datetime.now(), based_on=base,
                                                             overwrite=overwrite),
                                   done=f"Rule for {source} saved.", form=f"rule-{source}")
                if saved.ok:
                    state.close_form(f"rule-{source}", f"rule-{source}-")

            columns = [None, *attributes]
            with st.form(f"rule-form-{source}"):
                st.checkbox(cases.RULE_LABELS["enabled"], value=rule.enabled, key=f"{rform}-enabled")
                left, right = st.columns(2)
                left.selectbox(cases.RULE_LABELS["nps_max"], options=[None, *range(11)],
                               index=[None, *range(11)].index(rule.nps_max), key=f"{rform}-nps_max",
                               format_func=lambda v: "Do not use NPS" if v is None else str(v))
                right.selectbox(cases.RULE_LABELS["csat_max"], options=[None, *range(1, 6)],
                                index=[None, *range(1, 6)].index(rule.csat_max), key=f"{rform}-csat_max",
                                format_func=lambda v: "Do not use CSAT" if v is None else str(v))
                st.checkbox(cases.RULE_LABELS["needs_comment"], value=rule.needs_comment,
                            key=f"{rform}-needs_comment")
                for name in ("consent_column", "email_column", "phone_column"):
                    current = getattr(rule, name)
                    st.selectbox(cases.RULE_LABELS[name], options=columns,
                                 index=columns.index(current) if current in columns else 0,
                                 key=f"{rform}-{name}", format_func=lambda c: "None" if c is None else c)
                st.text_input(cases.RULE_LABELS["consent_values"], value=", ".join(rule.consent_values),
                              key=f"{rform}-consent_values", help="Separate answers with commas.")
                st.number_input(cases.RULE_LABELS["standard_days"], min_value=1, max_value=60,
                                value=int(rule.standard_days), step=1, key=f"{rform}-standard_days")
                owners = [None, *names]
                st.selectbox(cases.RULE_LABELS["default_owner_id"], options=owners, key=f"{rform}-owner",
                             index=owners.index(rule.default_owner_id) if rule.default_owner_id in owners
                             else 0, format_func=lambda pid: "Nobody yet" if pid is None else names[pid])
                cx_ui.show_form_error(rform)
                st.form_submit_button("Save rule", on_click=save_rule, args=(source,))
            cx_ui.offer_overwrite(rform, save_rule, (source, True))
    def find_cases() -> None:
        """Button callback: open a case for every response that meets its survey's rule and has none."""
        cx_ui.save(lambda s: cases.find_new_cases(s, by=me.person_id, now=datetime.now()),
                   done=lambda opened: (f"Opened {sum(opened.values()):,} new cases." if opened else
                                        "No new cases: every response that meets a rule has one."))

    st.button("Find new cases", disabled=not me.may("cases"), key="find-cases", on_click=find_cases,
              help="Opens a case for every response that meets its survey's rule and has none yet.")
