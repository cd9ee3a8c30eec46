"""Start PlaceCX with its database ready: `python -m cx_ui.serve [streamlit options]`.

`streamlit run app.py` runs none of PlaceCX's code until the first person opens a
page, so that person waits while the database is opened, brought up to date and,
on a first start, filled with the demo council (about 15 seconds). This command
does that work first, in the server's own process, then starts the same server
(`streamlit run app.py` with the options given); the first page finds the
database open in the process-wide cache and draws at once.
"""

from __future__ import annotations

import sys
import time

from streamlit.web import cli

import cx_ui


def prepare() -> float:
    """Open the database (and start the inbox worker) into the server's cache; returns the seconds taken.

    Raises what `cx_ui.database` raises when the database cannot be opened is shown
    on the page instead: here the server still starts, and the page says why.
    """
    started = time.perf_counter()
    cx_ui.warm()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    seconds = prepare()
    print(f"PlaceCX: database ready in {seconds:.1f} s; starting the server.", flush=True)
    sys.argv = ["streamlit", "run", str(cx_ui.ROUTER), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
