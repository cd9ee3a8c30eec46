"""The inbox worker, run one look at a time on a temporary folder, and the command line's hand-over."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from pathlib import Path

import pytest

import cx.inbox
from cx.commands import ImportOptions, run_import, run_read
from cx.errors import DatabaseLocked
from cx.handover import HandoverFailed, hand_over, hand_over_read
from cx.importers.reading import MAX_FILE_BYTES
from cx.importers.run import columns_signature
from cx.inbox import InboxWorker, Request, pointer_path, start_worker, stop_worker, write_atomically
from cx.store import Database

from .test_upload_import import csv_bytes, survey

NOW = datetime(2026, 11, 20, 2, 0, 0)
BROKEN = b'id,comment\n1,"never closed\n'


@pytest.fixture
def worker(database: Database, tmp_path: Path) -> InboxWorker:
    """A worker on a fresh database and inbox that takes files at once (no settling time)."""
    made = InboxWorker(database, tmp_path / "inbox", settle_seconds=0, clock=lambda: NOW)
    made.folders.create()
    return made


def drop(worker: InboxWorker, name: str, content: bytes) -> Path:
    path = worker.folders.root / name
    path.write_bytes(content)
    return path


def hand_in(worker: InboxWorker, request: Request, content: bytes | None = None) -> None:
    """Write a request the way the command line does."""
    if content is not None:
        write_atomically(worker.folders.requests / f"{request.id}.data", content)
    write_atomically(worker.folders.requests / f"{request.id}.json", request.to_bytes())


def answer(worker: InboxWorker, request: Request) -> dict:
    return json.loads((worker.folders.results / f"{request.id}.json").read_text())


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- requests handed over by the command line ---

def test_a_handed_over_import_answers_with_the_counts_of_a_direct_import(worker, tmp_path):
    content = survey(range(1, 21), bad={7: "ten"})
    options = ImportOptions(source="Waste panel", uploaded_by="Analyst", valid_only=True)
    direct = Database(tmp_path / "direct.duckdb")
    try:
        expected = run_import(direct.store(), content, "waste.csv", options, now=NOW).as_dict()
    finally:
        direct.close()
    request = Request.new("import", "waste.csv", options)
    hand_in(worker, request, content)
    assert worker.run_once() == 1
    result = answer(worker, request)
    assert result == {"id": request.id, "ok": True, "result": json.loads(json.dumps(expected))}
    assert (expected["new"], expected["rejected"], expected["source"]) == (19, 1, "Waste panel")
    assert listing(worker.folders.requests) == []  # request and file are gone once answered
    history = worker.database.store().uploads.history()
    assert history[["file_name", "uploaded_by", "rows_new"]].values.tolist() == [["waste.csv", "Analyst", 19]]


def test_a_handed_over_import_with_bad_rows_fails_with_the_commands_sentence(worker):
    request = Request.new("import", "bad.csv")
    hand_in(worker, request, survey(range(5, 10), bad={7: "ten"}))
    worker.run_once()
    result = answer(worker, request)
    assert result["ok"] is False and "1 of 5 rows have problems" in result["error"]
    assert "nothing was imported" in result["error"]
    assert worker.database.store().uploads.history().empty


def test_a_handed_over_status_reports_tables_and_newest_response(worker):
    hand_in(worker, seeded := Request.new("import", "s.csv"), survey(range(1, 4)))
    status = Request.new("status")
    hand_in(worker, status)
    worker.run_once()
    assert answer(worker, seeded)["result"]["new"] == 3
    facts = answer(worker, status)["result"]
    assert facts["tables"]["responses"] == 3 and facts["tables"]["inbox_files"] == 0
    assert facts["newest_response"] == "2026-10-04 10:00:00"


@pytest.mark.parametrize("raw, message", [
    (b"not json", "not valid JSON"),
    (b"[" * 50_000, "not valid JSON"),
    (b'{"id": "0123", "command": "import"}', "does not carry its own id"),
    (b'{"id": "ID", "command": "drop table"}', "names no known command"),
    (b'{"id": "ID", "command": "import", "options": {"valid_only": "yes"}}',
     "valid_only must be true or false"),
    (b'{"id": "ID", "command": "import", "options": {"source": 5}}', "option source must be text"),
], ids=["not json", "deep nesting", "another id", "unknown command", "valid_only not bool",
        "source not text"])
def test_a_hostile_request_is_answered_with_a_reason_and_the_worker_carries_on(worker, raw, message):
    request_id = "ab" * 16
    (worker.folders.requests / f"{request_id}.json").write_bytes(raw.replace(b"ID", request_id.encode()))
    worker.run_once()
    result = json.loads((worker.folders.results / f"{request_id}.json").read_text())
    assert result["ok"] is False and message in result["error"]


def test_a_request_whose_file_is_a_link_is_refused_without_reading_the_target(worker, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_bytes(survey(range(1, 4)))
    request = Request.new("import", "x.csv")
    (worker.folders.requests / f"{request.id}.data").symlink_to(secret)
    hand_in(worker, request)
    worker.run_once()
    assert answer(worker, request) == {"id": request.id, "ok": False,
                                       "error": "The file is a link; links are not followed."}
    assert worker.database.store().uploads.history().empty and secret.exists()


def test_requests_with_names_not_made_by_the_command_line_are_left_alone(worker):
    (worker.folders.requests / "not-an-id.json").write_text("{}")
    assert worker.run_once() == 0
    assert listing(worker.folders.results) == []


# --- the command line's side: hand over, wait, print the answer ---

def locked_by_us() -> DatabaseLocked:
    return DatabaseLocked("The database file is in use by another program.", pid=os.getpid())


def test_hand_over_waits_for_the_running_worker_and_two_at_once_both_succeed(database, tmp_path):
    worker = start_worker(database, tmp_path / "inbox", poll_seconds=0.05, settle_seconds=0)
    try:
        assert json.loads(pointer_path(database.path).read_text())["pid"] == os.getpid()
        results = {}

        def run(name: str, ids: range) -> None:
            results[name] = hand_over(database.path, locked_by_us(), Request.new("import", f"{name}.csv"),
                                      survey(ids), timeout=60)

        threads = [threading.Thread(target=run, args=(n, ids)) for n, ids in (("a", range(1, 11)),
                                                                              ("b", range(6, 16)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop_worker(worker)
    assert sorted((r["batch"], r["new"] + r["duplicate"]) for r in results.values()) == [(1, 10), (2, 10)]
    assert sum(r["new"] for r in results.values()) == 15  # ids 6-10 are in both files
    assert not worker.running and not pointer_path(database.path).exists()


def test_hand_over_refuses_as_before_when_the_holder_is_not_a_placecx_server(database, tmp_path):
    locked = DatabaseLocked("The database file is in use by another program (process 1).", pid=1)
    with pytest.raises(DatabaseLocked) as raised:
        hand_over(database.path, locked, Request.new("status"))
    assert raised.value is locked
    write_atomically(pointer_path(database.path), json.dumps({"pid": os.getpid(), "inbox": "x"}).encode())
    with pytest.raises(DatabaseLocked):  # the pointer names us, but DuckDB says process 1 holds the file
        hand_over(database.path, locked, Request.new("status"))


def test_a_request_nobody_takes_is_withdrawn_after_the_timeout(database, tmp_path):
    idle = InboxWorker(database, tmp_path / "inbox")  # folders and pointer, but never started
    idle.folders.create()
    write_atomically(pointer_path(database.path),
                     json.dumps({"pid": os.getpid(), "inbox": str(idle.folders.root)}).encode())
    with pytest.raises(HandoverFailed, match="did not start this within 0.2 seconds.*nothing was done"):
        hand_over(database.path, locked_by_us(), Request.new("import", "a.csv"), b"x", timeout=0.2)
    assert listing(idle.folders.requests) == []


def test_a_board_pack_handed_over_comes_back_as_the_same_file_the_command_would_write(database, tmp_path):
    """The server builds the pack; the command collects the file and leaves nothing in the inbox."""
    store = database.store()
    run_import(store, survey(range(1, 41)), "a.csv", ImportOptions())
    expected = run_read(store, "pack", {"format": ".pdf", "meeting": None}, now=NOW, min_n=30)
    worker = start_worker(database, tmp_path / "inbox", poll_seconds=0.05, settle_seconds=0,
                          clock=lambda: NOW)
    try:
        request = Request.new("pack", params={"format": ".pdf", "meeting": None})
        got = hand_over_read(database.path, locked_by_us(), request, timeout=120)
        themes_request = Request.new("themes", params={"grain": "month"})
        themes = hand_over_read(database.path, locked_by_us(), themes_request, timeout=120)
    finally:
        stop_worker(worker)
    assert got.facts == expected.facts and got.facts["format"] == ".pdf"
    assert got.data[:5] == b"%PDF-" and len(got.data) > 1000
    assert themes.data is None
    assert themes.facts == json.loads(json.dumps(run_read(store, "themes", {"grain": "month"}, now=NOW,
                                                          min_n=30).facts, default=str))
    assert listing(worker.folders.results) == [] and listing(worker.folders.requests) == []


@pytest.mark.parametrize(("command", "params", "message"), [
    ("pack", {"format": ".exe", "meeting": None}, "format must be .pptx or .pdf"),
    ("pack", {"format": ".pdf", "meeting": "1; DROP"}, "meeting must be a meeting's number"),
    ("themes", {"grain": "year"}, "grain must be month or quarter"),
    ("status", {"grain": "month"}, "takes no parameter grain"),
    ("themes", ["month"], "not a JSON object"),
])
def test_a_request_with_bad_parameters_is_refused_in_a_sentence(worker, command, params, message):
    request = Request.new(command)
    raw = json.dumps({"id": request.id, "command": command, "params": params}).encode()
    write_atomically(worker.folders.requests / f"{request.id}.json", raw)
    assert worker.run_once() == 1
    said = answer(worker, request)
    assert said["ok"] is False and message in said["error"]


# --- files dropped in the folder ---

def test_a_dropped_file_is_imported_once_even_when_dropped_twice(worker):
    content = survey(range(1, 31))
    drop(worker, "nightly.csv", content)
    assert worker.run_once() == 1
    drop(worker, "nightly.csv", content)
    drop(worker, "nightly copy.csv", content)
    assert worker.run_once() == 2
    store = worker.database.store()
    history = store.uploads.history()
    assert history[["batch_id", "file_name", "uploaded_by", "rows_new"]].values.tolist() == [
        [1, "nightly.csv", "inbox", 30]]
    recent = store.inbox.recent()
    assert sorted(recent["outcome"]) == ["already imported", "already imported", "imported"]
    assert set(recent["batch_id"]) == {1}
    assert "imported before, as upload 1" in recent.loc[recent["outcome"] != "imported", "reason"].iloc[0]
    assert listing(worker.folders.done) == [
        "20261120-020000-2_nightly.csv", "20261120-020000_nightly copy.csv", "20261120-020000_nightly.csv"]
    assert listing(worker.folders.root) == ["done", "failed", "requests", "results"]


def test_a_removed_upload_can_arrive_again(worker):
    drop(worker, "a.csv", survey(range(1, 4)))
    worker.run_once()
    worker.database.store().uploads.remove_batch(1)
    drop(worker, "a.csv", survey(range(1, 4)))
    worker.run_once()
    assert worker.database.store().uploads.history()["rows_new"].tolist() == [3]


def test_a_broken_file_goes_to_failed_with_its_reason(worker):
    drop(worker, "broken.csv", BROKEN)
    worker.run_once()
    reason = "Line 2: a quoted field is never closed"
    recent = worker.database.store().inbox.recent()
    assert recent[["file_name", "outcome"]].values.tolist() == [["broken.csv", "failed"]]
    assert recent["reason"].iloc[0].startswith(reason)
    assert listing(worker.folders.failed) == ["20261120-020000_broken.csv",
                                              "20261120-020000_broken.csv.reason.txt"]
    assert (worker.folders.failed / "20261120-020000_broken.csv.reason.txt").read_text().startswith(reason)
    assert worker.database.store().uploads.history().empty


def test_a_file_with_one_bad_row_imports_nothing_and_says_so(worker):
    drop(worker, "bad.csv", survey(range(5, 10), bad={7: "ten"}))
    worker.run_once()
    reason = worker.database.store().inbox.recent()["reason"].iloc[0]
    assert reason.startswith("1 of 5 rows have problems (first: line 4, column 'Likely to recommend'")


def test_a_too_large_file_is_refused_before_a_byte_is_read(worker, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(cx.inbox, "read_regular_file", never)
    monkeypatch.setattr(cx.inbox, "inspect_export", never)
    with open(worker.folders.root / "huge.csv", "wb") as huge:
        huge.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    worker.run_once()
    recent = worker.database.store().inbox.recent()
    assert recent[["outcome", "file_size"]].values.tolist() == [["failed", MAX_FILE_BYTES + 1]]
    assert recent["reason"].iloc[0] == ("The file is 50.0 MB; the limit is 50 MB. "
                                        "Split the export into smaller files.")


def test_a_link_is_never_followed_out_of_the_inbox(worker, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_bytes(survey(range(1, 4)))
    (worker.folders.root / "linked.csv").symlink_to(outside)
    (worker.folders.root / "linked folder").symlink_to(tmp_path)
    worker.run_once()
    recent = worker.database.store().inbox.recent()
    assert recent["outcome"].tolist() == ["failed", "failed"]
    assert all("links are not followed" in r for r in recent["reason"])
    assert worker.database.store().uploads.history().empty
    assert outside.read_bytes() == survey(range(1, 4))  # the link was moved, not its target
    assert (worker.folders.failed / "20261120-020000_linked.csv").is_symlink()


def test_partial_and_hidden_files_and_fresh_writes_are_left_for_later(worker):
    for name in ("export.csv.part", ".export.csv.swx", "~$book.xlsx", "export.csv.crdownload"):
        drop(worker, name, survey(range(1, 4)))
    drop(worker, "settling.csv", survey(range(1, 4)))
    worker.settle_seconds = 3600
    assert worker.run_once() == 0
    assert worker.database.store().inbox.recent().empty
    worker.settle_seconds = 0
    assert worker.run_once() == 1  # only settling.csv, once it counts as finished


def test_a_dropped_file_uses_the_saved_profile_for_its_columns(worker):
    rows = [["Ref", "Score", "Dept"], ["a", "9", "Parks"], ["b", "3", "Waste"]]
    mapping = {"roles": {"response_id": "Ref", "nps": "Score", "service": "Dept"}, "ces_scale": None}
    worker.database.store().uploads.save_profile(
        "Parks survey", kind="responses", source="Parks panel", columns_signature=columns_signature(rows[0]),
        mapping=json.dumps(mapping), saved_by="Analyst", now=NOW)
    drop(worker, "parks.csv", csv_bytes(rows))
    worker.run_once()
    history = worker.database.store().uploads.history()
    assert history[["source", "rows_new", "uploaded_by"]].values.tolist() == [["Parks panel", 2, "inbox"]]


def test_an_unexpected_error_becomes_the_files_failure_and_the_worker_carries_on(worker, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cx.inbox, "import_export", boom)
    drop(worker, "a.csv", survey(range(1, 4)))
    worker.run_once()
    assert worker.database.store().inbox.recent()["reason"].tolist() == [
        "PlaceCX could not do this (RuntimeError: boom)."]
    monkeypatch.undo()
    drop(worker, "b.csv", survey(range(1, 4)))
    worker.run_once()
    assert worker.database.store().uploads.history()["file_name"].tolist() == ["b.csv"]


def test_the_running_worker_takes_a_dropped_file_and_stops_cleanly(database, tmp_path):
    worker = start_worker(database, tmp_path / "inbox", poll_seconds=0.05, settle_seconds=0)
    assert start_worker(database, tmp_path / "inbox") is worker  # one per folder per process
    try:
        write_atomically(worker.folders.root / "a.csv", survey(range(1, 6)))
        for _ in range(200):
            if not database.store().inbox.recent().empty:
                break
            threading.Event().wait(0.05)
    finally:
        stop_worker(worker)
    assert database.store().inbox.recent()["outcome"].tolist() == ["imported"]
    assert not worker.running


def test_a_folder_that_cannot_be_made_is_a_problem_not_a_crash(database, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    worker = InboxWorker(database, blocker / "inbox").start()
    assert not worker.running and "cannot be used" in worker.problem


def test_a_subfolder_replaced_by_a_link_stops_the_worker_from_writing_outside(worker, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    worker.folders.done.rmdir()
    worker.folders.done.symlink_to(elsewhere)
    drop(worker, "a.csv", survey(range(1, 4)))
    with pytest.raises(OSError, match="the subfolder is a link"):
        worker.run_once()
    assert list(elsewhere.iterdir()) == [] and (worker.folders.root / "a.csv").exists()
