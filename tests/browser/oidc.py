"""Sign-in in a real browser against a real OpenID Connect provider on localhost.

`oidc-provider-mock` (a Flask app built on Authlib) runs in a thread of the test
process and plays the council's identity provider: it serves discovery, the
authorisation page, tokens and userinfo, and ends sessions. Each test person is a
predefined user whose claims (email, and a display name in the "Surname, First"
form Entra ID often sends) the provider puts in the ID token; PlaceCX must know
them by email alone. On the provider's authorisation page the helper types the
person's subject and presses Authorize, as a developer would by hand.

Nothing here reaches beyond localhost, and nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from cx.access import add_person, update_person
from cx.bootstrap import open_app_database
from cx.config import Settings

from .conftest import wait_until_rendered

SIGN_IN_TITLE = "Sign in to PlaceCX"
SIGN_IN_BUTTON = "Sign in with your council account"
UNKNOWN_TITLE = "PlaceCX does not know you yet"
# What a page that shows no data must not contain (Streamlit's test ids).
DATA_ELEMENTS = ('[data-testid="stMetric"]', '[data-testid="stPlotlyChart"]', '[data-testid="stDataFrame"]',
                 '[data-testid="stTable"]', '[data-testid="stPageLink"]', '[data-testid="stFileUploader"]')


@dataclass(frozen=True)
class Person:
    """Someone the provider can sign in: their subject, the claims it sends, and their PlaceCX record.

    `role` None means PlaceCX does not know the email. `job_title` None means the
    person is one of the demo leaders, who already exist and are linked to an email.
    """

    sub: str
    email: str
    provider_name: str
    name: str
    role: str | None
    job_title: str | None = None

    @property
    def claims(self) -> dict[str, object]:
        return {"email": self.email, "email_verified": True, "name": self.provider_name}


ADMIN = Person("sub-0001", "amara.okafor@fenbridge.example", "Okafor, Amara (Place)", "Amara Okafor", "admin")
LEADER_A = Person("sub-0002", "tom.hargreaves@fenbridge.example", "Hargreaves, Tom (Waste)",
                  "Tom Hargreaves", "leader")
# Providers send the address as the directory holds it; PlaceCX compares it in lower case.
LEADER_B = Person("sub-0003", "Priya.Nair@Fenbridge.example", "Nair, Priya (Highways)", "Priya Nair",
                  "leader")
VIEWER = Person("sub-0004", "val.pearce@fenbridge.example", "Pearce, Val (Scrutiny)", "Val Pearce", "viewer",
                job_title="Scrutiny officer")
STRANGER = Person("sub-0005", "stranger@elsewhere.example", "Stranger, A", "", None)
PEOPLE = (ADMIN, LEADER_A, LEADER_B, VIEWER, STRANGER)


def prepare_database(path: Path, people: Sequence[Person] = PEOPLE) -> dict[str, int]:
    """Create the demo database at `path` and give each known person their email and role.

    Returns {email as the provider sends it: person_id}. The file is closed again,
    ready for the server (DuckDB lets one process write a file).
    """
    database = open_app_database(Settings(db_path=path, demo=True))
    try:
        store = database.store()
        everyone = store.people.all()
        ids = dict(zip(everyone["name"], everyone["person_id"].astype(int), strict=True))
        found = {}
        for person in people:
            if person.role is None:
                continue
            if person.job_title is None:
                update_person(store, ids[person.name], person.email, person.role)
                found[person.email] = ids[person.name]
            else:
                found[person.email] = add_person(store, person.email, person.name, person.role,
                                                 job_title=person.job_title, now=datetime.now())
        return found
    finally:
        database.close()


def write_secrets(path: Path, *, app_port: int, provider_url: str) -> Path:
    """A secrets.toml whose [auth] section points Streamlit's st.login at the provider."""
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "placecx-browser-tests"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def provider(people: Sequence[Person] = PEOPLE) -> Iterator[str]:
    """Run oidc-provider-mock on a free localhost port; yield its base URL."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=person.sub, claims=person.claims) for person in people]
    requests_log = logging.getLogger("werkzeug")  # one line per request otherwise
    level = requests_log.level
    requests_log.setLevel(logging.WARNING)
    try:
        with run_server_in_thread(port=0, user_claims=users) as server:
            yield f"http://localhost:{server.server_port}"
    finally:
        requests_log.setLevel(level)


def read_database(path: Path, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    """Rows from a copy of the server's database, taken while the server holds the file.

    DuckDB lets only one process open a file it writes, so the test reads a copy of
    the file and its write-ahead log, taken when the page has settled (no write in
    flight); DuckDB replays the log when it opens the copy.
    """
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        shutil.copy(path, copy)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            shutil.copy(wal, copy.with_name(copy.name + ".wal"))
        con = duckdb.connect(str(copy))
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()


def table_counts(path: Path) -> dict[str, int]:
    """Rows in every table of the server's database (see `read_database`)."""
    names = [row[0] for row in read_database(
        path, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1")]
    union = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in names)
    return dict(read_database(path, union))


def sign_in(context, app_url: str, person: Person):
    """Sign `person` in through the real flow in a new tab of `context`; return the tab.

    Opens PlaceCX, presses its sign-in button, types the subject on the provider's
    authorisation page, authorises, and returns as soon as PlaceCX, back at its
    home page, shows who is signed in (or says it does not know them); the home
    page itself may still be drawing.
    """
    tab = context.new_page()
    tab.goto(app_url)
    wait_until_rendered(tab)
    assert main_heading(tab) == SIGN_IN_TITLE
    tab.get_by_role("button", name=SIGN_IN_BUTTON).click()
    tab.wait_for_selector('input[name="sub"]', timeout=60_000)
    tab.fill('input[name="sub"]', person.sub)
    tab.get_by_role("button", name="Authorize", exact=True).click()
    tab.wait_for_url(f"{app_url}/**", timeout=60_000)
    tab.wait_for_function(_KNOWN_OR_NOT, arg=UNKNOWN_TITLE, timeout=60_000)
    return tab


_KNOWN_OR_NOT = """(unknown) => {
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const heading = document.querySelector('[data-testid="stMain"] h1');
  return (sidebar && sidebar.innerText.includes('Signed in as '))
      || (heading && heading.innerText.trim() === unknown);
}"""


def sign_out(tab, app_url: str) -> None:
    """Press PlaceCX's one "Sign out" button; confirm on the provider's end-session page if it asks.

    Returns when PlaceCX shows its sign-in page again.
    """
    press_sign_out(tab)
    end_provider_session(tab, app_url)


def press_sign_out(tab) -> None:
    """The one click in PlaceCX; waits until the browser has left PlaceCX's page."""
    before = tab.url
    tab.get_by_role("button", name="Sign out").click()
    tab.wait_for_url(lambda url: url != before and "/auth/logout" not in url, timeout=60_000)


def end_provider_session(tab, app_url: str) -> None:
    """The provider's own confirmation (OpenID Connect RP-initiated logout), then back to PlaceCX."""
    if not tab.url.startswith(app_url):
        tab.get_by_role("button", name="End session").click()
        tab.wait_for_url(f"{app_url}/**", timeout=60_000)
    wait_for_heading(tab, lambda title: title == SIGN_IN_TITLE)


def wait_until_drawn(tab, timeout: float = 60_000) -> None:
    """`wait_until_rendered`, then until no element is still a loading placeholder.

    Streamlit loads some widgets' code on first use and shows a grey skeleton
    meanwhile; on a busy machine that outlasts the script run.
    """
    wait_until_rendered(tab, timeout)
    tab.wait_for_function("""() => !document.querySelector(
        '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]')""",
                          timeout=timeout)


def main_heading(tab) -> str:
    return tab.locator('[data-testid="stMain"] h1').first.inner_text().strip()


def wait_for_heading(tab, accept, timeout: float = 60) -> str:
    """Wait until the page has settled with a main heading that `accept` takes; return it."""
    deadline = time.monotonic() + timeout
    title = ""
    while time.monotonic() < deadline:
        wait_until_drawn(tab)
        title = main_heading(tab)
        if accept(title):
            return title
        tab.wait_for_timeout(300)
    raise AssertionError(f"The page kept the heading {title!r}")


def signed_in_as(tab) -> str | None:
    """The name after "Signed in as" in the sidebar, or None when nobody is shown as signed in."""
    sidebar = tab.locator('[data-testid="stSidebar"]')
    if not sidebar.count():
        return None
    for line in sidebar.first.inner_text().splitlines():
        if line.startswith("Signed in as "):
            return line.removeprefix("Signed in as ").strip()
    return None


def data_on_page(tab) -> dict[str, int]:
    """How many data-bearing elements (metrics, charts, tables, page links, uploaders) the page has."""
    counts = {selector: tab.locator(selector).count() for selector in DATA_ELEMENTS}
    return {selector: count for selector, count in counts.items() if count}


def page_links(tab) -> list[str]:
    """The titles of the pages listed in the sidebar."""
    links = tab.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').all_inner_texts()
    return [text.strip().splitlines()[-1] for text in links if text.strip()]  # the icon's name comes first
