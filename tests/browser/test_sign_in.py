"""Sign-in end to end: Chromium, the real PlaceCX server and a real OpenID Connect provider on localhost.

One provider and one server serve the whole module (the `signin_server` fixture);
each person signs in once, in their own browser context (their own cookie jar),
and later tests reuse that context. The open-mode test starts its own server with
the project's default configuration and no [auth] section.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import urllib.request

import pytest

from cx.checklist import QUESTIONS

from .conftest import ARTIFACTS, streamlit_server
from .keyboard import wait_for_text
from .oidc import (
    ADMIN,
    LEADER_A,
    LEADER_B,
    SIGN_IN_TITLE,
    STRANGER,
    UNKNOWN_TITLE,
    VIEWER,
    Person,
    data_on_page,
    end_provider_session,
    main_heading,
    page_links,
    press_sign_out,
    read_database,
    sign_in,
    signed_in_as,
    table_counts,
    wait_until_drawn,
)

pytestmark = pytest.mark.browser

# A question none of the demo leaders has answered, so the only answer is the test's.
QUESTION, TOPIC = "shoes", "Seeing it first-hand"
PRIVATE_TEXT = (f"Private to Tom ({secrets.token_hex(3)}): I have not been out on a collection round since "
                "the new contract.")
# Tom's own demo answer (private) and his shared one, both seeded by the demo.
TOM_PRIVATE_DEMO = "The collection contractor's account manager"
TOM_SHARED_DEMO = "We collect missed-bin reports by round and crew"


class Sessions:
    """One signed-in browser context per person, kept for the module."""

    def __init__(self, browser, app_url: str) -> None:
        self.browser, self.app_url = browser, app_url
        self.contexts: dict[str, object] = {}
        self.tabs: dict[str, object] = {}

    def new_context(self):
        return self.browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")

    def tab(self, person: Person):
        """`person`'s tab, signing them in (once) through the provider."""
        if person.sub not in self.tabs:
            context = self.new_context()
            self.contexts[person.sub] = context
            self.tabs[person.sub] = sign_in(context, self.app_url, person)
        return self.tabs[person.sub]

    def open(self, person: Person, url_path: str = "", *, reload: bool = True):
        """`person`'s tab showing PlaceCX's page `url_path`, settled.

        With reload False a tab already showing that page is left as it is.
        """
        tab = self.tab(person)
        url = f"{self.app_url}/{url_path}"
        if reload or tab.url != url:
            tab.goto(url)
        wait_until_drawn(tab)
        return tab

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def sessions(browser, signin_server):
    kept = Sessions(browser, signin_server.url)
    yield kept
    kept.close()


def shot(tab, name: str) -> None:
    wait_until_drawn(tab)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"signin-{name}.png"), full_page=True)


def checklist_form(tab, code: str):
    """The form of one checklist question: the one holding the answer box keyed answer-<code>-<person id>."""
    return tab.locator('[data-testid="stForm"]').filter(has=tab.locator(f'[class*="st-key-answer-{code}-"]'))


def question_card(tab, code: str):
    """The bordered card of one checklist question: heading, status line and form."""
    return checklist_form(tab, code).locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")


def answer_boxes(tab, expected: int = len(QUESTIONS)) -> list[str]:
    """The text in every 'Your answer' box on the checklist page, once `expected` boxes are drawn."""
    boxes = tab.locator('[data-testid="stMain"] textarea')
    if expected:
        boxes.nth(expected - 1).wait_for(state="attached")
    return [box.input_value() for box in boxes.all()]


def team_rows(tab) -> list[dict[str, str]]:
    """The rows of the 'Shared by the team' table, read from the grid's accessible cells."""
    tab.get_by_role("tab", name="Shared by the team").click()
    panel = tab.get_by_role("tabpanel", name="Shared by the team")
    grid = panel.locator('[data-testid="stDataFrame"] table[role="grid"]')
    # The grid draws once its tab is shown; without shared answers the tab holds a sentence instead.
    grid.or_(panel.get_by_text("Nobody else has shared an answer yet.")).first.wait_for(state="attached")
    if not grid.count():
        assert "Nobody else has shared an answer yet." in panel.inner_text()
        return []
    headers = [h.strip() for h in grid.locator("thead th").all_text_contents()]
    rows = []
    for row in grid.locator("tbody tr").all():
        cells = [c.strip() for c in row.locator('[role="gridcell"]').all_text_contents()]
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


def answers_in_database(path, email: str) -> list[tuple[str, str, bool]]:
    """(question, answer, shared) of every checklist answer saved by the person with this email."""
    return read_database(
        path,
        "SELECT a.question, a.answer, a.shared FROM checklist_answers a JOIN people p USING (person_id) "
        "WHERE p.email = ? ORDER BY a.saved_at, a.answer_id", [email.lower()])


def last_change_by(path, feature: str) -> int | None:
    """Who the change log names for the newest change to `feature` (a person id)."""
    rows = read_database(path, "SELECT changed_by FROM change_log WHERE list_contains(features, ?) "
                               "ORDER BY change_id DESC LIMIT 1", [feature])
    return rows[0][0] if rows else None


def save_answer(tab, code: str, text: str | None, *, share: bool, expect: str) -> None:
    """Fill one checklist form as a person would, press Save answer and wait for PlaceCX's notice."""
    form = checklist_form(tab, code)
    if text is not None:
        form.locator("textarea").fill(text)
    box = form.get_by_role("checkbox", name="Share this answer with the team")
    if box.is_checked() != share:
        form.get_by_text("Share this answer with the team").click()
    form.get_by_role("button", name="Save answer").click()
    wait_for_text(tab, expect, timeout=60)
    wait_until_drawn(tab)


def assert_shows_no_data(tab) -> None:
    assert data_on_page(tab) == {}
    assert page_links(tab) == []
    assert signed_in_as(tab) is None
    assert "database file" not in tab.locator("body").inner_text()


# ----------------------------------------------------------------------------- tests


def test_each_leader_sees_only_their_own_private_answers_until_one_is_shared(sessions, signin_server):
    """Tom saves a private answer; Priya (whose provider sends her address in mixed case) cannot see it
    until Tom shares it, and then sees it only in the team tab."""
    db = signin_server.db_path
    priya_saved = answers_in_database(db, LEADER_B.email)
    assert [question for question, _, _ in priya_saved] == ["employees"]  # her one demo answer
    tom = sessions.open(LEADER_A, "checklist")
    assert signed_in_as(tom) == "Tom Hargreaves"
    assert main_heading(tom) == "Leadership checklist"
    assert any(TOM_PRIVATE_DEMO in text for text in answer_boxes(tom))  # his own private demo answer
    save_answer(tom, QUESTION, PRIVATE_TEXT, share=False, expect=f"“{TOPIC}”: answer saved.")
    assert "🔒 Private" in question_card(tom, QUESTION).inner_text()
    assert answers_in_database(db, LEADER_A.email)[-1] == (QUESTION, PRIVATE_TEXT, False)
    assert last_change_by(db, "checklist") == signin_server.person_ids[LEADER_A.email]

    priya = sessions.open(LEADER_B, "checklist")
    assert signed_in_as(priya) == "Priya Nair"
    boxes = answer_boxes(priya)
    assert len(boxes) == len(QUESTIONS)
    assert not any(PRIVATE_TEXT in text or TOM_PRIVATE_DEMO in text for text in boxes)
    assert checklist_form(priya, QUESTION).locator("textarea").input_value() == ""
    assert PRIVATE_TEXT not in priya.locator("body").inner_text()
    shared = team_rows(priya)
    # Tom's shared demo answer is there (the table is read correctly); his private ones are not.
    leaders = [row["Leader"] for row in shared if row["Answer"].startswith(TOM_SHARED_DEMO)]
    assert leaders == ["Tom Hargreaves"]
    assert not [row for row in shared if PRIVATE_TEXT in row["Answer"] or TOM_PRIVATE_DEMO in row["Answer"]]
    assert "Priya Nair" not in {row["Leader"] for row in shared}

    tom = sessions.open(LEADER_A, "checklist", reload=False)
    save_answer(tom, QUESTION, None, share=True,
                expect=f"“{TOPIC}”: your latest answer is now shared with the team.")
    assert answers_in_database(db, LEADER_A.email)[-1] == (QUESTION, PRIVATE_TEXT, True)
    assert last_change_by(db, "checklist") == signin_server.person_ids[LEADER_A.email]

    priya = sessions.open(LEADER_B, "checklist")
    shared = team_rows(priya)
    assert {"Question": f"4. {TOPIC}", "Leader": "Tom Hargreaves", "Answer": PRIVATE_TEXT} in [
        {key: row[key] for key in ("Question", "Leader", "Answer")} for row in shared]
    assert not [row for row in shared if TOM_PRIVATE_DEMO in row["Answer"]]
    # Sharing never puts Tom's words in Priya's own answers.
    assert checklist_form(priya, QUESTION).locator("textarea").input_value() == ""
    assert answers_in_database(db, LEADER_B.email) == priya_saved


def test_identity_survives_a_reload_and_a_deep_link(sessions):
    tom = sessions.tab(LEADER_A)
    wait_until_drawn(tom)
    heading = main_heading(tom)
    tom.reload()
    wait_until_drawn(tom)
    assert signed_in_as(tom) == "Tom Hargreaves"
    assert main_heading(tom) == heading

    # A link straight to a page, in a new tab of the same browser: no sign-in page on the way.
    deep = tom.context.new_page()
    try:
        deep.goto(f"{sessions.app_url}/checklist")
        wait_until_drawn(deep)
        assert main_heading(deep) == "Leadership checklist"
        assert signed_in_as(deep) == "Tom Hargreaves"
        assert any(TOM_PRIVATE_DEMO in text for text in answer_boxes(deep))
        shot(deep, "signed-in-checklist")
    finally:
        deep.close()


def test_sign_out_is_one_click_and_leaves_the_sign_in_page_and_no_data(sessions):
    context = sessions.new_context()
    try:
        amara = sign_in(context, sessions.app_url, ADMIN)
        wait_until_drawn(amara)
        assert main_heading(amara) == "Overview"  # where the provider sends people back to
        assert signed_in_as(amara) == "Amara Okafor"
        assert "Leadership checklist" in " ".join(page_links(amara))
        shot(amara, "signed-in-overview")
        press_sign_out(amara)  # the one click in PlaceCX

        # Already signed out of PlaceCX, whatever the provider's own page asks next.
        other = context.new_page()
        for url_path in ("", "checklist"):
            other.goto(f"{sessions.app_url}/{url_path}")
            wait_until_drawn(other)
            assert main_heading(other) == SIGN_IN_TITLE
            assert_shows_no_data(other)
            assert "answer the phone and sort things first time" not in other.locator("body").inner_text()
        other.close()
        assert not [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]

        end_provider_session(amara, sessions.app_url)
        assert main_heading(amara) == SIGN_IN_TITLE
        assert_shows_no_data(amara)
        assert amara.get_by_role("button", name="Sign in with your council account").is_visible()
        shot(amara, "sign-in-page")
    finally:
        context.close()


def test_a_viewer_cannot_change_the_roadmap(sessions, signin_server):
    before = table_counts(signin_server.db_path)
    val = sessions.open(VIEWER, "roadmap")
    assert signed_in_as(val) == "Val Pearce"
    assert main_heading(val) == "Roadmap"
    main = val.locator('[data-testid="stMain"]')
    checked = []
    for tab_name, buttons in (("Actions", ("Save changes", "Archive this action")),
                              ("Add an action", ("Add the action",)),
                              ("Programme", ("Save the programme",))):
        val.get_by_role("tab", name=tab_name).click()
        for name in buttons:
            button = main.get_by_role("button", name=name)
            button.wait_for()
            assert button.is_disabled(), f"{tab_name}: {name!r} is offered to a viewer"
            checked.append(name)
    assert len(checked) == 4

    # Typing a title and pressing Enter in the form does not save either.
    val.get_by_role("tab", name="Add an action").click()
    title = main.get_by_role("textbox", name="Title")
    title.fill("Written by a viewer")
    title.press("Enter")
    val.wait_for_timeout(1500)
    wait_until_drawn(val)
    text = main.inner_text()
    assert "added to the plan" not in text
    refusals = [line for line in text.splitlines() if "cannot change this" in line]
    assert refusals in ([], ["Your PlaceCX role (viewer) cannot change this. Ask your PlaceCX admin if you "
                             "need to."])
    shot(val, "viewer-roadmap")
    assert table_counts(signin_server.db_path) == before
    assert read_database(signin_server.db_path,
                         "SELECT count(*) FROM roadmap_actions WHERE title = 'Written by a viewer'") == [(0,)]

    # The checklist is for leaders: a viewer is told so and given no form.
    val = sessions.open(VIEWER, "checklist")
    assert "The leadership checklist is for leaders: your PlaceCX role does not include it." in \
        val.locator('[data-testid="stMain"]').inner_text()
    assert answer_boxes(val, expected=0) == []
    assert table_counts(signin_server.db_path) == before


def test_the_upload_page_is_not_offered_to_a_viewer(sessions):
    val = sessions.tab(VIEWER)
    wait_until_drawn(val)
    assert signed_in_as(val) == "Val Pearce"
    assert "Roadmap" in " ".join(page_links(val))
    assert "Upload survey exports" not in " ".join(page_links(val))
    val = sessions.open(VIEWER, "upload")
    assert val.locator('[data-testid="stFileUploader"]').count() == 0


def test_an_unknown_email_sees_the_ask_your_admin_page_and_no_data(sessions, signin_server):
    context = sessions.new_context()
    try:
        stranger = sign_in(context, sessions.app_url, STRANGER)
        wait_until_drawn(stranger)
        assert main_heading(stranger) == UNKNOWN_TITLE
        text = stranger.locator('[data-testid="stMain"]').inner_text()
        assert f"You are signed in as {STRANGER.email}, but nobody has added that address to PlaceCX." in text
        assert "Ask your PlaceCX admin to add you" in text
        assert_shows_no_data(stranger)
        shot(stranger, "unknown-user")
        for url_path in ("checklist", "trends", "upload"):
            stranger.goto(f"{sessions.app_url}/{url_path}")
            wait_until_drawn(stranger)
            assert main_heading(stranger) == UNKNOWN_TITLE
            assert_shows_no_data(stranger)
        assert stranger.get_by_role("button", name="Sign out").is_visible()
        # Signing in did not add the stranger to PlaceCX.
        assert read_database(signin_server.db_path, "SELECT count(*) FROM people WHERE email = ?",
                             [STRANGER.email]) == [(0,)]
    finally:
        context.close()


# ------------------------------------------------------------------- open mode


def _non_loopback_addresses() -> list[str]:
    """This machine's addresses that other computers could reach (IPv4 and global IPv6), if any.

    Asks the kernel which source address it would use for a route out (a UDP
    "connect" sends nothing); the documentation prefixes stand in for any address.
    """
    found = []
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET, "198.51.100.1"),
                          (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                address = sock.getsockname()[0]
        except OSError:
            continue
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) and address not in found:
            found.append(address)
    return found


def _accepts(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def open_mode_server(tmp_path_factory):
    """PlaceCX as it ships: the project's .streamlit/config.toml, no --server.address, no [auth]."""
    workdir = tmp_path_factory.mktemp("open-mode")
    no_secrets = workdir / "secrets.toml"
    no_secrets.write_text("# no [auth]: open mode\n", encoding="utf-8")
    env = {"PLACECX_DB": str(workdir / "placecx.duckdb"), "PLACECX_DEMO": "0"}
    with streamlit_server(workdir, env=env, args=["--secrets.files", str(no_secrets)]) as url:
        yield url


def test_open_mode_serves_this_computer(open_mode_server):
    with urllib.request.urlopen(f"{open_mode_server}/_stcore/health", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"ok"


def test_open_mode_is_not_reachable_from_other_computers(open_mode_server):
    addresses = _non_loopback_addresses()
    if not addresses:
        pytest.skip("This machine has no non-loopback address to try.")
    port = int(open_mode_server.rsplit(":", 1)[1])
    assert {address: _accepts(address, port) for address in addresses} == dict.fromkeys(addresses, False)

