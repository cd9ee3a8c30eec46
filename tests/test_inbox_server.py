"""End to end: the real app server holds the database, and the command line still imports and reports.

The server is `streamlit run app.py` on a free port, headless, as in the browser
tests. Streamlit opens the database on a session's first script run, so one
websocket session asks for a run (no browser needed) and the test waits until
the app's inbox worker has said where its inbox is.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from websockets.sync.client import connect

from cx.commands import ImportOptions, run_import
from cx.inbox import pointer_path, write_atomically
from cx.store import Database

from .browser.conftest import _free_port, _wait_for_health
from .conftest import ROOT
from .test_upload_import import survey


def _open_a_session(port: int, db_path: Path, timeout: float = 90) -> None:
    """Run the app's script once over its websocket and wait until it holds the database."""
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_script_hash = ""
    deadline = time.monotonic() + timeout
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"]) as socket:
        socket.send(message.SerializeToString())
        while not pointer_path(db_path).exists():
            if time.monotonic() > deadline:
                raise TimeoutError("The app did not open its database.")
            with contextlib.suppress(TimeoutError):  # the app's messages are not read, only drained
                socket.recv(timeout=0.2)


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database file of a running app server, already opened by the app."""
    workdir = tmp_path_factory.mktemp("inbox-server")
    db_path = workdir / "app.duckdb"
    port = _free_port()
    env = {**os.environ, "PLACECX_DB": str(db_path), "PLACECX_DEMO": "0"}
    env.pop("PLACECX_INBOX", None)
    log = workdir / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_health(f"http://127.0.0.1:{port}", server, log)
        _open_a_session(port, db_path)
        yield db_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    assert "Traceback" not in log.read_text()
    assert not pointer_path(db_path).exists()  # the worker withdrew it when the server stopped


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLACECX_")}
    return subprocess.run([sys.executable, "-m", "cx", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)


def test_cli_import_while_the_app_holds_the_database_prints_todays_counts(app_db, tmp_path):
    export = tmp_path / "waste survey.csv"
    export.write_bytes(survey(range(1, 41), bad={7: "ten"}))
    direct = Database(tmp_path / "direct.duckdb")
    try:
        expected = run_import(direct.store(), export.read_bytes(), export.name,
                              ImportOptions(valid_only=True)).as_dict()
    finally:
        direct.close()

    result = cli("import", str(export), "--db", str(app_db), "--valid-only", "--json")
    assert (result.returncode, result.stderr) == (0, "")
    printed = json.loads(result.stdout)
    assert printed == json.loads(json.dumps(expected, default=str))
    assert (printed["batch"], printed["new"], printed["duplicate"], printed["rejected"], printed["rows"]) \
        == (1, 39, 0, 1, 40)

    again = cli("import", str(export), "--db", str(app_db), "--valid-only")
    assert again.returncode == 0
    assert again.stdout.splitlines()[0].endswith(
        "0 new, 39 duplicate (already held), 0 repeated within the file, 1 rejected, of 40 rows.")
    assert again.stdout.splitlines()[1] == \
        "  rejected: line 8, column 'Likely to recommend': 'ten' is not a score from 0 to 10"

    status = cli("status", "--db", str(app_db), "--json")
    assert status.returncode == 0
    facts = json.loads(status.stdout)
    assert facts["db"] == str(app_db)
    assert (facts["tables"]["responses"], facts["tables"]["upload_batches"]) == (39, 2)


def test_two_imports_at_once_are_queued_and_both_succeed(app_db, tmp_path):
    commands = []
    for name, ids in (("first", range(1000, 1050)), ("second", range(2000, 2030))):
        export = tmp_path / f"{name}.csv"
        export.write_bytes(survey(ids))
        commands.append([sys.executable, "-m", "cx", "import", str(export), "--db", str(app_db), "--json"])
    running = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
               for c in commands]
    outputs = [process.communicate(timeout=300) for process in running]
    assert [process.returncode for process in running] == [0, 0], outputs
    printed = [json.loads(out) for out, _ in outputs]
    assert [p["new"] for p in printed] == [50, 30]
    assert sorted(p["batch"] for p in printed) == [3, 4]


def test_a_refused_import_fails_in_one_line_as_before(app_db, tmp_path):
    export = tmp_path / "bad.csv"
    export.write_bytes(survey(range(100, 105), bad={102: "ten"}))
    result = cli("import", str(export), "--db", str(app_db))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "nothing was imported" in result.stderr


def test_an_export_dropped_in_the_inbox_is_imported_by_the_running_app(app_db):
    inbox = Path(json.loads(pointer_path(app_db).read_text())["inbox"])
    write_atomically(inbox / "nightly.csv", survey(range(500, 510)))
    deadline = time.monotonic() + 60
    while not list((inbox / "done").glob("*nightly.csv")):
        assert time.monotonic() < deadline, "the dropped file was not taken"
        time.sleep(0.2)
    facts = json.loads(cli("status", "--db", str(app_db), "--json").stdout)
    assert facts["tables"]["inbox_files"] == 1
    assert facts["tables"]["responses"] >= 10


def test_the_board_pack_and_themes_commands_work_while_the_app_holds_the_database(app_db, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "pack.pdf"
    made = cli("pack", "--db", str(app_db), "--out", str(out))
    assert (made.returncode, made.stderr) == (0, "")
    pages = len(PdfReader(out).pages)
    assert made.stdout.strip().endswith(f"{pages} pages written to {out}.")

    themes = cli("themes", "--db", str(app_db), "--json")
    assert (themes.returncode, themes.stderr) == (0, "")
    facts = json.loads(themes.stdout)
    assert set(facts) >= {"period", "themes", "list_version"}
