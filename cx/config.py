"""Settings for PlaceCX, read from the environment and from Streamlit secrets.

`cx` never imports Streamlit, so the Streamlit glue passes the secrets in as a
plain mapping. Precedence for every setting: environment variable, then the
secrets mapping, then the default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "placecx.duckdb"
DEFAULT_MIN_N = 30

_FALSE_WORDS = {"0", "false", "no", "off", ""}
_TRUE_WORDS = {"1", "true", "yes", "on"}
_OFF_WORDS = {"off", "0", "false", "no"}


@dataclass(frozen=True)
class Settings:
    """Everything that can be configured without editing code.

    db_path: the DuckDB file (env PLACECX_DB, secret db_path).
    demo: fill a newly created database with the demo council (env PLACECX_DEMO, secret demo).
    min_n: below this many answers a figure is greyed and never headlined
        (env PLACECX_MIN_N, secret min_n).
    accessibility_contact: how people report an accessibility problem, shown in the
        accessibility statement (env PLACECX_ACCESSIBILITY_CONTACT, secret accessibility_contact).
    admin_email, admin_name: someone who is made an admin whenever the app opens the
        database, so a container deployment has its first admin without a shell
        (env PLACECX_ADMIN_EMAIL and PLACECX_ADMIN_NAME, secrets admin_email and admin_name).
    inbox: the folder the running app watches for exports to import and for work the
        command line hands over (env PLACECX_INBOX, secret inbox); None means
        `<database file>.inbox` beside the database.
    watch_inbox: False when PLACECX_INBOX is `off`: no folder is watched, and the
        command line cannot import while the app has the database open.
    """

    db_path: Path = DEFAULT_DB_PATH
    demo: bool = True
    min_n: int = DEFAULT_MIN_N
    accessibility_contact: str = ""
    admin_email: str = ""
    admin_name: str = ""
    inbox: Path | None = None
    watch_inbox: bool = True

    def inbox_folder(self) -> Path | None:
        """The watched inbox folder, or None when watching is switched off."""
        if not self.watch_inbox:
            return None
        return self.inbox or self.db_path.with_name(self.db_path.name + ".inbox")

    @classmethod
    def load(
        cls,
        secrets: Mapping[str, object] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Build settings from the environment and an optional secrets mapping.

        Raises ValueError with a message naming the setting when a value cannot be
        understood (for example PLACECX_MIN_N=abc), so a typo never silently falls
        back to a default.
        """
        environ = os.environ if environ is None else environ
        secrets = secrets or {}

        def pick(env_name: str, secret_name: str) -> object | None:
            if env_name in environ:
                return environ[env_name]
            return secrets.get(secret_name)

        db_raw = pick("PLACECX_DB", "db_path")
        db_path = Path(str(db_raw)).expanduser() if db_raw not in (None, "") else DEFAULT_DB_PATH
        demo_raw = pick("PLACECX_DEMO", "demo")
        demo = True if demo_raw is None else _parse_bool("PLACECX_DEMO", demo_raw)
        min_raw = pick("PLACECX_MIN_N", "min_n")
        min_n = DEFAULT_MIN_N if min_raw in (None, "") else _parse_positive_int("PLACECX_MIN_N", min_raw)
        contact = pick("PLACECX_ACCESSIBILITY_CONTACT", "accessibility_contact")
        admin_email = pick("PLACECX_ADMIN_EMAIL", "admin_email")
        admin_name = pick("PLACECX_ADMIN_NAME", "admin_name")
        inbox, watch_inbox = _parse_inbox(pick("PLACECX_INBOX", "inbox"))
        return cls(db_path=db_path, demo=demo, min_n=min_n,
                   accessibility_contact="" if contact is None else str(contact).strip(),
                   admin_email="" if admin_email is None else str(admin_email).strip(),
                   admin_name="" if admin_name is None else str(admin_name).strip(),
                   inbox=inbox, watch_inbox=watch_inbox)


def _parse_inbox(value: object) -> tuple[Path | None, bool]:
    """(folder, watch): off words switch the inbox off; nothing or a yes word keeps the default folder."""
    text = "" if value is None else str(value).strip()
    if text.lower() in _OFF_WORDS:
        return None, False
    if text.lower() in _TRUE_WORDS | {""}:
        return None, True
    return Path(text).expanduser(), True


def _parse_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"{name} must be 1 or 0 (or true/false), not {value!r}.")


def _parse_positive_int(name: str, value: object) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}.") from None
    if number < 1:
        raise ValueError(f"{name} must be at least 1, not {number}.")
    return number
