"""Themes of customers' comments: the shipped list, the rules for editing it, and tagging.

A theme is a name and a set of words and phrases. A comment has the theme when one
of the phrases appears in it as whole words, ignoring case: "bin" matches "Bin
missed" but not "cabinet". A `*` at the end of a word stands for any ending
("pothole*" matches pothole, potholes). DuckDB does the matching, one compiled
pattern per theme (see `pattern`), and stores the tags with the theme's version.

`refresh` brings the stored tags and sentiment up to date: it scores and tags
comments that arrived since the last run, and re-tags only themes whose version
moved on (an edit re-tags that theme alone). The list ships with PlaceCX
(`SHIPPED_THEMES`) and is copied into a database the first time it is refreshed;
from then on it is the council's own.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from cx import sentiment
from cx.store import Store

MAX_PHRASES = 60
MAX_PHRASE_LENGTH = 60
MAX_NAME_LENGTH = 60

# name -> phrases. Written for UK place services; the council edits its own copy.
SHIPPED_THEMES: dict[str, tuple[str, ...]] = {
    "Missed bins": ("missed bin*", "bin was missed", "bins were missed", "bin missed", "bins missed",
                    "missed collection*", "missed green bin*", "missed brown bin*", "missed recycling",
                    "not collected", "wasn't collected", "not emptied", "missed again",
                    "no collection"),
    "Potholes and road repairs": ("pothole*", "road surface", "road repair*", "crater*", "resurfac*"),
    "Communication and updates": ("nobody told", "no one told", "no update*", "kept informed", "not informed",
                                  "never heard back", "no reply", "no response", "unanswered", "call back",
                                  "called back", "no acknowledgement", "no explanation", "kept me updated",
                                  "let me know", "explained", "nobody could tell", "no one could tell"),
    "Waiting and delays": ("wait", "waited", "waiting", "on hold", "took ages", "took longer", "slow",
                           "queue*", "still not", "weeks later", "months later"),
    "Staff attitude": ("rude", "unhelpful", "helpful", "polite", "friendly", "dismissive", "attitude",
                       "knowledgeable", "courteous", "adviser", "advisor", "patient"),
    "Online forms and website": ("online form*", "website", "web site", "portal", "form", "forms", "online",
                                 "timing out", "timed out", "crashed", "log in", "login", "upload*"),
    "Parking fines": ("parking fine*", "fined", "ticket*", "penalty", "pcn*", "appeal*", "pay machine*"),
    "Parking permits": ("permit*",),
    "Street cleaning and litter": ("street cleaning", "litter*", "dirty", "sweep*", "rubbish all over",
                                   "overflowing", "smells", "filthy"),
    "Fly-tipping": ("fly-tip*", "fly tip*", "flytip*", "dumped", "dumping", "mattress*"),
    "Planning delays": ("planning application*", "application", "validation", "case officer", "decision",
                        "planning"),
    "Bills and payments": ("direct debit", "arrears", "refund*", "bill", "bills", "payment*", "paid",
                           "overcharged", "charged twice", "taken twice"),
    "Passed around and chasing": ("passed between", "passed around", "passed from", "three calls",
                                  "chase*", "chasing", "three times", "twice online", "several calls"),
    "Parks and play areas": ("play area*", "playground*", "park", "parks", "grass", "swings"),
    "Compliments": ("thank you", "thanks", "brilliant", "excellent", "great", "pleased", "happy with",
                    "reliable", "much better", "well done", "impressed", "sorted it"),
}

_REFRESH_LOCK = threading.Lock()
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class RefreshReport:
    """What one refresh did: comments scored, themes re-tagged (by name), tags written."""

    scored: int
    retagged: tuple[str, ...]
    tags: int
    list_version: int


def parse_phrases(text: str) -> list[str]:
    """The phrases typed one per line (or separated by commas), cleaned and checked.

    Lower-cased, inner spaces collapsed, duplicates dropped. Raises ValueError when
    there is none, when there are more than MAX_PHRASES, when one is longer than
    MAX_PHRASE_LENGTH, has no letter or digit, or has a `*` anywhere but at the end
    of a word.
    """
    phrases: list[str] = []
    for raw in re.split(r"[\n,]", text or ""):
        phrase = " ".join(raw.split()).lower()
        if not phrase:
            continue
        if len(phrase) > MAX_PHRASE_LENGTH:
            raise ValueError(f"The phrase '{phrase[:30]}…' is longer than {MAX_PHRASE_LENGTH} characters.")
        if not _WORD.search(phrase.replace("*", "")):
            raise ValueError(f"The phrase '{phrase}' has no letter or digit to match.")
        if re.search(r"\*(?=\w)|(?<!\w)\*", phrase):
            raise ValueError(f"In '{phrase}', a * may only end a word (as in pothole*).")
        if phrase not in phrases:
            phrases.append(phrase)
    if not phrases:
        raise ValueError("Give at least one word or phrase for the theme.")
    if len(phrases) > MAX_PHRASES:
        raise ValueError(f"A theme can have at most {MAX_PHRASES} words and phrases; "
                         f"this has {len(phrases)}.")
    return phrases


def clean_name(name: str) -> str:
    """The theme's name with spaces tidied; raises ValueError when blank or too long."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValueError("Give the theme a name.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(f"A theme's name can be at most {MAX_NAME_LENGTH} characters.")
    return cleaned


def pattern(phrases: list[str]) -> str:
    """One regular expression (RE2 syntax, matched ignoring case) for a theme's phrases.

    Each phrase matches as whole words: a word boundary is required where the
    phrase starts or ends with a letter or digit; spaces match any run of spaces;
    every other character is taken literally; a trailing `*` matches any ending.
    """
    return "(?:" + "|".join(_phrase_pattern(p) for p in phrases) + ")"


def _phrase_pattern(phrase: str) -> str:
    parts = []
    for word in phrase.split(" "):
        stem, wild = (word[:-1], True) if word.endswith("*") else (word, False)
        body = "".join(c if c.isalnum() or c == "_" else ("\\" + c if c.isascii() else c) for c in stem)
        parts.append(body + (r"\w*" if wild else ""))
    start = r"\b" if _WORD.match(phrase[0]) else ""
    end = r"\b" if _WORD.match(phrase.rstrip("*")[-1]) or phrase.endswith("*") else ""
    return start + r"\s+".join(parts) + end


def ensure_theme_list(store: Store, *, now: datetime) -> bool:
    """Copy the shipped theme list into a database that never had one; True when it did."""
    if store.themes.list_version() > 0:
        return False
    with store.transaction():
        for name, phrases in SHIPPED_THEMES.items():
            store.themes.add_theme(name, phrases, "shipped", by=None, now=now)
    return True


def refresh(store: Store, *, now: datetime) -> RefreshReport:
    """Score and tag new comments and re-tag themes whose version moved on, in one unit of work.

    Only one refresh runs at a time in a process (the process holds the only
    connection), so two pages opening at once do not score the same comments twice.
    Raises what the store raises (AccessDenied for a store whose person may not
    change themes).
    """
    with _REFRESH_LOCK:
        return store.run(lambda s: _refresh(s, now))


def _refresh(store: Store, now: datetime) -> RefreshReport:
    ensure_theme_list(store, now=now)
    themes = store.themes
    new, stale_count = themes.pending()
    if new == 0 and stale_count == 0:
        return RefreshReport(0, (), 0, themes.list_version())
    listed = themes.themes()
    stale = set(themes.stale_themes())
    run = themes.next_run()
    scored = 0
    if new:
        themes.forget_removed_comments()
        scored = themes.record_scores(run, sentiment.score_texts(themes.new_comment_texts()))
    tags, retagged = 0, []
    for row in listed.itertuples():
        phrases = pattern(list(row.phrases))
        if row.theme_id in stale:  # every scored comment, the new ones included
            tags += themes.retag_theme(run, row.theme_id, row.version, phrases, now=now)
            retagged.append(row.name)
        elif scored:
            tags += themes.tag_run(run, row.theme_id, row.version, phrases)
    return RefreshReport(scored, tuple(retagged), tags, themes.list_version())


def save_theme(store: Store, theme_id: int | None, name: str, phrases_text: str, *, based_on: int | None,
               by: int | None, now: datetime) -> int:
    """Add a theme (theme_id None) or change one, and re-tag that theme alone; return its id.

    Raises ValueError for a blank or too long name, a name another theme has, bad
    phrases (see `parse_phrases`), or when the theme was changed or removed by
    someone else since `based_on` (its version when the form was opened).
    """
    cleaned, phrases = clean_name(name), parse_phrases(phrases_text)
    with store.transaction():
        taken = store.themes.themes()
        others = taken[taken["theme_id"] != theme_id]["name"].str.lower()
        if cleaned.lower() in set(others):
            raise ValueError(f"There is already a theme called '{cleaned}'.")
        if theme_id is None:
            theme_id = store.themes.add_theme(cleaned, phrases, "council", by=by, now=now)
            version = 1
        else:
            version = store.themes.update_theme(theme_id, cleaned, phrases, based_on=based_on or 0, by=by,
                                                now=now)
            if version is None:
                raise ValueError("Someone else changed or removed this theme meanwhile; open it again to "
                                 "see their version.")
        store.themes.retag_theme(store.themes.next_run(), theme_id, version, pattern(phrases), now=now)
    return theme_id


def remove_theme(store: Store, theme_id: int, *, by: int | None, now: datetime) -> None:
    """Remove a theme and its tags. Raises ValueError when it is already gone."""
    if not store.themes.remove_theme(theme_id, by=by, now=now):
        raise ValueError("That theme has already been removed.")


def accept_suggestion(store: Store, suggestion_id: int, name: str, phrases_text: str, *, by: int | None,
                      now: datetime) -> int:
    """Make a suggested theme (renamed and edited as the analyst chose) a theme; return its id.

    Raises ValueError as `save_theme` does, or when the suggestion was decided meanwhile.
    """
    with store.transaction():
        theme_id = save_theme(store, None, name, phrases_text, based_on=None, by=by, now=now)
        if not store.themes.decide_suggestion(suggestion_id, "accepted", theme_id, by=by, now=now):
            raise ValueError("Someone else has already accepted or rejected this suggestion.")
    return theme_id


def reject_suggestion(store: Store, suggestion_id: int, *, by: int | None, now: datetime) -> None:
    """Set a suggestion aside. Raises ValueError when it was decided meanwhile."""
    if not store.themes.decide_suggestion(suggestion_id, "rejected", None, by=by, now=now):
        raise ValueError("Someone else has already accepted or rejected this suggestion.")


def phrases_text(phrases: list[str]) -> str:
    """A theme's phrases as the edit form shows them, one per line."""
    return "\n".join(phrases)
