"""The layering rules: cx never imports Streamlit, pages hold no SQL."""

import os
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


# The contracts in .importlinter that must never be dropped; more may be added.
KNOWN_CONTRACTS = (
    "cx never imports Streamlit or the Streamlit glue",
    "only the store and migrations talk to DuckDB",
)
# import-linter has no `python -m` entry point: call its command from this interpreter,
# so the test does not depend on the virtual environment's scripts being on PATH.
LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def test_import_linter_contracts_hold():
    result = subprocess.run([sys.executable, "-c", LINT_IMPORTS, "--no-logo", "--no-cache"],
                            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stdout + result.stderr
    kept = re.search(r"Contracts: (\d+) kept, 0 broken\.", result.stdout)
    assert kept and int(kept.group(1)) >= len(KNOWN_CONTRACTS), result.stdout
    for name in KNOWN_CONTRACTS:
        assert f"{name} KEPT" in result.stdout, result.stdout


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


def test_every_page_url_is_its_file_name():
    """Streamlit's legacy pages/ mode finds a deep-linked page by file name (cx_ui._run_through_router)."""
    import ast

    tree = ast.parse((ROOT / "app.py").read_text())
    pages = [
        (node.args[0].value,
         {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)})
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page"
    ]
    assert pages
    for path, keywords in pages:
        assert keywords["url_path"] == path.removeprefix("pages/").removesuffix(".py"), path
    listed = {path for path, _ in pages}
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert on_disk == listed, "every page file must be listed in app.py (and nothing else lives in pages/)"
