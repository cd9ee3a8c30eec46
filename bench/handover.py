"""How long `python -m cx import` takes when a running app holds the database, against opening it directly.

    python -m bench.handover [--rows 10000] [--repeats 3]

Writes a survey export (`bench.ingest.survey_frame`), then times the whole command,
from starting the process to its exit after printing the counts:

- direct: no server; each run imports into a fresh database file;
- handed over: `streamlit run app.py` holds one database; each run hands the same
  export to its inbox under a new survey name, so every run writes all its rows
  (as the direct runs do).

Prints one JSON object with every run's seconds and the medians.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.ingest import survey_frame
from cx.inbox import pointer_path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _timed(command: list[str]) -> tuple[float, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLACECX_")}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started, json.loads(done.stdout)


def _wake(port: int, db_path: Path, timeout: float = 120) -> None:
    """Start one session so the app opens its database and its inbox."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.sync.client import connect

    message = BackMsg()
    message.rerun_script.query_string = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health"):
            break
        time.sleep(0.3)
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"]) as ws:
        ws.send(message.SerializeToString())
        while not pointer_path(db_path).exists() and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                ws.recv(timeout=0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        export = work / "export.csv"
        survey_frame(args.rows).to_csv(export, index=False)
        cli = [sys.executable, "-m", "cx", "import", str(export), "--json", "--no-demo"]
        direct = [_timed([*cli, "--db", str(work / f"direct{i}.duckdb")])[0] for i in range(args.repeats)]
        db_path, port = work / "app.duckdb", _free_port()
        env = {**os.environ, "PLACECX_DB": str(db_path), "PLACECX_DEMO": "0"}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wake(port, db_path)
            handed = []
            for i in range(args.repeats):
                seconds, printed = _timed([*cli, "--db", str(db_path), "--source", f"bench {i}"])
                assert printed["new"] == args.rows, printed
                handed.append(seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps({
        "rows": args.rows, "direct_seconds": [round(s, 2) for s in direct],
        "handed_over_seconds": [round(s, 2) for s in handed],
        "direct_median": round(statistics.median(direct), 2),
        "handed_over_median": round(statistics.median(handed), 2),
    }))


if __name__ == "__main__":
    main()
