"""Follow-up cases: the rule, idempotent creation (also at once), contact privacy, edits, figures."""

from __future__ import annotations

import math
import threading
from datetime import date, datetime

import pandas as pd
import pytest

from cx import case_stats, cases
from cx.access import Actor, NotAllowed, open_store
from cx.edits import EditConflict
from cx.exports import to_csv_bytes
from cx.importers import inspect_export
from cx.importers.run import import_export
from cx.store.uploads import UploadBatch

NOW = datetime(2026, 11, 13, 10, 0)  # a Friday
SOURCE = "Street survey"
CONSENT, EMAIL, PHONE = "Happy to be contacted", "Email", "Mobile phone"
# response id, nps, csat, comment, consent answer, opens a case under the default rule
ROWS = [
    ("r1", 3, None, "Bin missed", "Yes", True),
    ("r2", 7, 2, "Slow reply", "yes ", True),  # CSAT 2, consent with a stray space
    ("r3", 2, None, None, "Yes", False),  # no comment
    ("r4", 9, 5, "Great", "Yes", False),  # happy
    ("r5", 0, None, "Awful", "No", False),  # did not agree
    ("r6", 6, None, "Meh", None, False),  # never answered the consent question
    ("r7", None, 1, "Pothole", "Y", True),
    ("r8", 6, None, "Late", "TRUE", True),  # 6 is still a detractor
    ("r9", 10, 1, "  ", "Yes", False),  # a blank comment is no comment
]
EXPECTED = {r[0] for r in ROWS if r[5]}


def _responses(rows=ROWS, prefix="") -> pd.DataFrame:
    keys, values = [], []
    for rid, *_rest, consent, _ in rows:
        k, v = ["Ward"], ["Abbey"]
        if consent is not None:
            k += [CONSENT, EMAIL, PHONE]
            v += [consent, f"{prefix}{rid}@example.org", "07700 900123"]
        keys.append(k)
        values.append(v)
    return pd.DataFrame({
        "response_id": [prefix + r[0] for r in rows],
        "completed_at": [datetime(2026, 11, 10, 9)] * len(rows),
        "service": ["Highways"] * len(rows),
        "nps": pd.array([r[1] for r in rows], dtype="UInt8"),
        "csat": pd.array([r[2] for r in rows], dtype="UInt8"),
        "comment": [r[3] for r in rows],
        "extra_keys": keys, "extra_values": values,
    })


@pytest.fixture
def team(database):
    """People of every role, and one survey's responses; returns (database, {role: person_id})."""
    store = database.store()
    ids = {}
    with store.transaction():
        for role in ("admin", "leader", "analyst", "viewer", "other_leader"):
            ids[role] = store.people.add(role.title(), None, now=NOW)
            store.people.set_access(ids[role], email=f"{role}@council.gov.uk",
                                    role="leader" if role == "other_leader" else role)
        batch = store.uploads.create_batch(UploadBatch(SOURCE, NOW, len(ROWS)), "responses")
        store.uploads.insert_responses(batch, SOURCE, _responses())
    return database, ids


def actor(ids, role, **kw) -> Actor:
    return Actor(ids[role], role.title(), "leader" if role == "other_leader" else role, **kw)


def test_the_default_rule_finds_the_consent_and_contact_columns():
    assert cases.guess_columns(["Ward", "Email address", "Happy to be contacted", "Phone"]) == \
        ("Happy to be contacted", "Email address", "Phone")
    assert cases.guess_columns(["May we contact you about your answers?", "E-mail", "Tel"]) == \
        ("May we contact you about your answers?", "E-mail", "Tel")
    rule = cases.default_rule(["Ward", "Age band"])
    assert rule.consent_column is None and not rule.opens_cases  # nobody agreed to anything


def test_find_new_cases_opens_one_case_per_matching_response_and_only_once(team):
    database, ids = team
    store = database.store()
    opened = cases.find_new_cases(store, by=ids["analyst"], now=NOW)
    assert opened == {SOURCE: len(EXPECTED)}
    found = store.cases.cases()
    assert set(found["response_id"]) == EXPECTED
    assert set(found["due_on"]) == {pd.Timestamp(2026, 11, 20)}  # 5 working days after Friday 13th
    assert set(found["status"]) == {"new"}
    assert cases.find_new_cases(store, by=ids["analyst"], now=NOW) == {}
    assert len(store.cases.cases()) == len(EXPECTED)
    history = store.cases.history(int(found["case_id"].iloc[0]))
    assert history[["changed_by", "new_value"]].values.tolist() == [["Analyst", "Opened"]]


def test_a_stricter_rule_and_a_longer_standard_apply_to_new_cases(team):
    database, ids = team
    store = open_store(database, actor(ids, "analyst"))
    rule = cases.rule_for(store, SOURCE)
    cases.save_rule(store, SOURCE, cases.CaseRule(**{**rule.__dict__, "csat_max": None, "standard_days": 10}),
                    by=ids["analyst"], now=NOW)
    cases.find_new_cases(store, by=ids["analyst"], now=NOW)
    found = store.cases.cases()
    assert set(found["response_id"]) == {"r1", "r8"}  # r2 and r7 were unhappy by CSAT only
    assert set(found["due_on"]) == {pd.Timestamp(2026, 11, 27)}
    with pytest.raises(NotAllowed):
        cases.save_rule(open_store(database, actor(ids, "leader")), SOURCE, rule, by=ids["leader"], now=NOW)
    with pytest.raises(ValueError, match="Consent column: this survey has no column"):
        cases.save_rule(store, SOURCE, cases.CaseRule(consent_column="Nope"), by=ids["analyst"], now=NOW)


def test_two_runs_at_the_same_moment_never_open_two_cases_for_one_response(team, caplog):
    database, ids = team
    more = [(f"x{i}", i % 7, None, "Unhappy", "Yes", True) for i in range(300)]
    store = database.store()
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch(SOURCE, NOW, len(more)), "responses")
        store.uploads.insert_responses(batch, SOURCE, _responses(more))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        waited = []

        def unit(s):
            if not waited:  # both transactions are open before either looks for cases
                waited.append(True)
                s.cases.sources()
                barrier.wait(timeout=20)
            return cases.find_new_cases(s, by=None, now=NOW)

        try:
            results.append(database.store().run(unit))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert "retried after a write conflict" in caplog.text  # the later run clashed, and ran again
    expected = len(EXPECTED) + len(more)
    assert sorted(sum(r.values()) for r in results) == [0, expected]
    found = database.store().cases.cases(limit=10_000)
    assert len(found) == expected and found["response_id"].is_unique


def test_import_opens_cases_for_the_new_batch(database):
    header = ["Response ID", "How likely to recommend", "Comment", "Happy to be contacted", "Email address"]
    lines = [header, ["a1", "2", "Never came", "Yes", "a1@example.org"], ["a2", "9", "Fine", "Yes", ""],
             ["a3", "4", "Rude", "No", ""]]
    content = "\n".join(",".join(line) for line in lines).encode()
    store = database.store()
    import_export(store, inspect_export(content, "street.csv"), source="Street", uploaded_by="A", now=NOW)
    assert store.cases.cases()["response_id"].tolist() == ["a1"]
    assert store.cases.rule("Street")["email_column"] == "Email address"  # the guess is kept as the rule
    assert "Email address" not in set(store.surveys.extra_attributes()["name"])


def _open_cases(database, ids):
    store = database.store()
    cases.find_new_cases(store, by=None, now=NOW)
    found = store.cases.cases().set_index("response_id")
    case_id = int(found.loc["r1", "case_id"])
    cases.update_case(store, case_id, cases.CaseInput(ids["leader"], "new"), by=ids["admin"], now=NOW)
    return case_id


@pytest.mark.parametrize(("role", "sees"), [("leader", True), ("admin", True), ("other_leader", False),
                                            ("analyst", False), ("viewer", False)])
def test_contact_details_only_for_the_owner_and_admins(team, role, sees):
    database, ids = team
    case_id = _open_cases(database, ids)
    who = actor(ids, role)
    store = open_store(database, who)
    assert cases.may_see_contact(who, ids["leader"]) is sees
    if sees:
        assert cases.contact_details(store, who, case_id) == cases.Contact("r1@example.org", "07700 900123")
    else:
        with pytest.raises(NotAllowed, match="owner and admins"):
            cases.contact_details(store, who, case_id)


def test_no_list_or_download_of_cases_carries_contact_details(team):
    database, ids = team
    _open_cases(database, ids)
    store = database.store()
    listed = store.cases.cases()
    table = cases.case_table(listed, date(2026, 11, 30))
    assert "example.org" not in listed.to_csv() and "07700" not in listed.to_csv()
    assert b"example.org" not in to_csv_bytes(table) and b"07700" not in to_csv_bytes(table)
    assert len(table) == len(EXPECTED)


def test_editing_a_case_closes_it_records_who_and_merges_others_changes(team):
    database, ids = team
    case_id = _open_cases(database, ids)
    leader = open_store(database, actor(ids, "leader"))
    base = cases.case_input(leader.cases.case(case_id))
    with pytest.raises(ValueError, match="Outcome: say what happened"):
        cases.update_case(leader, case_id, cases.CaseInput(ids["leader"], "resolved"), by=ids["leader"],
                          now=NOW)
    # Someone else adds a note meanwhile; my status change keeps it.
    cases.update_case(database.store(), case_id, cases.CaseInput(ids["leader"], "new", "Left a voicemail"),
                      by=ids["admin"], now=NOW)
    closed = datetime(2026, 11, 17, 15)
    cases.update_case(leader, case_id, cases.CaseInput(ids["leader"], "resolved", "", "Bin collected"),
                      by=ids["leader"], now=closed, based_on=base)
    row = leader.cases.case(case_id)
    assert (row["status"], row["notes"], row["outcome"], row["closed_on"]) == \
        ("resolved", "Left a voicemail", "Bin collected", pd.Timestamp(2026, 11, 17))
    history = leader.cases.history(case_id)
    latest = history.iloc[0][["changed_by", "field", "new_value"]].tolist()
    assert latest == ["Leader", "Outcome", "Bin collected"]
    assert ["Leader", "Status", "● Resolved"] in history[["changed_by", "field", "new_value"]].values.tolist()
    # Both change the outcome: the later save is refused, naming who changed it.
    with pytest.raises(EditConflict, match="Leader changed case"):
        cases.update_case(database.store(), case_id, cases.CaseInput(ids["leader"], "resolved", "", "Other"),
                          by=ids["admin"], now=closed, based_on=cases.CaseInput(ids["leader"], "new", "", ""))
    with pytest.raises(NotAllowed):
        cases.update_case(open_store(database, actor(ids, "viewer")), case_id,
                          cases.CaseInput(None, "contacted"), by=ids["viewer"], now=NOW)
    again = cases.CaseInput(ids["leader"], "contacted", "Left a voicemail", "Bin collected")
    reopened = cases.update_case(leader, case_id, again, by=ids["leader"], now=NOW)
    assert reopened == [("Status", "● Resolved", "◑ Contacted")]
    assert pd.isna(leader.cases.case(case_id)["closed_on"])


def _wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval, written out again from Wilson (1927) for the check."""
    z = 1.959963984540054
    p = successes / n
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def test_share_closed_within_the_standard_and_its_interval(database):
    today = date(2026, 11, 30)
    rows = []
    # (service, opened, due, closed or None)
    plan = ([("Waste", date(2026, 10, 1), date(2026, 10, 8), date(2026, 10, 8))] * 8  # on the due day
            + [("Waste", date(2026, 10, 1), date(2026, 10, 8), date(2026, 10, 9))] * 2  # a day late
            + [("Waste", date(2026, 11, 2), date(2026, 11, 9), None)] * 3  # open and overdue
            + [("Roads", date(2026, 11, 27), date(2026, 12, 4), None)] * 4  # open, not yet due
            + [("Roads", date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 4))] * 1)
    for i, (service, opened, due, closed) in enumerate(plan):
        rows.append({"source": "s", "response_id": f"c{i}", "completed_at": datetime(2026, 10, 1),
                     "service": service, "channel": None, "nps": 3, "csat": None, "comment": "x",
                     "opened_on": opened, "due_on": due, "standard_days": 5, "owner_id": None,
                     "status": "resolved" if closed else "new", "closed_on": closed, "notes": None,
                     "outcome": "done" if closed else None, "created_at": NOW, "updated_at": NOW})
    store = database.store()
    store.cases.insert_cases(pd.DataFrame(rows), by=None)
    counts = store.cases.status_counts(today).set_index("service")
    waste = counts.loc["Waste", ["cases", "decided", "within_standard", "open_overdue"]].tolist()
    assert waste == [13, 13, 8, 3]
    assert counts.loc["Roads", ["cases", "decided", "within_standard"]].tolist() == [5, 1, 1]
    shares = case_stats.with_share(counts.reset_index(), min_n=10).set_index("service")
    low, high = _wilson(8, 13)
    assert shares.loc["Waste", ["value", "n"]].tolist() == pytest.approx([100 * 8 / 13, 13])
    assert shares.loc["Waste", ["low", "high"]].tolist() == pytest.approx([100 * low, 100 * high])
    assert (shares.loc["Waste", "reliable"], shares.loc["Roads", "reliable"]) == (True, False)
    assert _wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # the textbook example
    total = case_stats.team_totals(counts.reset_index(), 10)
    assert (total.n, round(total.value, 6)) == (14, round(100 * 9 / 14, 6))
    months = store.cases.monthly_counts(today)
    assert months[["cases", "decided", "within_standard"]].values.tolist() == [[10, 10, 8], [8, 4, 1]]
    table = case_stats.month_table(months, 10)
    assert table[case_stats.SHARE_LABEL].tolist() == ["80%", "25%"]
    assert table["n (closed or past due)"].tolist() == [10, 4]


def test_contact_columns_are_not_offered_as_a_filter_once_a_rule_names_them(team):
    database, ids = team
    store = database.store()
    assert EMAIL in set(store.surveys.extra_attributes()["name"])  # nine addresses: a short list
    cases.save_rule(store, SOURCE, cases.rule_for(store, SOURCE), by=ids["admin"], now=NOW)
    assert set(store.surveys.extra_attributes()["name"]) == {"Ward", CONSENT}


def test_who_may_open_and_work_on_cases(team):
    database, ids = team
    with pytest.raises(NotAllowed):
        cases.find_new_cases(open_store(database, actor(ids, "viewer")), by=ids["viewer"], now=NOW)
    assert cases.find_new_cases(open_store(database, actor(ids, "leader")), by=ids["leader"], now=NOW)
    case_id = int(database.store().cases.cases()["case_id"].iloc[0])
    analyst = open_store(database, actor(ids, "analyst"))
    cases.update_case(analyst, case_id, cases.CaseInput(ids["other_leader"], "new"), by=ids["analyst"],
                      now=NOW)
    assert analyst.cases.case(case_id)["owner"] == "Other_Leader"


def test_a_missing_completion_time_reads_as_words():
    assert cases.day_words(pd.NaT) == "an unknown date"
    assert cases.day_words(pd.Timestamp(2026, 10, 9)) == "9 October 2026"
