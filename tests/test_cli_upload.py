"""`python -m cx inspect` and `python -m cx import`: usable without the server, one-line failures."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

from cx.__main__ import main
from cx.store import Database

from .conftest import ROOT
from .test_importers import FIXTURES
from .test_upload_import import csv_bytes, survey

FFT = FIXTURES / "friends-and-family-test_data.csv"


def test_inspect_json_has_the_documented_keys_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PLACECX_DB", str(tmp_path / "never.duckdb"))
    assert main(["inspect", str(FFT), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"tool", "encoding", "delimiter", "header_rows", "rows", "mapping", "problems"} <= set(report)
    assert (report["tool"], report["encoding"], report["delimiter"], report["header_rows"], report["rows"]) \
        == ("generic", "UTF-8", "comma", 1, 3882)
    assert set(report["mapping"]) >= {"response_id", "completed_at", "nps", "csat", "ces", "service",
                                      "channel", "area", "segment", "staff", "comment"}
    assert report["mapping"]["fft"] == "rating" and report["problems"] == []
    assert not (tmp_path / "never.duckdb").exists()


def test_inspect_lists_problems_with_line_column_value_and_reason(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(survey(range(5, 10), bad={7: "ten"}))
    assert main(["inspect", str(path), "--json"]) == 0
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert problems == [{"line": 4, "column": "Likely to recommend", "value": "ten",
                         "reason": "'ten' is not a score from 0 to 10"}]


def test_inspect_of_an_unreadable_file_fails_in_one_line(tmp_path, capsys):
    path = tmp_path / "broken.csv"
    path.write_bytes(b'id,comment\n1,"never closed\n')
    assert main(["inspect", str(path), "--json"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("placecx: Line 2: a quoted field is never closed")


def test_import_prints_counts_and_a_second_run_finds_duplicates(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    path = tmp_path / "survey.csv"
    path.write_bytes(survey(range(1, 21)))
    assert main(["import", str(path), "--db", str(db), "--no-demo", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["batch"], first["new"], first["duplicate"], first["rejected"]) == (1, 20, 0, 0)
    assert main(["import", str(path), "--db", str(db), "--no-demo"]) == 0
    assert capsys.readouterr().out.startswith("Upload 2 (generic survey ")
    database = Database(db)
    assert database.store().surveys.freshness().responses == 20
    database.close()


def test_import_refuses_a_file_with_bad_rows_unless_valid_only(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    path = tmp_path / "bad.csv"
    path.write_bytes(survey(range(5, 10), bad={7: "ten"}))
    assert main(["import", str(path), "--db", str(db), "--no-demo"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "nothing was imported" in error
    assert main(["import", str(path), "--db", str(db), "--no-demo", "--valid-only", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["new"], result["rejected"]) == (4, 1)


def test_import_with_a_saved_profile_uses_its_mapping_and_source(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([["Ref", "Score", "Dept"], ["a", "9", "Parks"], ["b", "3", "Waste"]]))
    database = Database(db)
    mapping = {"roles": {"response_id": "Ref", "nps": "Score", "service": "Dept"}, "ces_scale": None}
    database.store().uploads.save_profile("Parks survey", kind="responses", source="Parks panel",
                                          columns_signature="x", mapping=json.dumps(mapping),
                                          saved_by="Analyst", now=datetime(2026, 11, 1))
    database.close()
    command = ["import", str(path), "--db", str(db), "--no-demo", "--profile", "Parks survey", "--json"]
    assert main(command) == 0
    assert json.loads(capsys.readouterr().out)["source"] == "Parks panel"
    database = Database(db)
    totals = database.store().surveys.metrics(by=["service"])
    database.close()
    assert totals.set_index("service")["promoters"].to_dict() == {"Parks": 1, "Waste": 0}
    assert main(["import", str(path), "--db", str(db), "--profile", "Nope"]) == 2
    assert "no mapping profile called 'Nope'" in capsys.readouterr().err


def test_cli_runs_as_a_module_and_fails_in_one_line_on_a_locked_database(tmp_path):
    db = tmp_path / "locked.duckdb"
    holder = Database(db)
    try:
        result = subprocess.run([sys.executable, "-m", "cx", "import", str(FFT), "--db", str(db)],
                                capture_output=True, text=True, cwd=ROOT)
    finally:
        holder.close()
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "in use by another program" in result.stderr
