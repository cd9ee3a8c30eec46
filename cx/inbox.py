"""The inbox: a folder the running app watches, so that other programs never need the database file.

DuckDB lets one process at a time open a file for writing, and a running PlaceCX
server holds its database for as long as it runs. So the server takes work in
through a folder, and one background thread of the server (`InboxWorker`) does it
with its own cursor:

- `python -m cx import` and `python -m cx status`, finding the database held by
  the server, hand their work over (`cx.handover`): the export and a small JSON
  request go into `requests/`, each written under a temporary name and then
  renamed; the worker answers in `results/` with what the command would have
  printed. Requests are answered one at a time, oldest first.
- A person or a scheduled job drops an export into the folder itself. It is
  imported once (a file whose content is already held as an upload is not
  imported again), with the saved mapping profile made for the same columns or
  else the proposed mapping, all rows or nothing, as uploaded by "inbox". Then it
  is moved to `done/`, or to `failed/` with its reason in a text file beside it;
  either way its outcome is recorded (`store.inbox`) for the Upload page.

Files are hostile until read: the upload size limit applies before a byte is
read, links are never followed, anything but a regular file is refused, and a
file that may still be being written (a hidden or temporary name, or changed in
the last few seconds) is left for a later look. The worker never raises into the
app: whatever goes wrong with a file becomes that file's failure and its reason.

The server tells other processes where its inbox is with a pointer file beside
the database (`<database file>.worker.json`: its process id and the folder).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import stat
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cx.commands import READ_COMMANDS, ImportOptions, check_params, one_line, run_import, run_read
from cx.config import Settings
from cx.errors import PlaceCXError
from cx.importers import Inspection, inspect_export
from cx.importers.mapping import Mapping
from cx.importers.reading import MAX_FILE_BYTES, FileRefused, refuse_if_too_large
from cx.importers.run import columns_signature, import_export
from cx.store import Database, Store
from cx.store.inbox import InboxFile

log = logging.getLogger(__name__)

UPLOADED_BY = "inbox"
POLL_SECONDS = 1.0
SETTLE_SECONDS = 2.0
STALE_SECONDS = 3600
SWEEP_SECONDS = 60
MAX_REQUEST_BYTES = 64 * 1024
COMMANDS = ("import", *READ_COMMANDS)
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", "~")
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Folders:
    """The inbox folder and its subfolders."""

    root: Path

    @property
    def requests(self) -> Path:
        return self.root / "requests"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def done(self) -> Path:
        return self.root / "done"

    @property
    def failed(self) -> Path:
        return self.root / "failed"

    def create(self) -> None:
        """Create the folders that are missing.

        Raises OSError when one cannot be created, or when a subfolder is a link:
        files moved or answers written there would land outside the inbox.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        for folder in (self.requests, self.results, self.done, self.failed):
            if folder.is_symlink():
                raise OSError(errno.ELOOP, "the subfolder is a link; make it a real folder", str(folder))
            folder.mkdir(exist_ok=True)


@dataclass(frozen=True)
class Request:
    """Work handed over by the command line: a command with its parameters, and for an
    import the file's name and options."""

    id: str
    command: str
    file_name: str | None = None
    options: ImportOptions = field(default_factory=ImportOptions)
    params: dict = field(default_factory=dict)

    @classmethod
    def new(cls, command: str, file_name: str | None = None, options: ImportOptions | None = None,
            params: dict | None = None) -> Request:
        return cls(uuid.uuid4().hex, command, file_name, options or ImportOptions(), params or {})

    def to_bytes(self) -> bytes:
        return json.dumps({"id": self.id, "command": self.command, "file_name": self.file_name,
                           "options": self.options.as_dict(), "params": self.params}).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes, request_id: str) -> Request:
        """Read a request file that anyone able to write to the inbox could have written.

        Raises ValueError when it is not JSON, names another id or an unknown
        command, or carries an option or parameter of the wrong type.
        """
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ValueError("The request handed over is not valid JSON.") from None
        if not isinstance(data, dict) or data.get("id") != request_id:
            raise ValueError("The request handed over does not carry its own id.")
        if data.get("command") not in COMMANDS:
            raise ValueError(f"The request handed over names no known command ({', '.join(COMMANDS)}).")
        file_name = data.get("file_name")
        if file_name is not None and (not isinstance(file_name, str) or len(file_name) > 255):
            raise ValueError("The request handed over has a file name that is not text of at most "
                             "255 characters.")
        name = Path(file_name).name if file_name else None
        params = check_params(data["command"], data.get("params") or {})
        return cls(request_id, data["command"], name, ImportOptions.from_dict(data.get("options") or {}),
                   params)


def pointer_path(db_path: Path) -> Path:
    """The file beside the database in which the server names its process and its inbox."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".worker.json")


def read_pointer(db_path: Path) -> tuple[int, Path] | None:
    """(process id, inbox folder) of the server watching an inbox for `db_path`, or None if none says so."""
    try:
        data = json.loads(read_regular_file(pointer_path(db_path), MAX_REQUEST_BYTES))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    pid, inbox = data.get("pid"), data.get("inbox")
    if not isinstance(pid, int) or not isinstance(inbox, str):
        return None
    return pid, Path(inbox)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that no reader ever sees half of it: a hidden temporary name, then a rename.

    Raises OSError when the folder cannot be written.
    """
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with open(temp, "xb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, opened without following a link, never reading more than `limit` + 1.

    Raises FileRefused when `path` is a link or not a regular file (a pipe would
    block the reader for ever) or has more than `limit` bytes, and OSError when it
    cannot be opened.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise FileRefused("The file is a link; links are not followed.") from None
        raise
    with os.fdopen(descriptor, "rb") as source:
        info = os.fstat(source.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("This is not a regular file.")
        _refuse_size(info.st_size, limit)
        data = source.read(limit + 1)
    _refuse_size(len(data), limit)
    return data


def _refuse_size(size: int, limit: int) -> None:
    if limit == MAX_FILE_BYTES:
        refuse_if_too_large(size)
    elif size > limit:
        raise FileRefused(f"The file has more than {limit:,} bytes.")


def _entries(folder: Path) -> list[os.DirEntry]:
    """The entries of a folder, or none when it has gone (the worker then creates it again)."""
    try:
        with os.scandir(folder) as found:
            return list(found)
    except FileNotFoundError:
        return []


def _lstat(entry: os.DirEntry) -> os.stat_result | None:
    """The entry's own status (a link's, not its target's), or None when it has just gone."""
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None


def _is_partial(name: str) -> bool:
    """Hidden files, office lock files and names that download tools and editors use while writing."""
    return name.startswith((".", "~$")) or name.lower().endswith(PARTIAL_SUFFIXES)


def profile_for(store: Store, inspection: Inspection) -> tuple[Mapping | None, str | None]:
    """The mapping and survey name of the saved profile made for the same columns, or (None, None).

    A profile of the kind the file looks like (responses or KPIs) wins; among
    several, the first by name.
    """
    profiles = store.uploads.profiles()
    matching = profiles[profiles["columns_signature"] == columns_signature(inspection.layout.columns)]
    if matching.empty:
        return None, None
    same_kind = matching[matching["kind"] == inspection.kind]
    chosen = (same_kind if not same_kind.empty else matching).iloc[0]
    return Mapping.from_dict(json.loads(chosen["mapping"])), chosen["source"]


class InboxWorker:
    """Watches one inbox folder for one database, on one background thread.

    `run_once` does one look (tests call it directly); `start` runs it every
    `poll_seconds` until `stop`. Not safe to run twice on one folder at once:
    take workers from `start_worker`, which keeps one per folder per process.
    """

    def __init__(self, database: Database, folder: Path, *, poll_seconds: float = POLL_SECONDS,
                 settle_seconds: float = SETTLE_SECONDS,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.database = database
        self.folders = Folders(Path(folder))
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self.problem: str | None = None
        self._clock = clock or (lambda: datetime.now().replace(microsecond=0))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stuck: set[tuple[str, int, int]] = set()
        self._swept_at = 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> InboxWorker:
        """Create the folders, tell other processes where they are, and start watching.

        Never raises: when the folder cannot be used the worker does not run and
        `problem` says why in one sentence.
        """
        try:
            self.folders.create()
            pointer = {"pid": os.getpid(), "inbox": str(self.folders.root.resolve()),
                       "started_at": datetime.now().isoformat(timespec="seconds")}
            write_atomically(pointer_path(self.database.path), json.dumps(pointer).encode("utf-8"))
        except OSError as error:
            why = error.strerror or str(error)
            self.problem = (f"The inbox folder {self.folders.root} cannot be used ({why}), "
                            "so exports dropped there are not imported and the command line cannot "
                            "import while the app runs; fix the folder and restart the app.")
            log.warning("%s", self.problem)
            return self
        self._sweep(claimed_too=True)
        self._thread = threading.Thread(target=self._loop, name="placecx-inbox", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stop watching after the file in hand, and withdraw the pointer file if it is ours."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        pointer = pointer_path(self.database.path)
        held = read_pointer(self.database.path)
        if held is not None and held[0] == os.getpid():
            with contextlib.suppress(OSError):
                pointer.unlink()

    def run_once(self) -> int:
        """Answer the waiting requests, then take each settled dropped file; return how many were handled.

        Requests are answered again between dropped files, so a waiting command
        never queues behind a whole night's exports.
        """
        self.folders.create()
        handled = self._answer_requests()
        for path, info in self._settled_drops():
            if self._stop.is_set():
                break
            self._take_drop(path, info)
            handled += 1 + self._answer_requests()
        if time.monotonic() - self._swept_at > SWEEP_SECONDS:
            self._sweep()
        return handled

    def _loop(self) -> None:
        failing = None
        while not self._stop.is_set():
            try:
                self.run_once()
                failing = None
            except Exception as error:  # the thread must outlive any one bad look at the folder
                if one_line(error) != failing:  # say it once, not every second
                    failing = one_line(error)
                    log.exception("The inbox worker could not look at %s; it will look again.",
                                  self.folders.root)
            self._stop.wait(self.poll_seconds)

    # --- work handed over by the command line ---

    def _answer_requests(self) -> int:
        waiting = sorted(
            (info.st_mtime_ns, entry.name) for entry in _entries(self.folders.requests)
            if entry.name.endswith(".json") and _REQUEST_ID.fullmatch(entry.name[:-5])
            and (info := _lstat(entry)) is not None
        )
        answered = 0
        for _, name in waiting:
            if self._stop.is_set():
                break
            request_id = name[:-5]
            claimed = self.folders.requests / f"{request_id}.claimed"
            try:
                os.rename(self.folders.requests / name, claimed)
            except FileNotFoundError:
                continue  # withdrawn by the command that wrote it
            answer = {"id": request_id, **self._answer(claimed, request_id)}
            write_atomically(self.folders.results / f"{request_id}.json",
                             json.dumps(answer, default=str).encode("utf-8"))
            for leftover in (claimed, self.folders.requests / f"{request_id}.data"):
                leftover.unlink(missing_ok=True)
            answered += 1
        return answered

    def _answer(self, claimed: Path, request_id: str) -> dict:
        """Do one request; what the command prints, or the one sentence of its error."""
        try:
            request = Request.from_bytes(read_regular_file(claimed, MAX_REQUEST_BYTES), request_id)
            store = self.database.store()
            if request.command in READ_COMMANDS:
                answer = run_read(store, request.command, request.params, now=self._clock(),
                                  min_n=Settings.load().min_n)
                if answer.data is not None:  # collected, then deleted, by the waiting command
                    write_atomically(self.folders.results / f"{request_id}.data", answer.data)
                return {"ok": True, "result": answer.facts, "data": answer.data is not None}
            content = read_regular_file(self.folders.requests / f"{request_id}.data")
            result = run_import(store, content, request.file_name or "export", request.options,
                                now=self._clock())
            return {"ok": True, "result": result.as_dict()}
        except (PlaceCXError, ValueError, OSError) as error:
            return {"ok": False, "error": one_line(error)}
        except Exception as error:  # never into the app: the command reports it instead
            log.exception("The inbox worker failed on request %s.", request_id)
            return {"ok": False, "error": _unexpected(error)}

    # --- files dropped in the folder ---

    def _settled_drops(self) -> list[tuple[Path, os.stat_result]]:
        """Files in the inbox itself, oldest first, that nobody has changed for `settle_seconds`."""
        now = time.time()
        found = []
        for entry in _entries(self.folders.root):
            if _is_partial(entry.name) or entry.is_dir(follow_symlinks=False):
                continue
            info = _lstat(entry)
            if info is None or (entry.name, info.st_size, info.st_mtime_ns) in self._stuck:
                continue
            if now - info.st_mtime >= self.settle_seconds:
                found.append((info.st_mtime_ns, entry.name, info))
        return [(self.folders.root / name, info) for _, name, info in sorted(found, key=lambda f: f[:2])]

    def _take_drop(self, path: Path, info: os.stat_result) -> None:
        """Import one dropped file, record its outcome and move it out of the way. Never raises."""
        item = self._import_drop(path, info, self._clock())
        if item.outcome != "imported":  # an import records itself in its own transaction
            self._record(item)
        self._move(path, item, info)

    def _import_drop(self, path: Path, info: os.stat_result, received: datetime) -> InboxFile:
        base = {"file_name": path.name, "received_at": received, "file_size": info.st_size}
        digest = None
        try:
            if stat.S_ISLNK(info.st_mode):
                raise FileRefused("This is a link to another file; links are not followed, so copy the "
                                  "file itself into the inbox.")
            if not stat.S_ISREG(info.st_mode):
                raise FileRefused("This is not a regular file.")
            refuse_if_too_large(info.st_size)
            content = read_regular_file(path)
            digest = hashlib.sha256(content).hexdigest()
            return self._import_content(content, digest, base)
        except (PlaceCXError, ValueError, OSError) as error:
            reason = one_line(error)
        except Exception as error:  # never into the app: the file fails with the reason
            log.exception("The inbox worker failed on %s.", path)
            reason = _unexpected(error)
        return InboxFile(**base, file_sha256=digest, outcome="failed", reason=reason)

    def _import_content(self, content: bytes, digest: str, base: dict) -> InboxFile:
        store = self.database.store()
        earlier = store.uploads.batch_of_file(digest)
        if earlier is not None:
            return InboxFile(**base, file_sha256=digest, outcome="already imported", batch_id=earlier,
                             reason=f"The same file was imported before, as upload {earlier}; "
                                    "it was not imported again.")
        inspection = inspect_export(content, base["file_name"])

        def unit(writer: Store) -> InboxFile:
            mapping, source = profile_for(writer, inspection)
            result = import_export(writer, inspection, mapping, source=source, uploaded_by=UPLOADED_BY,
                                   now=base["received_at"])
            item = InboxFile(**base, file_sha256=digest, outcome="imported", batch_id=result.batch)
            writer.inbox.record(item)
            return item

        return store.run(unit)

    def _record(self, item: InboxFile) -> None:
        try:
            self.database.store().run(lambda writer: writer.inbox.record(item))
        except Exception:  # the reason file in failed/ still tells the story
            log.exception("The inbox worker could not record the outcome of %s.", item.file_name)

    def _move(self, path: Path, item: InboxFile, info: os.stat_result) -> None:
        """Move a handled file to done/ or failed/ (with its reason beside it), under a dated name."""
        folder = self.folders.failed if item.outcome == "failed" else self.folders.done
        stem = f"{item.received_at:%Y%m%d-%H%M%S}_{path.name}"
        target, number = folder / stem, 1
        while target.exists() or target.is_symlink():
            number += 1
            target = folder / f"{item.received_at:%Y%m%d-%H%M%S}-{number}_{path.name}"
        try:
            os.rename(path, target)
            if item.outcome == "failed":
                target.with_name(target.name + ".reason.txt").write_text(f"{item.reason}\n", encoding="utf-8")
        except OSError:
            # Left where it is, it would be taken again at every look: remember it until it changes.
            self._stuck.add((path.name, info.st_size, info.st_mtime_ns))
            log.exception("The inbox worker could not move %s to %s.", path, folder)

    def _sweep(self, *, claimed_too: bool = False) -> None:
        """Delete answers nobody collected and requests abandoned half-written, after STALE_SECONDS.

        At start, requests a previous run had claimed are dropped too: the command
        that waited for them saw that server stop.
        """
        self._swept_at = time.monotonic()
        cutoff = time.time() - STALE_SECONDS
        for folder in (self.folders.requests, self.folders.results):
            for entry in _entries(folder):
                with contextlib.suppress(OSError):
                    claimed = claimed_too and entry.name.endswith(".claimed")
                    if claimed or entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)


def _unexpected(error: BaseException) -> str:
    return f"PlaceCX could not do this ({type(error).__name__}: {one_line(error)})."


_workers: dict[Path, InboxWorker] = {}
_workers_lock = threading.Lock()


def start_worker(database: Database, folder: Path, **options) -> InboxWorker:
    """The worker watching `folder` in this process, started if none is running.

    One per folder per process, so that a second cached Database (after a code
    reload, say) never sets a second thread on the same files. Never raises (see
    `InboxWorker.start`).
    """
    key = Path(folder).resolve()
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None or not worker.running:
            worker = InboxWorker(database, key, **options).start()
            _workers[key] = worker
    return worker


def stop_worker(worker: InboxWorker) -> None:
    """Stop a worker from `start_worker` and forget it."""
    worker.stop()
    with _workers_lock:
        if _workers.get(worker.folders.root) is worker:
            del _workers[worker.folders.root]


@atexit.register
def _stop_all() -> None:
    """Stop every worker before the interpreter shuts down, so none is cut off inside DuckDB."""
    for worker in list(_workers.values()):
        stop_worker(worker)
