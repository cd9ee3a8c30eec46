"""Run the real PlaceCX server against a copy of the demo database and drive it in headless Chromium.

Chromium comes from Debian (`apt-get install chromium`); Playwright is pointed at it
and never downloads a browser. Without Chromium the browser tests are skipped,
unless PLACECX_REQUIRE_BROWSER=1 (set by .ci/run), when they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import ROOT, copy_demo

CHROMIUM = os.environ.get("PLACECX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "tests" / "artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"The server exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"The server did not become healthy:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def streamlit_server(workdir: Path, *, env: dict[str, str] | None = None, args: Sequence[str] = (),
                     port: int | None = None, host: str = "127.0.0.1") -> Iterator[str]:
    """Run `streamlit run app.py` from the project folder; yield its URL once it is healthy.

    `env` is added to this process's environment, `args` to the command line (for
    example `--secrets.files`); the server's output goes to `workdir/server.log`.
    """
    port = port or _free_port()
    log = workdir / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false", *args],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://{host}:{port}"
    try:
        _wait_for_health(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory, demo_db_path: Path) -> Iterator[str]:
    """Start `streamlit run app.py` on a free port over its own copy of the session's demo database."""
    workdir = tmp_path_factory.mktemp("server")
    env = {"PLACECX_DB": str(copy_demo(demo_db_path, workdir)), "PLACECX_DEMO": "0"}
    with streamlit_server(workdir, env=env) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("PLACECX_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}; install it with apt-get install chromium.")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install it with apt-get install chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    tab = context.new_page()
    yield tab
    context.close()


def wait_until_rendered(tab, timeout: float = 60_000) -> None:
    """Wait for the page's heading, for Streamlit to have finished running the script and for
    every element to be drawn.

    The app can pass through "notRunning" between its first render and a follow-up
    rerun, so the state must hold for a moment before the page counts as settled. A
    new browser session also shows grey placeholders (stSkeleton) for a second or two
    after the script stops, while the code that draws some elements loads.
    """
    tab.wait_for_selector("h1", timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        tab.wait_for_selector(SETTLED, state="attached", timeout=timeout)
        tab.wait_for_selector(PLACEHOLDER, state="detached", timeout=timeout)
        tab.wait_for_timeout(700)
        if tab.locator(SETTLED).count() and not tab.locator(PLACEHOLDER).count():
            return
    raise TimeoutError("The page kept re-running.")


SETTLED = '[data-test-script-state="notRunning"]'
PLACEHOLDER = '[data-testid="stSkeleton"]'


@dataclass(frozen=True)
class SignInServer:
    """PlaceCX with sign-in configured, its database file, and the provider it trusts."""

    url: str
    db_path: Path
    provider_url: str
    person_ids: dict[str, int]


@pytest.fixture(scope="module")
def signin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignInServer]:
    """A real OpenID Connect provider on localhost and PlaceCX signing people in through it.

    The database is the demo council with an admin, two leaders and a viewer given
    emails and roles (tests/browser/oidc.py); one more person the provider knows is
    unknown to PlaceCX. The [auth] section lives in a temporary secrets.toml passed
    with --secrets.files, so no secrets file is written into the project.
    """
    from .oidc import prepare_database, provider, write_secrets

    workdir = tmp_path_factory.mktemp("signin")
    db_path = workdir / "placecx.duckdb"
    person_ids = prepare_database(db_path)
    port = _free_port()
    with provider() as provider_url:
        secrets_file = write_secrets(workdir / "secrets.toml", app_port=port, provider_url=provider_url)
        env = {"PLACECX_DB": str(db_path), "PLACECX_DEMO": "1"}
        with streamlit_server(workdir, env=env, port=port, host="localhost",
                              args=["--secrets.files", str(secrets_file)]) as url:
            yield SignInServer(url, db_path, provider_url, person_ids)
