"""Tagging speed and the Themes page's queries at a million comments.

    python -m bench.themes [--rows 1000000] [--sample 20000] [--repeats 3] [--json]

Writes `--rows` synthetic survey responses, every one with a comment built from
place-services sentences (seeded), into a fresh database file, then measures:

- scoring: VADER sentiment of the distinct comment texts (each text once);
- tagging: every comment against the shipped theme list in DuckDB, one compiled
  pattern per theme (the median of `--repeats` full re-tags), and the naive way,
  a Python loop with `re` over a sample of `--sample` comments scaled up to all
  of them, measured in the same run; the ratio is naive / DuckDB;
- an edit: saving one changed theme, which re-tags that theme alone;
- the page: every query the Themes page runs, uncached (the median of the repeats
  for each, and their sum: what a rerun costs when its cache is cold), then the
  page itself in Streamlit's AppTest: its first run and the median of its reruns
  (cached figures, as a person clicking about the page gets them).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from cx import sentiment, theme_trends, themes
from cx.store import Database
from cx.store.filters import Slice
from cx.store.uploads import UploadBatch

SOURCE = "Benchmark survey"
SERVICES = ("Waste and recycling", "Highways", "Planning", "Parking", "Council tax", "Parks and green spaces")
OPENINGS = (
    "My bin was missed again on collection day", "The pothole on our road is getting deeper",
    "Waited forty minutes on hold", "The online form crashed when I pressed submit",
    "Got a parking ticket while the pay machine was broken", "Someone dumped a mattress in the lane",
    "The planning application is still waiting for validation", "Direct debit was taken twice",
    "Really helpful adviser on the phone", "Street lights out for weeks", "The park grass was left uncut",
    "Quick and easy, sorted in one call", "Average service, nothing special",
    "Litter all along the high street",
)
CLOSINGS = (
    "and nobody told me why.", "thank you.", "which is not good enough.", "for the third time.",
    "and I had to chase it.", "but the staff were polite.", "and the website was no help.", "",
)


def comments(rows: int) -> np.ndarray:
    """Seeded comments: an opening, a closing, and a reference number for one in ten (distinct texts)."""
    rng = np.random.default_rng(17)
    first = np.asarray(OPENINGS, dtype=object)[rng.integers(0, len(OPENINGS), rows)]
    last = np.asarray(CLOSINGS, dtype=object)[rng.integers(0, len(CLOSINGS), rows)]
    text = first + " " + last
    numbered = rng.random(rows) < 0.1
    text[numbered] = text[numbered] + " Ref " + rng.integers(10_000, 99_999, numbered.sum()).astype(str)
    return text


def fill(store, rows: int) -> None:
    rng = np.random.default_rng(3)
    minutes = rng.integers(0, 24 * 30 * 24 * 60, rows)
    frame = pd.DataFrame({
        "response_id": [f"B{i}" for i in range(rows)],
        "completed_at": pd.Timestamp("2024-11-01") + pd.to_timedelta(minutes, unit="min"),
        "service": np.asarray(SERVICES, dtype=object)[rng.integers(0, len(SERVICES), rows)],
        "nps": pd.array(rng.integers(0, 11, rows), dtype="UInt8"),
        "csat": pd.array(rng.integers(1, 6, rows), dtype="UInt8"),
        "comment": comments(rows),
    })
    with store.transaction():
        batch = store.uploads.create_batch(UploadBatch(SOURCE, datetime.now(), rows), "responses")
        store.uploads.insert_responses(batch, SOURCE, frame)


def seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def naive_loop(texts: list[str]) -> int:
    """The naive way: for every comment, every theme, Python's `re` (compiled once per theme)."""
    compiled = [re.compile(r"\b(?:" + "|".join(re.escape(p).replace(r"\*", r"\w*") for p in phrases) + r")\b",
                           re.IGNORECASE) for phrases in themes.SHIPPED_THEMES.values()]
    return sum(1 for text in texts for pattern in compiled if pattern.search(text))


def page_queries(store, grain: str = "month") -> dict[str, callable]:
    """Each query the Themes page runs, as it runs it (no filters)."""
    reports, where = store.theme_reports, Slice()
    counts = reports.period_counts(where, (), grain)
    start = pd.Timestamp(theme_trends.periods(counts)[-1]).date()
    latest = Slice(start=start)
    first_theme = int(store.themes.themes()["theme_id"].iloc[0])
    return {
        "pending": store.themes.pending,
        "sources": reports.sources,
        "services": lambda: store.surveys.values("service"),
        "period_counts": lambda: theme_trends.latest_table(reports.period_counts(where, (), grain), grain,
                                                           30),
        "detractors_promoters": lambda: theme_trends.detractors_against_promoters(
            reports.group_counts(latest, (), "nps_group")),
        "by_service": lambda: reports.group_counts(latest, (), "service"),
        "by_survey": lambda: reports.group_counts(latest, (), "source"),
        "examples": lambda: reports.examples(first_theme, where, (), 8),
        "sentiment_by_score": lambda: reports.sentiment_by_score(where, (), negative=sentiment.NEGATIVE,
                                                                 positive=sentiment.POSITIVE),
        "disagreements": lambda: reports.disagreements(where, (), negative=sentiment.NEGATIVE,
                                                       positive=sentiment.POSITIVE, limit=50),
        "theme_list": store.themes.themes,
        "list_version": store.themes.list_version,
        "suggestions": store.themes.suggestions,
        "you_said": store.you_said.you_said,
    }


def page_runs(path: Path, repeats: int) -> dict:
    """The Themes page run in Streamlit's AppTest: its first run (cache cold) and reruns (cache warm)."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ.update(PLACECX_DB=str(path), PLACECX_DEMO="0", PLACECX_INBOX="off")
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=900)
    at.run()
    first = seconds(lambda: at.switch_page("pages/themes.py").run())
    if at.exception:
        raise RuntimeError(f"The Themes page failed: {[e.value for e in at.exception]}")
    reruns = [seconds(at.run) for _ in range(repeats)]
    return {"first": round(first, 2), "rerun": round(statistics.median(reruns), 2)}


def run(rows: int, sample: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.duckdb")
        try:
            store = db.store()
            fill_s = seconds(lambda: fill(store, rows))
            now = datetime.now()
            themes.ensure_theme_list(store, now=now)
            texts = store.themes.new_comment_texts()
            scored = {}
            score_s = seconds(lambda: scored.update(frame=sentiment.score_texts(texts)))
            with store.transaction():
                run_id = store.themes.next_run()
                store.themes.record_scores(run_id, scored["frame"])
            listed = store.themes.themes()

            def tag_all() -> None:
                with store.transaction():
                    for row in listed.itertuples():
                        store.themes.retag_theme(run_id, row.theme_id, row.version,
                                                 themes.pattern(list(row.phrases)), now=now)

            tag_runs = [seconds(tag_all) for _ in range(repeats)]
            tags = int(store.theme_reports.group_counts(Slice(), (), "source")["tagged"].sum())
            all_texts = [t for t in comments(rows)]
            step = max(1, rows // sample)
            sampled = all_texts[::step]
            naive_s = seconds(lambda: naive_loop(sampled)) * rows / len(sampled)
            bins = listed.set_index("name").loc["Missed bins"]
            edit_s = seconds(lambda: themes.save_theme(
                store, int(bins["theme_id"]), "Missed bins", "\n".join([*bins["phrases"], "bin day"]),
                based_on=int(bins["version"]), by=None, now=now))
            queries = page_queries(store)
            timings = {name: statistics.median(seconds(q) for _ in range(repeats))
                       for name, q in queries.items()}
        finally:
            db.close()
        page = page_runs(Path(folder) / "bench.duckdb", repeats)
    tag_s = statistics.median(tag_runs)
    return {
        "rows": rows, "themes": len(listed), "tags": tags, "distinct_texts": len(texts),
        "insert_seconds": round(fill_s, 2), "score_seconds": round(score_s, 2),
        "tag_seconds_median": round(tag_s, 2), "tag_seconds_runs": [round(t, 2) for t in tag_runs],
        "naive_seconds_scaled": round(naive_s, 2), "naive_sample": len(sampled),
        "ratio_naive_over_duckdb": round(naive_s / tag_s, 1),
        "edit_one_theme_seconds": round(edit_s, 2),
        "page_query_seconds": {k: round(v, 3) for k, v in timings.items()},
        "page_queries_total_seconds": round(sum(timings.values()), 2),
        "page_first_run_seconds": page["first"], "page_rerun_seconds_median": page["rerun"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.themes", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.rows, args.sample, args.repeats)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['rows']:,} comments, {result['themes']} themes, {result['tags']:,} tags")
    print(f"Insert: {result['insert_seconds']} s; sentiment of {result['distinct_texts']:,} distinct texts: "
          f"{result['score_seconds']} s")
    print(f"Tagging in DuckDB: median {result['tag_seconds_median']} s (runs {result['tag_seconds_runs']})")
    print(f"Naive Python loop: {result['naive_seconds_scaled']} s scaled from {result['naive_sample']:,} "
          "comments; "
          f"ratio {result['ratio_naive_over_duckdb']}x")
    print(f"Editing one theme (re-tags it alone): {result['edit_one_theme_seconds']} s")
    for name, value in result["page_query_seconds"].items():
        print(f"  page query {name}: {value} s")
    print(f"Themes page queries, cold cache: {result['page_queries_total_seconds']} s in total")
    print(f"Themes page in AppTest: first run {result['page_first_run_seconds']} s, "
          f"rerun median {result['page_rerun_seconds_median']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
