"""Uploads staged on disk, so that a web server keeps a few kilobytes per person, not the parsed file.

Reading a 1M-row export builds about 200 MB of Arrow and pandas objects. Kept in a
web session between reruns they stayed in the server until the session ended, and
the allocators kept much of it after. Here the rows live in the upload's own folder
instead, as Arrow files:

- `stage_upload` reads the upload once and writes its data rows (`body.arrow`, with the
  file line of each row) and its ragged rows (`ragged.arrow`); it returns the
  `StagedUpload`, which holds only `UploadFacts` and the last check.
- `StagedUpload.check(mapping)` validates the rows with a mapping and writes the valid
  rows (`valid.arrow`) and every problem (`problems.arrow`); the page keeps counts and
  the first `SHOWN_PROBLEMS` problems. A check is kept until the mapping changes.
- `import_staged` hands the checked rows, read memory-mapped, to the store.

Workbooks, and other files of `CHILD_FROM_BYTES` or more, are read and checked in a
child process with memory and time limits, so the server never builds their objects
at all; smaller text files are handled in process, where they cost little and a
child's start-up (a second or two) would be most of the wait. Both run `run_job`.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc

from cx.config import PROJECT_ROOT
from cx.importers import Inspection, UploadFacts, inspect_export, validate_export
from cx.importers.layout import Layout
from cx.importers.mapping import Mapping, Problem
from cx.importers.reading import FileRefused, RawTable
from cx.importers.run import (
    Checked,
    ImportResult,
    Progress,
    problems_frame,
    release_memory,
    source_name,
    write_checked,
)
from cx.store import Store

CHILD_FROM_BYTES = 4 * 1024 * 1024
CHILD_SECONDS = 300
CHILD_MEMORY_BYTES = 4 * 1024 * 1024 * 1024
SHOWN_PROBLEMS = 1000
# The files of a staged upload's folder.
_UPLOAD = "upload.bin"  # the upload's bytes, while it is read
_BODY = "body.arrow"  # the data rows as text, columns c0, c1, ... and the file line of each
_RAGGED = "ragged.arrow"  # rows whose width differs from the header's, as problems
_VALID = "valid.arrow"  # the last check's valid rows, converted
_PROBLEMS = "problems.arrow"  # the last check's problems
_LINE = "__line__"
_ROOT_LOCK = threading.Lock()
_root: Path | None = None


@dataclass(frozen=True)
class CheckFacts:
    """The outcome of checking staged rows with one mapping, without the rows."""

    key: str  # which mapping was checked (see `mapping_key`)
    data_rows: int
    rejected_rows: int
    problem_count: int
    problems: tuple[Problem, ...]  # the first SHOWN_PROBLEMS, by line and column
    notes: tuple[str, ...]
    extra_names: tuple[str, ...]

    @property
    def ready_rows(self) -> int:
        return self.data_rows - self.rejected_rows


@dataclass
class StagedUpload:
    """An upload whose rows wait in `folder`; only the facts and the last check are in memory."""

    folder: Path
    facts: UploadFacts
    last_check: CheckFacts | None = None

    def exists(self) -> bool:
        """False once the folder has been removed (the person left, or the upload was replaced)."""
        return (self.folder / _BODY).exists()

    def check(self, mapping: Mapping) -> CheckFacts:
        """Validate the staged rows with `mapping`, reusing the last check when the mapping is the same.

        Raises ValueError for mapping mistakes (columns the file lacks, a column used
        twice, no period for KPIs...), and FileRefused when the check could not finish
        within the child's limits.
        """
        key = mapping_key(mapping)
        if self.last_check is not None and self.last_check.key == key and (self.folder / _VALID).exists():
            return self.last_check
        self.last_check = None
        found = _run(self.folder, "check", {"mapping": mapping.as_dict()},
                     in_child=_in_child(self.facts.file_size, self.facts.file_format == "xlsx"))
        problems = tuple(Problem(**problem) for problem in found["problems"])
        self.last_check = CheckFacts(key, found["data_rows"], found["rejected_rows"], found["problem_count"],
                                     problems, tuple(found["notes"]), tuple(found["extra_names"]))
        return self.last_check

    def rejections(self) -> pd.DataFrame:
        """Every problem of the last check (line, column_name, value, reason), read from disk."""
        return _read_arrow(self.folder / _PROBLEMS).to_pandas()


def mapping_key(mapping: Mapping) -> str:
    """A short digest of a mapping: the same choices give the same key."""
    return hashlib.sha256(json.dumps(mapping.as_dict(), sort_keys=True).encode("utf-8")).hexdigest()[:16]


def staging_root() -> Path:
    """This process's folder for staged uploads, created on first use and removed when it exits."""
    global _root
    with _ROOT_LOCK:
        if _root is None or not _root.exists():
            _root = Path(tempfile.mkdtemp(prefix="placecx-uploads-"))
            atexit.register(shutil.rmtree, _root, ignore_errors=True)
        return _root


def stage_upload(content: bytes, file_name: str, folder: Path) -> StagedUpload:
    """Read an upload into `folder` (emptied first) and return what it is.

    Raises FileRefused (a ValueError) when the file cannot be read: the reasons of
    `inspect_export`, or the child process running out of memory or time.
    """
    clear_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _UPLOAD).write_bytes(content)
    try:
        found = _run(folder, "inspect", {"file_name": file_name},
                     in_child=_in_child(len(content), content.startswith(b"PK\x03\x04")))
    finally:
        (folder / _UPLOAD).unlink(missing_ok=True)
    return StagedUpload(folder, UploadFacts.from_dict(found["facts"]))


def _in_child(size: int, workbook: bool) -> bool:
    """Whether to read or check a file in a child process: workbooks (their size says little about
    their rows) and big files."""
    return workbook or size >= CHILD_FROM_BYTES


def clear_folder(folder: Path) -> None:
    """Remove a staged upload's files (the folder itself stays, for the next upload)."""
    if folder.exists():
        for path in folder.iterdir():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def import_staged(store: Store, staged: StagedUpload, mapping: Mapping, *, source: str | None,
                  uploaded_by: str | None, now: datetime, valid_only: bool = False,
                  progress: Progress | None = None) -> ImportResult:
    """Import a staged upload with `mapping`, checking it first if that mapping was not checked.

    Raises as `cx.importers.run.import_export`. The rows are read memory-mapped and
    let go before returning, whatever happens.
    """
    report = progress or (lambda stage: None)
    report(f"Checking {staged.facts.data_rows:,} rows")
    found = staged.check(mapping)
    try:
        checked = Checked(_read_arrow(staged.folder / _VALID).to_pandas(), staged.rejections(),
                          found.data_rows, found.rejected_rows, list(found.extra_names))
        counts = write_checked(store, staged.facts, mapping, checked, source=source, uploaded_by=uploaded_by,
                               now=now, valid_only=valid_only, progress=progress)
    finally:
        checked = None
        release_memory()
    return ImportResult(counts.batch, counts.new, counts.duplicate, counts.rejected, found.data_rows,
                        source_name(source, staged.facts), list(found.problems),
                        list(found.notes), counts.repeated)


# --- Jobs: the same code in process or in the child ---------------------------


def _run(folder: Path, job: str, request: dict, *, in_child: bool) -> dict:
    """Run `job` on `folder`, in this process or a child, and return its answer.

    Raises FileRefused or ValueError with the job's own sentence.
    """
    (folder / f"{job}-request.json").write_text(json.dumps(request), encoding="utf-8")
    answer_path = folder / f"{job}-answer.json"
    answer_path.unlink(missing_ok=True)
    if in_child:
        _run_child(folder, job)
    else:
        run_job(folder, job)
    answer = json.loads(answer_path.read_text(encoding="utf-8"))
    if "refused" in answer:
        raise FileRefused(answer["refused"])
    if "invalid" in answer:
        raise ValueError(answer["invalid"])
    return answer


def _run_child(folder: Path, job: str) -> None:
    """Run the job in `python -m cx.importers.staging`; raise FileRefused when it ends without an answer."""
    try:
        result = subprocess.run([sys.executable, "-m", "cx.importers.staging", job, str(folder)],
                                cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=CHILD_SECONDS,
                                preexec_fn=_limit_child, check=False)
    except subprocess.TimeoutExpired as error:
        raise FileRefused(
            f"Reading the file took longer than {CHILD_SECONDS // 60} minutes and was stopped; split the "
            "export and retry."
        ) from error
    if (folder / f"{job}-answer.json").exists():
        return
    # A library that cannot be mapped under the child's address-space limit fails to import
    # ("failed to map segment from shared object"): the same refusal as any other allocation.
    signs = ("memory", "bad_alloc", "failed to map segment")
    if result.returncode < 0 or any(sign in result.stderr.lower() for sign in signs):
        raise FileRefused("The file needs more memory to read than an upload may use; split the export "
                          "and retry.")
    last = (result.stderr.strip().splitlines() or ["no message"])[-1]
    raise FileRefused(f"The file could not be read: the reader stopped unexpectedly ({last}).")


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))


def run_job(folder: Path, job: str) -> None:
    """Do one job ("inspect" or "check") on a staged folder and write its answer beside it.

    The answer is JSON: the result, or {"refused": sentence} / {"invalid": sentence}.
    """
    request = json.loads((folder / f"{job}-request.json").read_text(encoding="utf-8"))
    try:
        answer = _inspect(folder, request) if job == "inspect" else _check(folder, request)
    except FileRefused as error:
        answer = {"refused": str(error)}
    except ValueError as error:
        answer = {"invalid": str(error)}
    (folder / f"{job}-answer.json").write_text(json.dumps(answer, default=str), encoding="utf-8")


def _inspect(folder: Path, request: dict) -> dict:
    inspection = inspect_export((folder / _UPLOAD).read_bytes(), request["file_name"])
    facts = inspection.facts()
    # Column names of the file's own may be anything (even empty), so the Arrow file numbers them.
    numbered = inspection.frame.set_axis([f"c{i}" for i in range(len(facts.columns))], axis=1)
    body = pa.Table.from_pandas(numbered, preserve_index=False)
    body = body.append_column(_LINE, pa.array(inspection.lines, pa.int64()))
    _write_arrow(body, folder / _BODY)
    _write_arrow(pa.Table.from_pandas(problems_frame(inspection.ragged), preserve_index=False),
                 folder / _RAGGED)
    return {"facts": facts.as_dict()}


def _check(folder: Path, request: dict) -> dict:
    for name in (_VALID, _PROBLEMS):
        (folder / name).unlink(missing_ok=True)
    inspection = _load_inspection(folder)
    result = validate_export(inspection, Mapping.from_dict(request["mapping"]))
    _write_arrow(pa.Table.from_pandas(result.frame, preserve_index=False), folder / _VALID)
    _write_arrow(pa.Table.from_pandas(problems_frame(result.problems), preserve_index=False),
                 folder / _PROBLEMS)
    return {"data_rows": result.data_rows, "rejected_rows": result.rejected_rows,
            "problem_count": len(result.problems), "notes": result.notes,
            "extra_names": result.extra_names,
            "problems": [problem.__dict__ for problem in result.problems[:SHOWN_PROBLEMS]]}


def _load_inspection(folder: Path) -> Inspection:
    """The Inspection that `_inspect` staged, rebuilt from its files (rows read memory-mapped)."""
    facts = UploadFacts.from_dict(json.loads((folder / "inspect-answer.json").read_text("utf-8"))["facts"])
    body = _read_arrow(folder / _BODY)
    # An array, not a list: a million Python ints cost the check two seconds to turn into a Series.
    lines = body.column(_LINE).to_numpy()
    frame = body.drop_columns([_LINE]).to_pandas().set_axis(list(facts.columns), axis=1)
    ragged = [Problem(int(row.line), row.column_name, row.value, row.reason)
              for row in _read_arrow(folder / _RAGGED).to_pandas().itertuples()]
    table = RawTable([], facts.file_format, encoding=facts.encoding, delimiter=facts.delimiter,
                     sheet=facts.sheet)
    layout = Layout(facts.tool, facts.header_rows, facts.columns)
    return Inspection(facts.file_name, facts.file_size, facts.sha256, table, layout, frame, lines, ragged,
                      facts.mapping, list(facts.notes))


def _write_arrow(table: pa.Table, path: Path) -> None:
    with pa.OSFile(str(path), "wb") as sink, pyarrow.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _read_arrow(path: Path) -> pa.Table:
    """An Arrow file read memory-mapped: its buffers are the file's pages, not the process's heap."""
    with pa.memory_map(str(path), "r") as source:
        return pyarrow.ipc.open_file(source).read_all()


def main(argv: list[str]) -> int:
    """`python -m cx.importers.staging JOB FOLDER`: the child process's entry point."""
    job, folder = argv
    run_job(Path(folder), job)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
