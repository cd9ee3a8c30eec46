"""Command line for PlaceCX: `python -m cx --help`.

Every command prints one plain sentence and exits non-zero when it cannot do its
job (for example when the server already holds the database file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cx.bootstrap import open_app_database
from cx.config import Settings
from cx.errors import PlaceCXError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cx", description="PlaceCX command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="create the database if needed and show what it holds")
    status.add_argument("--db", type=Path, help="database file (default: PLACECX_DB or data/placecx.duckdb)")
    status.add_argument("--no-demo", action="store_true", help="do not add the demo council to a new file")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        return _status(args)
    except (PlaceCXError, ValueError) as error:
        print(f"placecx: {error}", file=sys.stderr)
        return 2


def _status(args: argparse.Namespace) -> int:
    settings = Settings.load()
    overrides = {}
    if args.db:
        overrides["db_path"] = args.db
    if args.no_demo:
        overrides["demo"] = False
    settings = Settings(**{**settings.__dict__, **overrides})
    database = open_app_database(settings)
    try:
        store = database.store()
        counts = store.table_counts()
        fresh = store.freshness()
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
