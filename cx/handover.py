"""Hand a command to the running PlaceCX server that holds the database, and wait for its answer.

When `python -m cx import` or `status` finds the database file held by another
process, it looks beside the file for the pointer a PlaceCX server writes when it
starts watching its inbox (`cx.inbox`). If the process holding the file is that
server, the command writes its request (and, for an import, the export) into the
server's inbox and waits for the answer, which holds exactly what the command
would have printed had it opened the file itself. If not, the command fails as it
always did: the file is in use by another program.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

from cx.commands import Answer
from cx.errors import DatabaseLocked, PlaceCXError
from cx.inbox import Folders, Request, read_pointer, read_regular_file, write_atomically

WAIT_SECONDS = 300.0
_RESULT_POLL_SECONDS = 0.05
_ALIVE_CHECK_SECONDS = 1.0


class HandoverFailed(PlaceCXError):
    """The running server could not do the work handed to it, or gave no answer in time."""


def hand_over(db_path: Path, locked: DatabaseLocked, request: Request, content: bytes | None = None,
              *, timeout: float = WAIT_SECONDS) -> dict:
    """What the command prints, worked out by the server holding `db_path`; see `_exchange`."""
    return _exchange(db_path, locked, request, content, timeout)[0]["result"]


def _exchange(db_path: Path, locked: DatabaseLocked, request: Request, content: bytes | None,
              timeout: float) -> tuple[dict, Folders]:
    """Hand `request` (with the export's bytes for an import) to the server holding `db_path`.

    Returns the server's whole answer ("result" holds what the command prints, the
    import's counts or the facts read; "data" whether a file waits to be collected)
    and the inbox it came through.
    Raises `locked` itself when the process holding the file is not a PlaceCX
    server watching an inbox, so the command fails in its one sentence as before;
    HandoverFailed with the server's own sentence when the work failed (nothing was
    imported), when the inbox cannot be written, or when no answer came within
    `timeout` seconds or the server stopped (saying whether the work may still finish).
    """
    pid, folders = _server_inbox(Path(db_path), locked)
    try:
        if content is not None:
            write_atomically(folders.requests / f"{request.id}.data", content)
        write_atomically(folders.requests / f"{request.id}.json", request.to_bytes())
    except OSError as error:
        for leftover in (f"{request.id}.json", f"{request.id}.data"):
            with contextlib.suppress(OSError):
                (folders.requests / leftover).unlink(missing_ok=True)
        raise HandoverFailed(
            f"The database is open in the PlaceCX server (process {pid}), and its inbox {folders.root} "
            f"cannot be written ({error.strerror}); run this where that folder is writable."
        ) from error
    try:
        answer = _wait(folders, request.id, pid, timeout)
    except KeyboardInterrupt:
        _withdraw(folders, request.id)
        raise
    if answer.get("ok") is not True:
        raise HandoverFailed(str(answer.get("error") or "The PlaceCX server could not do this."))
    return answer, folders


def hand_over_read(db_path: Path, locked: DatabaseLocked, request: Request, *,
                   timeout: float = WAIT_SECONDS) -> Answer:
    """Hand a read command to the server holding `db_path`; its facts and, for a pack, the file.

    Raises what `hand_over` raises, and HandoverFailed when the server said it
    wrote a file that is not there to collect.
    """
    answer, folders = _exchange(db_path, locked, request, None, timeout)
    if not answer.get("data"):
        return Answer(answer["result"])
    data_file = folders.results / f"{request.id}.data"
    try:
        return Answer(answer["result"], read_regular_file(data_file))
    except OSError as error:
        raise HandoverFailed(f"The PlaceCX server made the file, but it cannot be collected from "
                             f"{data_file} ({error.strerror}).") from error
    finally:
        data_file.unlink(missing_ok=True)


def _server_inbox(db_path: Path, locked: DatabaseLocked) -> tuple[int, Folders]:
    """The process id and inbox of the PlaceCX server holding the file; raises `locked` if there is none."""
    pointer = read_pointer(db_path)
    if pointer is None:
        raise locked
    pid, inbox = pointer
    if (locked.pid is not None and locked.pid != pid) or not _alive(pid):
        raise locked
    return pid, Folders(inbox)


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (on Windows, signal 0 would end it, so trust the lock)."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, under another user
    return True


def _wait(folders: Folders, request_id: str, pid: int, timeout: float) -> dict:
    """Poll for the answer until it comes, the time is up or the server has gone."""
    result = folders.results / f"{request_id}.json"
    deadline = time.monotonic() + timeout
    checked = time.monotonic()
    while True:
        answer = _collect(result)
        if answer is not None:
            return answer
        now = time.monotonic()
        stopped = False
        if now - checked >= _ALIVE_CHECK_SECONDS:
            checked, stopped = now, not _alive(pid)
        if stopped or now >= deadline:
            return _last_look(folders, request_id, result, pid, timeout, stopped)
        time.sleep(_RESULT_POLL_SECONDS)


def _last_look(folders: Folders, request_id: str, result: Path, pid: int, timeout: float,
               stopped: bool) -> dict:
    """Take the request back if the server has not started it; else a last look for its answer.

    Raises HandoverFailed saying whether anything may have been done.
    """
    if _withdraw(folders, request_id):
        if stopped:
            raise HandoverFailed(f"The PlaceCX server (process {pid}) stopped before starting this; "
                                 "nothing was done. Try again.")
        raise HandoverFailed(f"The PlaceCX server did not start this within {timeout:g} seconds (it is "
                             "busy with other work); nothing was done. Try again, or give a longer "
                             "--timeout.")
    answer = _collect(result)
    if answer is not None:
        return answer
    if stopped:
        raise HandoverFailed(f"The PlaceCX server (process {pid}) stopped while doing this; look at the "
                             "upload history to see whether it finished.")
    raise HandoverFailed(f"The PlaceCX server did not finish this within {timeout:g} seconds and is still "
                         "working on it; look at the upload history to see when it finishes.")


def _collect(result: Path) -> dict | None:
    """The answer in `result`, removed once read, or None while there is none."""
    try:
        raw = read_regular_file(result)
    except FileNotFoundError:
        return None
    result.unlink(missing_ok=True)
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise HandoverFailed("The PlaceCX server's answer could not be read; see the upload history.")
    return answer


def _withdraw(folders: Folders, request_id: str) -> bool:
    """Take back a request the server has not started; True when it was taken back."""
    try:
        (folders.requests / f"{request_id}.json").unlink()
        withdrawn = True
    except FileNotFoundError:
        withdrawn = False
    except OSError:
        return False
    with contextlib.suppress(OSError):
        if withdrawn:
            (folders.requests / f"{request_id}.data").unlink(missing_ok=True)
    return withdrawn
