"""Open the application database: bring the schema up to date and, on first start, add the demo."""

from __future__ import annotations

from datetime import date, datetime

from cx.access import ensure_person
from cx.config import Settings
from cx.demo import install_demo
from cx.store import Database


def open_app_database(settings: Settings, today: date | None = None) -> Database:
    """Open (creating if needed) the database named by the settings.

    The first time a database is opened it is marked as initialised, and if
    `settings.demo` is on it is filled with the demo council in the same step.
    Later starts never add the demo again, even when its rows have been removed.
    With `settings.admin_email` set, that person is made an admin on every start.
    Raises DatabaseLocked / DatabaseError from `cx.store.Database`, and ValueError
    for an admin email that is not an email address.
    """
    database = Database(settings.db_path)
    try:
        store = database.store()
        if store.admin.meta("initialised_on") is None:
            today = today or date.today()
            with store.transaction():
                if settings.demo:
                    install_demo(store, today)
                store.admin.set_meta("initialised_on", today.isoformat())
        if settings.admin_email:
            ensure_person(store, settings.admin_email, settings.admin_name or None, "admin",
                          now=datetime.now())
    except BaseException:
        database.close()
        raise
    return database
