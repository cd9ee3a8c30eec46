import duckdb
import pytest

from cx.errors import DatabaseError
from cx.migrations import MIGRATIONS, Migration, applied_migrations, apply_migrations


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "m.duckdb"))
    yield connection
    connection.close()


def tables(con):
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_fresh_database_gets_every_step_recorded_by_number_and_name(con):
    applied = apply_migrations(con)
    assert applied == [m.number for m in MIGRATIONS]
    assert applied_migrations(con) == {m.number: m.name for m in MIGRATIONS}
    assert {"responses", "upload_batches", "kpi_observations", "app_meta"} <= tables(con)


def test_applying_twice_changes_nothing(con):
    apply_migrations(con)
    before = con.execute("SELECT * FROM schema_migrations ORDER BY number").fetchall()
    assert apply_migrations(con) == []
    assert con.execute("SELECT * FROM schema_migrations ORDER BY number").fetchall() == before


def test_a_failing_step_leaves_no_trace_and_names_itself(con):
    broken = MIGRATIONS + (
        Migration(99, "half-finished step", ("CREATE TABLE half (a INTEGER)", "CREATE TABLE oops (")),
    )
    with pytest.raises(DatabaseError, match="Schema step 99 .'half-finished step'. failed"):
        apply_migrations(con, broken)
    assert "half" not in tables(con)
    assert 99 not in applied_migrations(con)
    # The steps before it were committed on their own and stay.
    assert set(applied_migrations(con)) == {m.number for m in MIGRATIONS}


def test_a_newer_database_is_refused(con):
    apply_migrations(con)
    con.execute("INSERT INTO schema_migrations (number, name) VALUES (500, 'from the future')")
    with pytest.raises(DatabaseError, match="newer version of PlaceCX"):
        apply_migrations(con)


def test_a_database_with_a_different_history_is_refused(con):
    apply_migrations(con)
    con.execute("UPDATE schema_migrations SET name = 'something else' WHERE number = 1")
    with pytest.raises(DatabaseError, match="not made by this PlaceCX"):
        apply_migrations(con)


def test_numbers_must_ascend(con):
    with pytest.raises(DatabaseError, match="unique and ascending"):
        apply_migrations(con, (MIGRATIONS[1], MIGRATIONS[0]))
