"""The accessibility statement shown in the app, as UK public-sector services publish one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cx.formatting import escape_markdown, format_date

STATEMENT_FILE = Path(__file__).with_name("accessibility_statement.md")
PREPARED_ON = date(2026, 11, 23)
REVIEWED_ON = date(2026, 12, 2)
NO_CONTACT = ("the team that runs PlaceCX in your council (they can add their contact "
              "details here with the setting PLACECX_ACCESSIBILITY_CONTACT).")


def statement_markdown(contact: str) -> str:
    """The statement as Markdown, with the council's contact details filled in.

    The contact comes from configuration; it is escaped so that it shows as typed.
    """
    contact = contact.strip()
    return STATEMENT_FILE.read_text(encoding="utf-8").format(
        contact=escape_markdown(contact) if contact else NO_CONTACT,
        prepared_on=format_date(PREPARED_ON),
        reviewed_on=format_date(REVIEWED_ON),
    )
