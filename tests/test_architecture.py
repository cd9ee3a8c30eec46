"""The layering rules: cx never imports Streamlit, pages hold no SQL."""

import os
import re
import subprocess
import sys

from .conftest import ROOT


def test_importing_cx_does_not_load_streamlit():
    code = (
        "import sys, cx, cx.store, cx.bootstrap, cx.charts, cx.overview, cx.demo, cx.__main__, cx.heat_map, "
        "cx.roadmap_view, cx.glance, cx.measures, cx.commands, cx.inbox, cx.handover, cx.meetings, cx.pack, "
        "cx.pack.slides, cx.pack.document, cx.impact, cx.demo_impact\n"
        "print('streamlit' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# The contracts in .importlinter that must never be dropped; more may be added.
KNOWN_CONTRACTS = (
    "cx never imports Streamlit or the Streamlit glue",
    "only the store and migrations talk to DuckDB",
    "the stores import no domain module (checking input and wording history is the domain's job)",
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
    pattern = re.compile(r"\.execute\(|\.sql\(|\bSELECT\b|\bINSERT INTO\b")
    allowed = (ROOT / "cx" / "store", ROOT / "cx" / "schema")
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "cx").rglob("*.py")
        if not set(allowed) & set(path.parents) and path.name != "migrations.py"
        and pattern.search(path.read_text())
    ]
    assert offenders == []


def test_the_store_contract_names_every_domain_module():
    """A new cx module cannot slip past the 'stores import no domain module' contract unnoticed."""
    contract = (ROOT / ".importlinter").read_text().split(
        "[importlinter:contract:store-imports-no-domain]")[1]
    contract = contract.split("forbidden_modules =")[1]
    forbidden = set(re.findall(r"^\s+cx\.(\w+)$", contract, re.M))
    allowed = {"store", "errors", "migrations", "schema"}  # what a store may import
    modules = {p.stem for p in (ROOT / "cx").glob("*.py") if p.stem != "__init__"} | {
        p.name for p in (ROOT / "cx").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert modules - allowed == forbidden


def test_every_store_write_method_is_marked_as_a_write():
    """Any store method whose SQL changes data runs inside the one transaction mechanism (@writes)."""
    import ast

    writing = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.M)
    unmarked = []
    for path in (ROOT / "cx" / "store").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            texts = [c.value for c in ast.walk(node)
                     if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            marked = any("writes" in ast.unparse(d) for d in node.decorator_list)
            if any(writing.search(t) for t in texts) and not marked:
                unmarked.append(f"{path.name}:{node.name}")
    assert unmarked == []


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
        if keywords.get("default"):
            continue  # served at "/"; its file's own address is a hidden page of the same file
        assert keywords["url_path"] == path.removeprefix("pages/").removesuffix(".py"), path
    listed = {path for path, _ in pages}
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert on_disk == listed, "every page file must be listed in app.py (and nothing else lives in pages/)"


def test_no_class_or_module_in_cx_outgrows_what_one_reader_holds():
    """Limits from the house rules: a class of at most 350 lines, a module of at most 600."""
    import ast

    too_long = []
    for path in (ROOT / "cx").rglob("*.py"):
        text = path.read_text()
        if text.count("\n") > 600:
            too_long.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 350:
                too_long.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert too_long == []
