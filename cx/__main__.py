"""Command line for PlaceCX: `python -m cx --help`.

Every command prints one plain sentence and exits non-zero when it cannot do its
job. `import`, `status`, `impact`, `themes` and `pack` also work while a PlaceCX
server holds the database file: they hand their work to the server's inbox and
wait for its answer (`cx.handover`), printing (or, for the pack, writing) the same
as when they open the file themselves.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from cx.access import ROLES, ensure_person
from cx.bootstrap import open_app_database
from cx.commands import Answer, ImportOptions, check_params, one_line, run_import, run_read
from cx.config import Settings
from cx.errors import DatabaseLocked, PlaceCXError
from cx.handover import WAIT_SECONDS, hand_over, hand_over_read
from cx.importers import inspect_export, validate_export
from cx.importers.mapping import Problem
from cx.importers.reading import refuse_if_too_large
from cx.inbox import Request
from cx.pack import FORMATS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cx", description="PlaceCX command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="create the database if needed and show what it holds")
    status.add_argument("--db", type=Path, help="database file (default: PLACECX_DB or data/placecx.duckdb)")
    status.add_argument("--no-demo", action="store_true", help="do not add the demo council to a new file")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    _timeout_option(status)
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
    _timeout_option(load)
    impact = commands.add_parser("impact", help="each roadmap action's baseline, after figure and verdict")
    impact.add_argument("--db", type=Path, help="database file (default: PLACECX_DB or data/placecx.duckdb)")
    impact.add_argument("--no-demo", action="store_true", help="do not add the demo council to a new file")
    impact.add_argument("--json", action="store_true", help="print one JSON object")
    _timeout_option(impact)
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
    pack = commands.add_parser("pack", help="write the board pack for a meeting as PowerPoint or PDF")
    pack.add_argument("--db", type=Path, help="database file (default: PLACECX_DB or data/placecx.duckdb)")
    pack.add_argument("--no-demo", action="store_true", help="do not add the demo council to a new file")
    pack.add_argument("--out", type=Path, required=True, help="the file to write: FILE.pptx or FILE.pdf")
    pack.add_argument("--meeting", type=int, help="the meeting's id (default: the newest meeting)")
    _timeout_option(pack)
    themes = commands.add_parser("themes",
                                 help="each comment theme's count, share and 95%% interval, latest period")
    themes.add_argument("--db", type=Path, help="database file (default: PLACECX_DB or data/placecx.duckdb)")
    themes.add_argument("--no-demo", action="store_true", help="do not add the demo council to a new file")
    themes.add_argument("--grain", choices=["month", "quarter"], default="month",
                        help="the period (default month)")
    themes.add_argument("--json", action="store_true", help="print one JSON object")
    _timeout_option(themes)
    args = parser.parse_args(argv)
    commands_run = {"status": _status, "inspect": _inspect, "import": _import, "people": _people,
                    "pack": _pack, "impact": _impact, "themes": _themes}
    try:
        return commands_run[args.command](args)
    except (PlaceCXError, ValueError, OSError) as error:
        print(f"placecx: {one_line(error)}", file=sys.stderr)
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


def _pack(args: argparse.Namespace) -> int:
    suffix = args.out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"Board pack: --out must end in .pptx or .pdf, not {args.out.name}.")
    answer = _read(_settings(args), "pack", {"format": suffix, "meeting": args.meeting}, args.timeout)
    args.out.write_bytes(answer.data)
    made = answer.facts
    print(f"Board pack for {made['council']} ({made['meeting']}): {made['sections']} "
          f"{'slides' if suffix == '.pptx' else 'pages'} written to {args.out}.")
    return 0


def _themes(args: argparse.Namespace) -> int:
    facts = _read(_settings(args), "themes", {"grain": args.grain}, args.timeout).facts
    if args.json:
        print(json.dumps(facts, default=str))
        return 0
    if facts["period"] is None:
        print("No comments yet.")
        return 0
    print(f"Themes of comments, {facts['period']} (theme list version {facts['list_version']}):")
    for row in facts["themes"]:
        print(f"  {row['theme']}: {row['comments']:,} of {row['n']:,} comments, {row['share']:.1f}% "
              f"(95% interval {row['low']:.1f} to {row['high']:.1f})")
    return 0


def _timeout_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--timeout", type=float, default=WAIT_SECONDS, metavar="SECONDS",
                         help="while a PlaceCX server holds the database, how long to wait for it to do "
                              f"this (default {WAIT_SECONDS:g})")


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
    refuse_if_too_large(len(content))
    options = ImportOptions(profile=args.profile, source=args.source, uploaded_by=args.by,
                            valid_only=args.valid_only)
    settings = _settings(args)
    try:
        database = open_app_database(settings)
    except DatabaseLocked as locked:
        request = Request.new("import", args.file.name, options)
        result = hand_over(settings.db_path, locked, request, content, timeout=args.timeout)
    else:
        try:
            result = run_import(database.store(), content, args.file.name, options).as_dict()
        finally:
            database.close()
    if args.json:
        print(json.dumps(result, default=str))
        return 0
    print(f"Upload {result['batch']} ({result['source']}): {result['new']:,} new, "
          f"{result['duplicate']:,} duplicate (already held), {result.get('repeated', 0):,} repeated within "
          f"the file, {result['rejected']:,} rejected, of {result['rows']:,} rows.")
    for problem in result["problems"]:
        print(f"  rejected: {Problem(**problem).sentence()}")
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.load()
    overrides = {}
    if args.db:
        overrides["db_path"] = args.db
    if args.no_demo:
        overrides["demo"] = False
    return Settings(**{**settings.__dict__, **overrides})


def _read(settings: Settings, command: str, params: dict, timeout: float) -> Answer:
    """One of the read commands on the database, or the same work handed to the running app that holds it.

    Raises ValueError for a meeting that does not exist, and what `hand_over_read`
    raises when the app does not answer within `timeout`.
    """
    params = check_params(command, params)
    try:
        database = open_app_database(settings)
    except DatabaseLocked as locked:
        return hand_over_read(settings.db_path, locked, Request.new(command, params=params), timeout=timeout)
    try:
        return run_read(database.store(), command, params, now=datetime.now(), min_n=settings.min_n)
    finally:
        database.close()


def _status(args: argparse.Namespace) -> int:
    settings = _settings(args)
    facts = _read(settings, "status", {}, args.timeout).facts
    newest = facts["newest_response"]
    if args.json:
        print(json.dumps({"db": str(settings.db_path), "tables": facts["tables"], "newest_response": newest}))
    else:
        print(f"Database: {settings.db_path}")
        for table, rows in facts["tables"].items():
            print(f"  {table}: {rows:,} rows")
        print(f"Newest response: {newest or 'none yet'}")
    return 0


def _impact(args: argparse.Namespace) -> int:
    settings = _settings(args)
    facts = _read(settings, "impact", {}, args.timeout).facts
    if args.json:
        print(json.dumps(facts))
        return 0
    if not facts["actions"]:
        print("No roadmap action is linked to a measure yet.")
    for action in facts["actions"]:
        print(f"#{action['action_id']} {action['title']}: {action['verdict_words']}")
        print(f"  {action['sentence']}")
        if action["against_untouched"]:
            print(f"  {action['against_untouched']}")
        if action["baseline_note"]:
            print(f"  {action['baseline_note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
