"""The upload page, driven end to end with file_uploader.set_value and checked against the database."""

from __future__ import annotations

import pickle
import time
from datetime import datetime

import pytest

from cx.store import Database
from cx_ui import state, uploads

from .apptest import messages, open_page, query, table, texts
from .test_upload_import import csv_bytes, survey


@pytest.fixture
def empty_db(tmp_path, app_env):
    """An empty database with one person, the analyst who uploads (person 1)."""
    path = tmp_path / "upload.duckdb"
    database = Database(path)
    database.store().people.add("Ann Analyst", None, now=datetime(2026, 11, 1))
    database.close()
    app_env(path)
    return path


def page():
    """The Upload page, opened by the analyst."""
    return open_page("pages/upload.py", person_id=1)


def upload(at, content: bytes, name: str = "survey.csv"):
    at.file_uploader(key="upload-file").set_value((name, content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_clean_file_is_read_mapped_and_imported(empty_db):
    at = upload(page(), survey(range(1, 31)))
    shown = "\n".join(texts(at))
    assert "Survey tool: generic" in shown and "data rows: 30" in shown
    assert "Encoding: UTF-8 · delimiter: comma" in shown
    assert at.selectbox(key=next(k for k in _keys(at) if k.startswith("upload-role-nps-"))).value \
        == "Likely to recommend"
    assert "30 of 30 rows are ready to import; 0 have problems." in texts(at)
    at.button(key="upload-import-button").click().run()
    assert not at.exception
    assert messages(at.success) == ["Upload 1 imported: 30 new rows, 0 already held, 0 rejected."]
    assert query(empty_db, "SELECT count(*), count(nps) FROM responses") == [(30, 30)]
    history = at.dataframe[-1].value
    assert history.loc[0, "New"] == 30 and history.loc[0, "File"] == "survey.csv"


def test_bad_rows_are_listed_and_import_nothing_is_the_default(empty_db):
    at = upload(page(), survey(range(5, 15), bad={7: "ten", 9: "Very good"}))
    assert "8 of 10 rows are ready to import; 2 have problems." in texts(at)
    problems = table(at, "Line", "Column")
    assert problems["Line"].tolist() == [4, 6]
    assert problems["Reason"].tolist() == ["'ten' is not a score from 0 to 10",
                                           "'Very good' is not a score from 0 to 10"]
    at.button(key="upload-import-button").click().run()
    assert "nothing was imported" in messages(at.error)[0]
    assert query(empty_db, "SELECT count(*) FROM upload_batches") == [(0,)]
    at.radio(key="upload-choice").set_value("valid")
    at.button(key="upload-import-button").click().run()
    assert messages(at.success) == ["Upload 1 imported: 8 new rows, 0 already held, 2 rejected."]
    assert query(empty_db, "SELECT line FROM upload_rejections ORDER BY line") == [(4,), (6,)]


def test_editing_the_mapping_changes_what_is_imported(empty_db):
    content = csv_bytes([["Ref", "Score", "Team"], ["a", "5", "Parks"], ["b", "2", "Waste"]])
    at = upload(page(), content)
    key = next(k for k in _keys(at) if k.startswith("upload-role-csat-"))
    at.selectbox(key=key).set_value("Score").run()
    at.text_input(key=next(k for k in _keys(at) if k.startswith("upload-save-profile-"))).set_value("Parks")
    at.button(key="upload-import-button").click().run()
    assert query(empty_db, "SELECT response_id, csat, service FROM responses ORDER BY 1") == [
        ("a", 5, "Parks"), ("b", 2, "Waste")]
    assert query(empty_db, "SELECT name, source FROM mapping_profiles")[0][0] == "Parks"
    # The next upload of the same survey is offered the saved profile.
    at = upload(page(), csv_bytes([["Ref", "Score", "Team"], ["c", "4", "Parks"]]),
                name="next.csv")
    assert at.selectbox(key=next(k for k in _keys(at) if k.startswith("upload-profile-"))).value == "Parks"
    assert at.selectbox(key=next(k for k in _keys(at) if k.startswith("upload-role-csat-"))).value == "Score"


def test_a_refused_file_says_why(empty_db):
    at = upload(page(), b"id,comment\n1,\"never closed\n2,x\n")
    assert messages(at.error)[0].startswith("This file was not read: Line 2: a quoted field is never closed")


def test_removing_an_upload_asks_first_and_takes_its_rows(empty_db):
    at = upload(page(), survey(range(1, 6)))
    at.button(key="upload-import-button").click().run()
    at.button(key="upload-remove").click().run()
    assert "also removes the 5 rows it added" in at.warning[0].value
    assert query(empty_db, "SELECT count(*) FROM responses") == [(5,)]
    at.button(key="upload-remove-confirm").click().run()
    assert messages(at.success) == ["Upload 1 removed with its 5 rows."]
    assert query(empty_db, "SELECT count(*) FROM responses") == [(0,)]
    assert "Nothing has been uploaded yet." in [i.value for i in at.info]


def _keys(at) -> list[str]:
    return [w.key for w in at.selectbox] + [w.key for w in at.text_input]


def test_a_kpi_sheet_is_offered_as_kpis_and_imported_as_ratios(empty_db):
    from .test_upload_kpis import kpi_file

    at = upload(page(), kpi_file(), name="calls.csv")
    assert at.radio(key=next(r.key for r in at.radio if r.key.startswith("upload-kind-"))).value == "kpi"
    assert "3 of 3 rows are ready to import; 0 have problems." in texts(at)
    at.button(key="upload-import-button").click().run()
    assert messages(at.success) == ["Upload 1 imported: 3 new rows, 0 already held, 0 rejected."]
    assert query(empty_db, "SELECT sum(numerator), sum(denominator) FROM kpi_observations "
                           "WHERE metric = 'answered_within_20s'") == [(2000.0, 2600.0)]


def test_the_analyst_can_switch_dates_to_month_first(empty_db):
    content = csv_bytes([["Id", "Start time", "Completion time", "Email", "Name"],
                         ["1", "9/1/2024 11:20", "9/1/2024 11:27", "anonymous", ""]])
    at = upload(page(), content, name="forms.csv")
    assert "Note: Dates in 'Completion time' were read as day/month/year." in texts(at)
    at.radio(key=next(r.key for r in at.radio if r.key.startswith("upload-date-order-"))).set_value("month")
    at.run()
    assert "Note: Dates in 'Completion time' were read as month/day/year (US)." in texts(at)
    at.button(key="upload-import-button").click().run()
    stored = query(empty_db, "SELECT CAST(completed_at AS VARCHAR) FROM responses")
    assert stored == [("2024-09-01 11:27:00",)]


def test_files_dropped_in_the_inbox_are_taken_by_the_apps_worker_and_listed(empty_db):
    at = page()
    assert "Nothing has arrived in the inbox yet." in texts(at)
    inbox = empty_db.with_name(empty_db.name + ".inbox")
    (inbox / "broken.csv").write_bytes(b'id,comment\n1,"never closed\n')
    (inbox / "nightly.csv").write_bytes(survey(range(1, 6)))
    deadline = time.monotonic() + 60
    while len(list((inbox / "done").iterdir()) + list((inbox / "failed").iterdir())) < 3:
        assert time.monotonic() < deadline, "the app's inbox worker did not take the files"
        time.sleep(0.2)
    at.run()
    arrived = table(at, "Received", "File", "Outcome")
    assert sorted(zip(arrived["File"], arrived["Outcome"], arrived["Upload"].tolist(), strict=True)) == [
        ("broken.csv", "failed", ""), ("nightly.csv", "imported", "1")]  # no upload: a blank cell
    assert arrived.set_index("File").loc["broken.csv", "Reason"].startswith(
        "Line 2: a quoted field is never closed")
    history = at.dataframe[-1].value
    assert history[["File", "Uploaded by", "New"]].values.tolist() == [["nightly.csv", "inbox", 5]]


def test_the_inbox_can_be_switched_off(empty_db, monkeypatch):
    monkeypatch.setenv("PLACECX_INBOX", "off")
    at = page()
    assert any("switched off" in c.value for c in at.caption)
    assert not empty_db.with_name(empty_db.name + ".inbox").exists()


def test_a_big_file_leaves_only_a_small_summary_in_the_session(empty_db):
    """200,000 rows (10 MB) are read in a child process; the session keeps facts, never rows."""
    content = survey(range(200_000), bad={7: "ten"})
    at = upload(page(), content, name="big.csv")
    assert "199,999 of 200,000 rows are ready to import; 1 have problems." in texts(at)
    sizes = {key: len(pickle.dumps(value)) for key, value in at.session_state.items()
             if key != uploads.UPLOADER_KEY}  # Streamlit's own copy of the file, while the uploader has it
    assert sum(sizes.values()) < 200_000, sorted(sizes.items(), key=lambda item: -item[1])[:3]
    at.radio(key="upload-choice").set_value("valid")
    at.button(key="upload-import-button").click().run()
    assert messages(at.success) == [
        "Upload 1 imported: 199,999 new rows, 0 already held, 1 rejected."]
    assert sum(len(pickle.dumps(value)) for key, value in at.session_state.items()
               if key != uploads.UPLOADER_KEY) < 200_000


def test_another_page_lets_go_of_the_upload(empty_db):
    at = upload(page(), survey(range(1, 31)))
    folder = at.session_state[state.UPLOAD_STAGED.key][1].folder
    assert list(folder.iterdir())
    at.switch_page("pages/trends.py").run()
    assert state.UPLOAD_STAGED.key not in at.session_state
    assert not list(folder.iterdir())


def test_a_closed_tab_lets_go_of_its_upload(tmp_path):
    """What Streamlit calls when a session disconnects: the folder, the file and the uploader's value go."""

    class UploadedFiles:
        removed: list[str] = []

        def remove_session_files(self, session_id: str) -> None:
            self.removed.append(session_id)

    folder = tmp_path / "session"
    folder.mkdir()
    (folder / "body.arrow").write_bytes(b"rows")
    session_state = {uploads.UPLOADER_KEY: b"the file", "person_id": 3}
    files = UploadedFiles()
    uploads._release(uploads._SessionFolder(folder, "session-1", files, session_state))
    assert not folder.exists() and files.removed == ["session-1"]
    assert session_state == {"person_id": 3}
