"""'You said, we did': a short published list that links a theme customers raised to what the
council did about it (a roadmap action), for the council's website.

Leaders and analysts edit the list; several people may, so a save states the
version it was based on and `cx.edits` merges (or names the clash). The published
items download as HTML (every character of the text escaped), Markdown (every
Markdown character escaped) and CSV (formulas neutralised, `cx.exports`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from cx import edits
from cx.exports import to_csv_bytes
from cx.formatting import escape_markdown
from cx.store import Store

MAX_TEXT = 400
FIELDS = ("theme_id", "action_id", "you_said", "we_did", "published")
_LABELS = {"theme_id": "Theme", "action_id": "Roadmap action", "you_said": "You said", "we_did": "We did",
           "published": "Published"}


def clean(fields: Mapping[str, object]) -> dict[str, object]:
    """The item's fields tidied; raises ValueError for a missing theme or blank or too long text."""
    out = {name: fields.get(name) for name in FIELDS}
    if out["theme_id"] is None:
        raise ValueError("Choose the theme customers raised.")
    for name in ("you_said", "we_did"):
        text = " ".join(str(out[name] or "").split())
        if not text:
            raise ValueError(f"Fill in '{_LABELS[name]}'.")
        if len(text) > MAX_TEXT:
            raise ValueError(f"'{_LABELS[name]}' can be at most {MAX_TEXT} characters.")
        out[name] = text
    out["published"] = bool(out["published"])
    return out


def save(store: Store, item_id: int | None, fields: Mapping[str, object], *,
         base: Mapping[str, object] | None, by: int | None, now: datetime, overwrite: bool = False) -> int:
    """Add (item_id None) or change an item and return its id.

    `base` is the item as the form showed it. Fields only someone else changed
    meanwhile keep their value; raises EditConflict when both changed the same
    field (unless `overwrite`), ValueError for bad input or a removed item.
    """
    mine = clean(fields)
    reports = store.you_said
    with store.transaction():
        if item_id is None:
            return reports.save_you_said(None, mine, by=by, now=now)
        current = reports.you_said_item(item_id)
        if current is None:
            raise ValueError("That item has been removed meanwhile.")
        write = edits.check("this item", {n: base[n] for n in FIELDS} if base else current, mine, current,
                            words=lambda n, v: str(v), label=_LABELS.__getitem__,
                            changed_by=current["updated_by"], changed_at=current["updated_at"],
                            overwrite=overwrite)
        if write:
            reports.save_you_said(item_id, {**{n: current[n] for n in FIELDS}, **write}, by=by, now=now)
    return item_id


def published_table(items: pd.DataFrame) -> pd.DataFrame:
    """The published items as the website shows them: You said, We did, Theme, Action."""
    shown = items[items["published"]]
    return pd.DataFrame({"You said": shown["you_said"].tolist(), "We did": shown["we_did"].tolist(),
                         "Theme": shown["theme"].tolist(), "Action": shown["action"].fillna("").tolist()})


def to_html(table: pd.DataFrame, title: str) -> bytes:
    """A standalone HTML page of the list; every piece of text is escaped."""
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False))
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in table.columns)
    page = (f'<!DOCTYPE html>\n<html lang="en-GB">\n<head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
            f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>\n</body>\n</html>\n")
    return page.encode("utf-8")


def to_markdown(table: pd.DataFrame, title: str) -> bytes:
    """The list as Markdown: one section per item, all text escaped (pipes and newlines too)."""
    lines = [f"# {escape_markdown(title)}", ""]
    for row in table.itertuples(index=False):
        said, did = (escape_markdown(" ".join(str(v).split())) for v in (row[0], row[1]))
        lines += [f"**You said:** {said}", "", f"**We did:** {did}", "", "---", ""]
    return "\n".join(lines).encode("utf-8")


def to_csv(table: pd.DataFrame) -> bytes:
    """The list as CSV with formula-like text neutralised."""
    return to_csv_bytes(table)
