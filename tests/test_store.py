import subprocess
import sys
import textwrap
from datetime import date, datetime

import pandas as pd
import pytest

from cx.errors import DatabaseError, DatabaseLocked
from cx.store import Database
from cx.store.filters import Slice
from cx.store.uploads import UploadBatch

from .conftest import ROOT

NOW = datetime(2026, 1, 1, 9, 0)


def responses(rows):
    """A response frame from (id, completed_at, service, nps, csat, ces) tuples."""
    frame = pd.DataFrame(rows, columns=["response_id", "completed_at", "service", "nps", "csat", "ces"])
    frame["ces_scale"] = 7
    for column in ("nps", "csat", "ces", "ces_scale"):
        frame[column] = frame[column].astype("UInt8")
    return frame


def load(store, frame, source="test survey"):
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch(source, NOW, 0), "responses")
        store.uploads.insert_responses(batch, source, frame)
    return batch


SAMPLE = responses([
    ("r1", datetime(2026, 3, 1, 10), "Waste", 10, 5, 7),
    ("r2", datetime(2026, 3, 15, 11), "Waste", 9, 4, 6),
    ("r3", datetime(2026, 3, 31, 23, 59), "Waste", 3, 2, 2),
    ("r4", datetime(2026, 4, 1, 0, 0), "Planning", 7, 3, 4),
    ("r5", datetime(2026, 4, 20, 12), "Planning", None, 5, None),
])


def test_survey_metrics_counts_match_hand_counts(store):
    load(store, SAMPLE)
    totals = store.surveys.metrics().iloc[0]
    assert totals["responses"] == 5
    assert (totals["nps_n"], totals["promoters"], totals["detractors"]) == (4, 2, 1)
    assert (totals["csat_n"], totals["csat_satisfied"]) == (5, 3)
    assert totals["ces_n"] == 4 and totals["ces_sum"] == 7 + 6 + 2 + 4
    assert totals["ces_sumsq"] == 49 + 36 + 4 + 16
    assert totals["ces_easy"] == 2  # 6 and 7 on the seven-point scale


def test_grouping_by_month_and_service(store):
    load(store, SAMPLE)
    frame = store.surveys.metrics(grain="month", by=["service"])
    assert list(zip(frame["period"].astype(str), frame["service"], frame["responses"], strict=True)) == [
        ("2026-03-01", "Waste", 3),
        ("2026-04-01", "Planning", 2),
    ]


def test_slice_end_date_is_inclusive_and_filters_bind_values(store):
    load(store, SAMPLE)
    march = store.surveys.metrics(Slice(start=date(2026, 3, 1), end=date(2026, 3, 31)))
    assert march.iloc[0]["responses"] == 3  # includes 23:59 on the 31st, excludes 1 April 00:00
    planning = store.surveys.metrics(Slice(service=("Planning",)))
    assert planning.iloc[0]["responses"] == 2
    hostile = store.surveys.metrics(Slice(service=("Waste') OR 1=1 --",)))
    assert hostile.iloc[0]["responses"] == 0


def test_five_point_ces_stays_on_its_own_scale(store):
    # Issue 15: a 1-5 survey is reported on 1 to 5, no longer stretched onto 1 to 7.
    frame = responses([("a", NOW, "Waste", None, None, 5), ("b", NOW, "Waste", None, None, 3)])
    frame["ces_scale"] = pd.array([5, 5], dtype="UInt8")
    load(store, frame)
    row = store.surveys.metrics().iloc[0]
    assert row["ces_sum"] == 5 + 3 and row["ces_scale_low"] == row["ces_scale"] == 5
    assert row["ces_easy"] == 1  # only the 5 counts as easy on a five-point scale


def test_extra_attributes_can_be_filtered(store):
    frame = SAMPLE.copy()
    frame["extra_keys"] = [["Ward"]] * 5
    frame["extra_values"] = [["North"], ["South"], ["North"], ["North"], ["East"]]
    load(store, frame)
    north = store.surveys.metrics(Slice(extra=(("Ward", ("North",)),)))
    assert north.iloc[0]["responses"] == 3


def test_a_bad_row_rolls_back_the_whole_transaction(store):
    load(store, SAMPLE)
    version = store.data_version()
    bad = responses([("x1", NOW, "Waste", 10, 5, 7), ("x2", NOW, "Waste", 11, 5, 7)])  # NPS 11
    with pytest.raises(DatabaseError, match="breaks a rule"):
        load(store, bad)
    assert store.admin.table_counts()["responses"] == 5
    assert store.admin.table_counts()["upload_batches"] == 1
    assert store.data_version() == version


def test_each_commit_bumps_the_data_version(store):
    before = store.data_version()
    load(store, SAMPLE)
    assert store.data_version() == before + 1


def test_unknown_columns_are_refused(store):
    with pytest.raises(ValueError, match="Unknown response columns"):
        store.uploads.insert_responses(1, "s", pd.DataFrame({"response_id": ["a"], "surprise": [1]}))


def test_kpi_totals_sum_numerators_and_denominators(store):
    kpis = pd.DataFrame({
        "period_start": [date(2026, 1, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 1, 1)],
        "period_grain": ["month", "month", "month", "quarter"],
        "service": ["Waste", "Parking", "Waste", "Waste"],
        "metric": ["abandoned", "abandoned", "abandoned", "abandoned"],
        "numerator": [10.0, 90.0, 5.0, 1000.0],
        "denominator": [100.0, 900.0, 50.0, 9999.0],
    })
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch("cc", NOW, 0), "kpi")
        store.uploads.insert_kpi_observations(batch, kpis)
    monthly = store.surveys.kpi_totals(["abandoned"], grain="month")
    # The quarterly row is not pinned to January; the two January services add up.
    assert monthly[["numerator", "denominator"]].values.tolist() == [[100.0, 1000.0], [5.0, 50.0]]
    quarterly = store.surveys.kpi_totals(["abandoned"], grain="quarter")
    assert quarterly[["numerator", "denominator"]].values.tolist() == [[1105.0, 11049.0]]
    waste = store.surveys.kpi_totals(["abandoned"], grain="month", services=["Waste"])
    assert waste["numerator"].tolist() == [10.0, 5.0]


def test_unknown_dimension_and_grain_are_refused(store):
    with pytest.raises(ValueError, match="Cannot group by"):
        store.surveys.metrics(by=["comment"])
    with pytest.raises(ValueError, match="Unknown period"):
        store.surveys.metrics(grain="fortnight")


HOLD_LOCK = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("ready", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def locked_file(tmp_path):
    path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    yield path
    holder.kill()
    holder.wait()


def test_a_locked_file_is_reported_in_one_sentence(locked_file):
    with pytest.raises(DatabaseLocked) as caught:
        Database(locked_file)
    message = str(caught.value)
    assert str(locked_file) in message and "in use by another program" in message
    assert "\n" not in message


def test_the_command_line_reports_a_locked_file_without_a_traceback(locked_file):
    result = subprocess.run(
        [sys.executable, "-m", "cx", "status", "--db", str(locked_file)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "in use by another program" in result.stderr


def test_the_command_line_creates_a_database_and_reports_it(tmp_path):
    path = tmp_path / "new.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "cx", "status", "--db", str(path), "--no-demo", "--json"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert '"responses": 0' in result.stdout and path.exists()


def test_people_have_unique_non_empty_names(store):
    first = store.people.add("  Amara Okafor ", "Director of Place", now=NOW)
    store.people.add("Tom Hargreaves", None, now=NOW)
    people = store.people.all()
    assert people["name"].tolist() == ["Amara Okafor", "Tom Hargreaves"]
    assert people["person_id"].tolist() == [first, first + 1]
    assert people["role"].iloc[0] == "Director of Place" and pd.isna(people["role"].iloc[1])
    with pytest.raises(ValueError, match="already someone called amara okafor"):
        store.people.add("amara okafor", "x", now=NOW)
    with pytest.raises(ValueError, match="Name: enter"):
        store.people.add("   ", "x", now=NOW)


# ------------------------------------------------------------ the one transaction rule


def test_transactions_nest_and_only_the_outermost_commits(database):
    store, other = database.store(), database.store()
    with store.transaction():
        store.people.add("Ann", None, now=NOW)
        with store.transaction():
            store.people.add("Ben", None, now=NOW)
        # Inner block done, outer still open: nothing is visible to another cursor yet.
        assert other.people.all().empty
    assert other.people.all()["name"].tolist() == ["Ann", "Ben"]


def test_an_inner_failure_rolls_back_the_whole_unit_even_when_caught(store):
    from cx.store.base import UnitOfWorkFailed

    with pytest.raises(UnitOfWorkFailed), store.transaction():
        store.people.add("Ann", None, now=NOW)
        with pytest.raises(ValueError):
            store.people.add("", None, now=NOW)  # refused inside a nested write
    assert store.people.all().empty


def test_a_write_outside_a_transaction_gets_its_own_and_bumps_the_version(store):
    before = store.data_version()
    store.people.add("Ann", None, now=NOW)  # no transaction() around it
    assert store.data_version() > before
    assert store.people.all()["name"].tolist() == ["Ann"]


def test_a_raw_write_statement_outside_transaction_is_refused(store):
    from cx.store.base import OutsideTransaction

    with pytest.raises(OutsideTransaction):
        store.people._execute("DELETE FROM people")


def test_reads_leave_the_data_version_alone(store):
    load(store, SAMPLE)
    before = store.data_version()
    with store.transaction():
        store.surveys.metrics()
    assert store.data_version() == before


def test_the_data_version_can_be_narrowed_to_the_features_a_page_reads(store):
    load(store, SAMPLE)
    surveys = store.data_version(["surveys"])
    store.people.add("Ann", None, now=NOW)
    assert store.data_version(["surveys"]) == surveys
    assert store.data_version(["people"]) > surveys
    assert store.data_version() == store.data_version(["people"])


def test_every_committed_unit_names_its_person_and_features(database):
    store = database.store(acting_person=7)
    with store.transaction():
        store.people.add("Ann", None, now=NOW)
        store.admin.set_meta("colour", "blue")
    log = store.admin._frame("SELECT changed_by, features FROM change_log")
    assert log["changed_by"].tolist() == [7]
    assert sorted(log["features"].iloc[0]) == ["meta", "people"]


def test_two_writers_at_once_do_not_collide_on_bookkeeping(database):
    """Appending to the change log never conflicts: two overlapping units both commit."""
    first, second = database.store(), database.store()
    with first.transaction():
        first.people.add("Ann", None, now=NOW)
        with second.transaction():
            second.admin.set_meta("colour", "blue")
    assert first.people.all()["name"].tolist() == ["Ann"]
    assert second.admin.meta("colour") == "blue"


def test_a_conflicting_unit_is_retried_from_the_start(database, caplog):
    """Two units updating the same row: the later one conflicts, is run again, and both land.

    Each retry leaves one line in the server log (bench.concurrency counts them).
    """
    store, rival = database.store(), database.store()
    store.admin.set_meta("counter", "0")
    attempts = []

    def bump(writer):
        attempts.append(1)
        value = int(writer.admin.meta("counter"))
        if len(attempts) == 1:  # a rival commits a change to the same row mid-unit
            rival.admin.set_meta("counter", str(value + 10))
        writer.admin.set_meta("counter", str(value + 1))

    with caplog.at_level("WARNING", logger="cx.store"):
        store.run(bump)
    assert len(attempts) == 2
    assert store.admin.meta("counter") == "11"
    assert [r.getMessage() for r in caplog.records] == [
        "unit of work retried after a write conflict (attempt 2 of 4)"]


def test_a_unit_that_keeps_conflicting_gives_up_with_a_plain_sentence(database):
    from cx.store.base import WriteConflict

    store, rival = database.store(), database.store()
    store.admin.set_meta("counter", "0")

    def always_beaten(writer):
        writer.admin.meta("counter")
        rival.admin.set_meta("counter", str(datetime.now().timestamp()))
        writer.admin.set_meta("counter", "mine")

    with pytest.raises(WriteConflict, match="Someone else changed the same record"):
        store.run(always_beaten, attempts=3)
    assert store.admin.meta("counter") != "mine"
