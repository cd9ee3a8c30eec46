"""Staged uploads: the rows wait on disk, in process or in a child, and import as the in-memory path does."""

from __future__ import annotations

import pickle

import pytest

from cx.importers import FileRefused, inspect_export, staging
from cx.importers.mapping import Mapping
from cx.importers.run import import_export
from cx.importers.staging import StagedUpload, clear_folder, import_staged, stage_upload

from .test_upload_import import NOW, csv_bytes, survey
from .test_upload_kpis import kpi_file


@pytest.fixture(params=["in process", "child"])
def where(request, monkeypatch):
    """Run each test both ways: small files in the server's process, big ones in a child."""
    if request.param == "child":
        monkeypatch.setattr(staging, "CHILD_FROM_BYTES", 0)
    return request.param


def test_staged_facts_and_check_match_the_in_memory_inspection(tmp_path, where):
    content = survey(range(1, 41), bad={7: "ten", 9: "Very good"})
    inspection = inspect_export(content, "survey.csv")
    staged = stage_upload(content, "survey.csv", tmp_path / "upload")
    assert staged.facts == inspection.facts()
    checked = staged.check(staged.facts.mapping)
    assert (checked.data_rows, checked.rejected_rows, checked.problem_count) == (40, 2, 2)
    assert [p.line for p in checked.problems] == [8, 10]
    assert checked.problems[0].reason == "'ten' is not a score from 0 to 10"
    assert staged.rejections()["line"].tolist() == [8, 10]


def test_an_import_from_disk_counts_as_the_in_memory_import_does(tmp_path, store, database, where):
    content = survey(range(1, 21), bad={5: "eleven"})
    staged = stage_upload(content, "survey.csv", tmp_path / "upload")
    result = import_staged(store, staged, staged.facts.mapping, source="Residents", uploaded_by="Analyst",
                           now=NOW, valid_only=True)
    assert (result.new, result.duplicate, result.rejected, result.data_rows) == (19, 0, 1, 20)
    again = import_export(database.store(), inspect_export(content, "survey.csv"), source="Residents",
                          uploaded_by="Analyst", now=NOW, valid_only=True)
    assert (again.new, again.duplicate, again.rejected) == (0, 19, 1)
    history = store.uploads.history()
    assert history["rows_rejected"].tolist() == [1, 1]
    assert history["file_sha256"].nunique() == 1 and set(history["tool"]) == {"generic"}


def test_ragged_rows_and_kpi_sheets_survive_staging(tmp_path, store, where):
    ragged = csv_bytes([["id", "Satisfaction"], ["a", "4"], ["b", "5", "extra"], ["c", "3"]])
    staged = stage_upload(ragged, "ragged.csv", tmp_path / "ragged")
    checked = staged.check(staged.facts.mapping)
    assert (checked.data_rows, checked.rejected_rows) == (3, 1)
    assert checked.problems[0].line == 3 and checked.problems[0].column == "(whole row)"
    kpis = stage_upload(kpi_file(), "calls.csv", tmp_path / "kpis")
    assert kpis.facts.kind == "kpi"
    result = import_staged(store, kpis, kpis.facts.mapping, source="cc", uploaded_by=None, now=NOW)
    assert (result.new, result.rejected) == (3, 0)


def test_refusals_and_mapping_mistakes_keep_their_sentences(tmp_path, where):
    with pytest.raises(FileRefused, match="Line 2: a quoted field is never closed"):
        stage_upload(b'id,comment\n1,"never closed\n2,x\n', "x.csv", tmp_path / "bad")
    staged = stage_upload(survey(range(1, 4)), "survey.csv", tmp_path / "ok")
    wrong = Mapping({**staged.facts.mapping.roles, "nps": "No such column"})
    with pytest.raises(ValueError, match="the file has no column called 'No such column'"):
        staged.check(wrong)


def test_a_check_is_reused_until_the_mapping_changes(tmp_path, monkeypatch):
    staged = stage_upload(survey(range(1, 11)), "survey.csv", tmp_path / "upload")
    jobs = []
    real_run = staging._run
    monkeypatch.setattr(staging, "_run", lambda *args, **kw: jobs.append(args[1]) or real_run(*args, **kw))
    first = staged.check(staged.facts.mapping)
    assert staged.check(Mapping.from_dict(staged.facts.mapping.as_dict())) is first
    changed = Mapping({**staged.facts.mapping.roles, "comment": None})
    assert staged.check(changed).key != first.key
    assert jobs == ["check", "check"]


def test_what_a_page_keeps_is_small_however_big_the_file(tmp_path):
    rows = [["Response ID", "Likely to recommend", "Comment"]]
    rows += [[f"R{i}", "eleven" if i % 2 else "9", "x" * 40] for i in range(20_000)]
    content = csv_bytes(rows)
    staged = stage_upload(content, "big.csv", tmp_path / "upload")
    staged.check(Mapping({**staged.facts.mapping.roles, "nps": "Likely to recommend"}))
    assert staged.last_check.problem_count == 10_000
    assert len(staged.last_check.problems) == staging.SHOWN_PROBLEMS
    assert len(pickle.dumps(staged)) < len(content) / 10
    assert len(pickle.dumps(StagedUpload(staged.folder, staged.facts))) < 10_000


def test_a_cleared_folder_is_no_longer_a_staged_upload(tmp_path):
    staged = stage_upload(survey(range(1, 4)), "survey.csv", tmp_path / "upload")
    assert staged.exists()
    clear_folder(staged.folder)
    assert not staged.exists() and staged.folder.exists() and not list(staged.folder.iterdir())


def test_workbooks_are_always_read_in_a_child(tmp_path, store, monkeypatch):
    from .test_upload_hostile import simple_workbook, xlsx_bytes

    children = []
    real = staging._run_child
    monkeypatch.setattr(staging, "_run_child", lambda folder, job: children.append(job) or real(folder, job))
    staged = stage_upload(xlsx_bytes(simple_workbook), "ok.xlsx", tmp_path / "book")
    assert staged.facts.file_format == "xlsx" and staged.facts.sheet == "Sheet1"
    result = import_staged(store, staged, staged.facts.mapping, source=None, uploaded_by=None, now=NOW)
    assert (result.new, result.rejected) == (1, 0)
    assert children == ["inspect", "check"]


def test_a_child_that_dies_is_a_refusal_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "CHILD_FROM_BYTES", 0)
    monkeypatch.setattr(staging, "CHILD_MEMORY_BYTES", 64 * 1024 * 1024)
    with pytest.raises(FileRefused, match="needs more memory to read than an upload may use"):
        stage_upload(survey(range(1, 4)), "survey.csv", tmp_path / "upload")
