"""Themes of customers' comments: the theme list, the stored tags and sentiment, suggestions.

Tags are precomputed: `comment_themes` holds one row per comment and theme it
matched, with the theme's version. A theme's pattern (built by `cx.themes`) is a
bound parameter, so DuckDB compiles it once per statement and matches a million
comments in about a second. `theme_runs` says which version of each theme the
stored tags are for; a theme whose version moved on is re-tagged alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from cx.store.base import FeatureStore, writes

_HAS_COMMENT = "comment IS NOT NULL AND trim(comment) <> ''"


class ThemeStore(FeatureStore):
    """The theme list with its history, tagging runs, and suggested themes."""

    READS = ("themes", "surveys", "uploads")

    # ------------------------------------------------------------ the theme list
    def themes(self) -> pd.DataFrame:
        """Every theme: theme_id, name, phrases (list), version, origin, updated_at, updated_by (name)."""
        return self._frame(
            "SELECT t.theme_id, t.name, t.phrases, t.version, t.origin, t.updated_at, p.name AS updated_by "
            "FROM themes t LEFT JOIN people p ON p.person_id = t.updated_by ORDER BY lower(t.name)"
        )

    def theme(self, theme_id: int) -> dict | None:
        """One theme as a dict (theme_id, name, phrases, version, origin), or None."""
        row = self._one("SELECT theme_id, name, phrases, version, origin FROM themes WHERE theme_id = ?",
                        [theme_id])
        return None if row is None else dict(zip(("theme_id", "name", "phrases", "version", "origin"),
                                                 row, strict=True))

    def list_version(self) -> int:
        """The theme list's version: how many changes it has had (0: never filled)."""
        return int(self._one("SELECT count(*) FROM theme_history")[0])

    def history(self) -> pd.DataFrame:
        """Every change to the list, newest first.

        Columns theme_id, version, change, name, phrases, changed_at, changed_by (name).
        """
        return self._frame(
            "SELECT h.theme_id, h.version, h.change, h.name, h.phrases, h.changed_at, p.name AS changed_by "
            "FROM theme_history h LEFT JOIN people p ON p.person_id = h.changed_by "
            "ORDER BY h.changed_at DESC, h.theme_id"
        )

    @writes("themes")
    def add_theme(self, name: str, phrases: Sequence[str], origin: str, *, by: int | None,
                  now: datetime) -> int:
        """Add a theme (version 1) and return its id; its comments are tagged by the next refresh."""
        theme_id = int(self._one(
            "INSERT INTO themes (name, phrases, origin, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
            "RETURNING theme_id", [name, list(phrases), origin, now, by])[0])
        self._record(theme_id, 1, "added", name, phrases, by, now)
        return theme_id

    @writes("themes")
    def update_theme(self, theme_id: int, name: str, phrases: Sequence[str], *, based_on: int,
                     by: int | None, now: datetime) -> int | None:
        """Rename a theme or change its phrases; return the new version.

        Returns None when the theme is gone or its version is no longer `based_on`
        (someone else changed it meanwhile): nothing is written then.
        """
        row = self._one(
            "UPDATE themes SET name = ?, phrases = ?, version = version + 1, updated_at = ?, updated_by = ? "
            "WHERE theme_id = ? AND version = ? RETURNING version",
            [name, list(phrases), now, by, theme_id, based_on])
        if row is None:
            return None
        self._record(theme_id, int(row[0]), "edited", name, phrases, by, now)
        return int(row[0])

    @writes("themes")
    def remove_theme(self, theme_id: int, *, by: int | None, now: datetime) -> bool:
        """Remove a theme with its tags; False when it was already gone."""
        row = self._one("DELETE FROM themes WHERE theme_id = ? RETURNING name, phrases, version", [theme_id])
        if row is None:
            return False
        self._execute("DELETE FROM comment_themes WHERE theme_id = ?", [theme_id])
        self._execute("DELETE FROM theme_runs WHERE theme_id = ?", [theme_id])
        self._record(theme_id, int(row[2]) + 1, "removed", row[0], row[1], by, now)
        return True

    def _record(self, theme_id: int, version: int, change: str, name: str, phrases: Sequence[str],
                by: int | None, now: datetime) -> None:
        self._execute("INSERT INTO theme_history VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [theme_id, version, change, name, list(phrases), now, by])

    # ------------------------------------------------------------ tagging runs
    def pending(self) -> tuple[int, int]:
        """(comments not yet scored and tagged, themes whose stored tags are for an older version).

        Scores of removed responses do not count; the next refresh drops them.
        """
        # Same count and same xor of the keys' hashes: the same comments (without a join).
        comments = self._one("SELECT count(*), bit_xor(hash(source, response_id)) FROM responses WHERE "
                             + _HAS_COMMENT)
        scored = self._one("SELECT count(*), bit_xor(hash(source, response_id)) FROM comment_analysis")
        new = 0 if tuple(comments) == tuple(scored) else self._one(
            "SELECT count(*) FROM responses r ANTI JOIN comment_analysis a USING (source, response_id) "
            "WHERE " + _HAS_COMMENT)[0]
        stale = self._one(
            "SELECT count(*) FROM themes t LEFT JOIN theme_runs u USING (theme_id) "
            "WHERE u.version IS DISTINCT FROM t.version")[0]
        return int(new), int(stale)

    def stale_themes(self) -> list[int]:
        """Ids of themes whose stored tags are missing or for an older version."""
        rows = self._execute(
            "SELECT theme_id FROM themes t LEFT JOIN theme_runs u USING (theme_id) "
            "WHERE u.version IS DISTINCT FROM t.version ORDER BY theme_id").fetchall()
        return [int(r[0]) for r in rows]

    def new_comment_texts(self) -> list[str]:
        """The distinct texts of comments not yet scored (each text is scored once, however often sent)."""
        rows = self._execute(
            "SELECT DISTINCT comment FROM responses r "
            "ANTI JOIN comment_analysis a USING (source, response_id) "
            "WHERE " + _HAS_COMMENT).fetchall()
        return [r[0] for r in rows]

    def next_run(self) -> int:
        """A new run number for the tags and scores written together."""
        # fetchall: a half-read result would block registering a frame on this cursor next.
        return int(self._execute("SELECT nextval('theme_run_seq')").fetchall()[0][0])

    @writes("themes")
    def record_scores(self, run_id: int, scores: pd.DataFrame) -> int:
        """Store the sentiment of every not-yet-scored comment whose text is in `scores` (text, sentiment)."""
        return self._insert_frame(
            "_comment_scores", scores,
            "INSERT INTO comment_analysis SELECT r.source, r.response_id, s.sentiment, ? "
            "FROM responses r ANTI JOIN comment_analysis a USING (source, response_id) "
            "JOIN _comment_scores s ON s.text = r.comment WHERE " + _HAS_COMMENT,
            [run_id])

    @writes("themes")
    def tag_run(self, run_id: int, theme_id: int, version: int, pattern: str) -> int:
        """Tag the comments scored in `run_id` that match `pattern` with the theme; return tags written."""
        return int(self._one(
            "INSERT INTO comment_themes SELECT r.source, r.response_id, ?, ?, ? "
            "FROM comment_analysis a JOIN responses r USING (source, response_id) "
            "WHERE a.run_id = ? AND regexp_matches(r.comment, ?, 'i')",
            [theme_id, version, run_id, run_id, pattern])[0])

    @writes("themes")
    def retag_theme(self, run_id: int, theme_id: int, version: int, pattern: str, *, now: datetime) -> int:
        """Replace one theme's tags over every scored comment; record the version they are for."""
        self._execute("DELETE FROM comment_themes WHERE theme_id = ?", [theme_id])
        written = int(self._one(
            # Match first, then keep the scored ones: the pattern leaves a few rows to join.
            "INSERT INTO comment_themes SELECT m.source, m.response_id, ?, ?, ? "
            "FROM (SELECT source, response_id FROM responses WHERE regexp_matches(comment, ?, 'i')) m "
            "SEMI JOIN comment_analysis a USING (source, response_id)",
            [theme_id, version, run_id, pattern])[0])
        self._execute(
            "INSERT INTO theme_runs VALUES (?, ?, ?, ?) ON CONFLICT (theme_id) DO UPDATE SET "
            "version = excluded.version, run_id = excluded.run_id, tagged_at = excluded.tagged_at",
            [theme_id, version, run_id, now])
        return written

    @writes("themes")
    def forget_removed_comments(self) -> None:
        """Drop scores and tags of responses that are gone (an upload removed)."""
        self._execute("DELETE FROM comment_themes c WHERE NOT EXISTS (SELECT 1 FROM responses r "
                      "WHERE r.source = c.source AND r.response_id = c.response_id)")
        self._execute("DELETE FROM comment_analysis c WHERE NOT EXISTS (SELECT 1 FROM responses r "
                      "WHERE r.source = c.source AND r.response_id = c.response_id)")

    def tag_rows(self, theme_id: int) -> pd.DataFrame:
        """The stored tags of one theme: source, response_id, theme_version, run_id (for checks)."""
        return self._frame("SELECT source, response_id, theme_version, run_id FROM comment_themes "
                           "WHERE theme_id = ? ORDER BY source, response_id", [theme_id])

    # ------------------------------------------------------------ suggestions
    def untagged_texts(self, limit: int) -> pd.DataFrame:
        """Distinct texts of scored comments no theme matched, most frequent first: text, comments."""
        return self._frame(
            "SELECT r.comment AS text, count(*) AS comments "
            "FROM comment_analysis a JOIN responses r USING (source, response_id) "
            "ANTI JOIN comment_themes c USING (source, response_id) "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?", [limit])

    def suggestions(self, status: str = "open") -> pd.DataFrame:
        """Suggested themes with this status: suggestion_id, label, phrases, examples, comments."""
        return self._frame("SELECT suggestion_id, label, phrases, examples, comments FROM theme_suggestions "
                           "WHERE status = ? ORDER BY comments DESC, suggestion_id", [status])

    @writes("themes")
    def replace_open_suggestions(self, rows: Sequence[tuple[str, list[str], list[str], int]], *,
                                 now: datetime) -> None:
        """Replace the undecided suggestions with new ones (label, phrases, examples, comments)."""
        self._execute("DELETE FROM theme_suggestions WHERE status = 'open'")
        for label, phrases, examples, comments in rows:
            self._execute("INSERT INTO theme_suggestions (label, phrases, examples, comments, created_at) "
                          "VALUES (?, ?, ?, ?, ?)", [label, phrases, examples, comments, now])

    @writes("themes")
    def decide_suggestion(self, suggestion_id: int, status: str, theme_id: int | None, *,
                          by: int | None, now: datetime) -> bool:
        """Mark an open suggestion accepted or rejected; False when it was not open any more."""
        row = self._one(
            "UPDATE theme_suggestions SET status = ?, theme_id = ?, decided_at = ?, decided_by = ? "
            "WHERE suggestion_id = ? AND status = 'open' RETURNING suggestion_id",
            [status, theme_id, now, by, suggestion_id])
        return row is not None
