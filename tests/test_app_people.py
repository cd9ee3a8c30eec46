"""The People and Audit trail pages, driven through their widgets (open mode: the person is an admin)."""

from __future__ import annotations

from .apptest import messages, open_page, query, table


def person(path, name) -> int:
    return query(path, "SELECT person_id FROM people WHERE name = ?", [name])[0][0]


def test_an_admin_adds_a_person_who_can_then_sign_in(demo_copy):
    amara = person(demo_copy, "Amara Okafor")
    at = open_page("pages/people.py", person_id=amara)
    at.text_input(key="people-new-email").set_value("  Jo.Bloggs@Fenbridge.gov.uk ")
    at.text_input(key="people-new-name").set_value("Jo Bloggs")
    at.selectbox(key="people-new-role").set_value("viewer")
    at.button(key="FormSubmitter:people-new-Add person").click().run()
    assert not at.exception
    assert messages(at.success) == ["Added. They can sign in now."]
    assert query(demo_copy, "SELECT name, email, access, active FROM people WHERE email IS NOT NULL") == [
        ("Jo Bloggs", "jo.bloggs@fenbridge.gov.uk", "viewer", True)]
    shown = table(at, "Name", "Job title", "Email").set_index("Name")
    assert shown.loc["Jo Bloggs", "Role"] == "Viewer" and shown.loc["Jo Bloggs", "Can sign in"] == "yes"
    assert shown.loc["Tom Hargreaves", "Email"] == "not linked"


def test_a_bad_email_is_refused_naming_the_field_and_nothing_is_added(demo_copy):
    at = open_page("pages/people.py", person_id=person(demo_copy, "Amara Okafor"))
    before = query(demo_copy, "SELECT count(*) FROM people")[0][0]
    at.text_input(key="people-new-email").set_value("not an email")
    at.text_input(key="people-new-name").set_value("Nobody")
    at.button(key="FormSubmitter:people-new-Add person").click().run()
    assert messages(at.error)[0].startswith("Email: enter the address the person signs in with")
    assert query(demo_copy, "SELECT count(*) FROM people")[0][0] == before


def test_a_leader_named_before_sign_in_is_linked_and_the_audit_trail_names_who_did_it(demo_copy):
    amara, tom = person(demo_copy, "Amara Okafor"), person(demo_copy, "Tom Hargreaves")
    at = open_page("pages/people.py", person_id=amara)
    at.selectbox(key="people-edit-choice").set_value(tom).run()
    at.text_input(key=f"people-edit-{tom}-email").set_value("tom@fenbridge.gov.uk")
    at.selectbox(key=f"people-edit-{tom}-role").set_value("admin")
    at.button(key=f"FormSubmitter:people-edit-{tom}-Save").click().run()
    assert not at.exception and messages(at.success) == ["Saved."]
    assert query(demo_copy, "SELECT email, access FROM people WHERE person_id = ?", [tom]) == [
        ("tom@fenbridge.gov.uk", "admin")]
    # What Tom recorded before is still his.
    assert query(demo_copy, "SELECT count(*) FROM checklist_answers WHERE person_id = ?", [tom])[0][0] > 0

    trail = open_page("pages/audit.py", person_id=amara)
    rows = table(trail, "When", "Who", "Email", "Area", "What")
    assert rows.iloc[0][["Who", "Area", "What"]].tolist() == [
        "Amara Okafor", "People", "changed a person's sign-in or role"]


def test_on_a_new_empty_database_in_open_mode_the_one_person_adds_their_name_first(tmp_path, app_env):
    path = tmp_path / "new.duckdb"
    app_env(path)
    at = open_page()
    at.sidebar.text_input(key="first-name").set_value("Sam Single")
    at.sidebar.button(key="FormSubmitter:first-name-form-Start").click().run()
    assert not at.exception
    assert query(path, "SELECT person_id, name FROM people") == [(1, "Sam Single")]
    assert at.session_state["person_id"] == 1
    assert at.sidebar.selectbox(key="person_widget").value == 1
