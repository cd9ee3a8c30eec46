"""Command line for PlaceCX: `python -m cx --help`.

Every command prints one plain sentence and exits non-zero when it cannot do its
job (for example when the server already holds the database file).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from cx.access import ROLES, ensure_person
from cx.bootstrap import open_app_database
from cx.config import Settings
from cx.errors import PlaceCXError
from cx.importers import inspect_export, validate_export
from cx.importers.mapping import Mapping
from cx.importers.run import import_export
from cx.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cx", description="PlaceCX command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="create the database if needed and show what it holds")
    status.add_argument("--db", type=Path, help="database file (default: PLACECX_DB or data/placecx.duckdb)")
    status.add_argument("--no-demo", action="store_true", help="do not add the demo council to a new file")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    inspect = commands.add_parser("inspect", help="show how a survey export would be read; writes nothing")
    inspect.add_argument("file", type=Path, help="the CSV, TSV or XLSX export")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    load = commands.add_parser("import", help="import a survey export in one transaction")
    load.add_argument("file", type=Path, help="the CSV, TSV or XLSX export")
    load.add_argument("--db", type=Path, help="database file (default: PLACECX_DB or data/placecx.duckdb)")
    load.add_argument("--no-demo", action="store_true", help="do not add the demo council to a new file")
    load.add_argument("--profile", help="a saved mapping profile to use instead of the proposed mapping")
    load.add_argument("--source", help="name of the survey (duplicates are judged per source)")
    load.add_argument("--by", help="who is importing (recorded with the upload)")
    load.add_argument("--valid-only", action="store_true",
                      help="import the valid rows and list the rejected ones (default: all rows or nothing)")
    load.add_argument("--json", action="store_true", help="print one JSON object")
    people = commands.add_parser("people", help="who can sign in and with which role")
    people_commands = people.add_subparsers(dest="people_command", required=True)
    add = people_commands.add_parser("add", help="let EMAIL sign in (add the person, or link/update them)")
    add.add_argument("email", help="the address the person signs in with")
    add.add_argument("--name", help="their name (needed when PlaceCX does not know them yet)")
    add.add_argument("--role", default="leader", choices=list(ROLES), help="admin, analyst, leader or viewer")
    listing = people_commands.add_parser("list", help="everyone PlaceCX knows, with email and role")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    for command in (add, listing):
        command.add_argument("--db", type=Path,
                             help="database file (default: PLACECX_DB or data/placecx.duckdb)")
        command.add_argument("--no-demo", action="store_true",
                             help="do not add the demo council to a new file")
    args = parser.parse_args(argv)
    commands_run = {"status": _status, "inspect": _inspect, "import": _import, "people": _people}
    try:
        return commands_run[args.command](args)
    except (PlaceCXError, ValueError, OSError) as error:
        print(f"placecx: {_one_line(error)}", file=sys.stderr)
        return 2


def _people(args: argparse.Namespace) -> int:
    database = open_app_database(_settings(args))
    try:
        store = database.store()
        if args.people_command == "add":
            print(ensure_person(store, args.email, args.name, args.role, now=datetime.now()))
            return 0
        people = store.people.all()
    finally:
        database.close()
    if args.json:
        print(json.dumps({"people": people.to_dict(orient="records")}, default=str))
        return 0
    for row in people.itertuples():
        email = row.email if isinstance(row.email, str) else "(no sign-in email)"
        print(f"{row.name}: {email}, {row.access}{'' if row.active else ', switched off'}")
    return 0


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename:
        return f"cannot read {error.filename}: {error.strerror}"
    return " ".join(str(error).split())


def _inspect(args: argparse.Namespace) -> int:
    inspection = inspect_export(args.file.read_bytes(), args.file.name)
    result = validate_export(inspection)
    summary = {**inspection.summary(), "problems": [p.__dict__ for p in result.problems],
               "notes": result.notes}
    if args.json:
        print(json.dumps(summary, default=str))
        return 0
    print(f"File: {inspection.file_name} ({inspection.file_size:,} bytes)")
    print(f"Tool: {summary['tool']}; header rows: {summary['header_rows']}; data rows: {summary['rows']:,}")
    if inspection.table.file_format == "csv":
        print(f"Encoding: {summary['encoding']}; delimiter: {summary['delimiter']}")
    else:
        print(f"Workbook sheet: {summary['sheet']}")
    print("Proposed mapping:")
    for role, column in inspection.mapping.roles.items():
        print(f"  {role}: {column or '(none)'}")
    for note in result.notes:
        print(f"Note: {note}")
    print(f"Rows that would be rejected: {result.rejected_rows:,}")
    for problem in result.problems[:50]:
        print(f"  {problem.sentence()}")
    if len(result.problems) > 50:
        print(f"  … and {len(result.problems) - 50:,} more problems (use --json for all of them)")
    return 0


def _import(args: argparse.Namespace) -> int:
    content = args.file.read_bytes()
    database = open_app_database(_settings(args))
    try:
        store = database.store()
        inspection = inspect_export(content, args.file.name)
        mapping, source = None, args.source
        if args.profile:
            profile = _profile(store, args.profile)
            mapping = Mapping.from_dict(json.loads(profile["mapping"]))
            source = source or profile["source"]
        result = import_export(store, inspection, mapping, source=source, uploaded_by=args.by,
                               now=datetime.now().replace(microsecond=0), valid_only=args.valid_only)
    finally:
        database.close()
    if args.json:
        print(json.dumps(result.as_dict(), default=str))
        return 0
    print(f"Upload {result.batch} ({result.source}): {result.new:,} new, {result.duplicate:,} duplicate, "
          f"{result.rejected:,} rejected, of {result.data_rows:,} rows.")
    for problem in result.problems:
        print(f"  rejected: {problem.sentence()}")
    return 0


def _profile(store: Store, name: str) -> dict:
    profiles = store.uploads.profiles()
    match = profiles[profiles["name"] == name]
    if match.empty:
        known = ", ".join(profiles["name"]) or "none saved yet"
        raise ValueError(f"--profile: there is no mapping profile called '{name}' (known: {known}).")
    return match.iloc[0].to_dict()


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.load()
    overrides = {}
    if args.db:
        overrides["db_path"] = args.db
    if args.no_demo:
        overrides["demo"] = False
    return Settings(**{**settings.__dict__, **overrides})


def _status(args: argparse.Namespace) -> int:
    settings = _settings(args)
    database = open_app_database(settings)
    try:
        store = database.store()
        counts = store.admin.table_counts()
        fresh = store.surveys.freshness()
    finally:
        database.close()
    newest = fresh.newest_response.isoformat(sep=" ") if fresh.newest_response else None
    if args.json:
        print(json.dumps({"db": str(settings.db_path), "tables": counts, "newest_response": newest}))
    else:
        print(f"Database: {settings.db_path}")
        for table, rows in counts.items():
            print(f"  {table}: {rows:,} rows")
        print(f"Newest response: {newest or 'none yet'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
