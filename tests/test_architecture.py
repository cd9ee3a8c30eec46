"""The layering rules: cx never imports Streamlit, pages hold no SQL."""

import re
import subprocess
import sys

from .conftest import ROOT


def test_importing_cx_does_not_load_streamlit():
    code = (
        "import sys, cx, cx.store, cx.bootstrap, cx.charts, cx.overview, cx.demo, cx.__main__\n"
        "print('streamlit' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_import_linter_contracts_hold():
    result = subprocess.run(["lint-imports"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_pages_hold_no_sql_and_no_duckdb():
    pattern = re.compile(r"import duckdb|\bSELECT\b|\bINSERT\b|\.groupby\(|execute\(")
    offenders = [
        path.name for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_sql_is_only_in_the_store():
    pattern = re.compile(r"\.execute\(|\.sql\(")
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "cx").rglob("*.py")
        if path.name not in {"store.py", "migrations.py"} and pattern.search(path.read_text())
    ]
    assert offenders == []
