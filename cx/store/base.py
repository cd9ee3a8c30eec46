"""What every feature store shares: the cursor, the one transaction rule, and its errors.

The rule, enforced here rather than promised in docstrings:

- Every statement that changes data runs inside `Session.transaction()`. A write
  method of a feature store is marked `@writes`, which opens the transaction when
  the caller has not; a write statement issued outside any transaction raises
  `OutsideTransaction` (a programming error, never a user's).
- Transactions nest: only the outermost one commits. If an inner block raises,
  the whole unit of work is rolled back, even when the caller catches the error,
  because DuckDB has no savepoints.
- The outermost commit of a unit of work that wrote anything appends one row to
  `change_log` (its features, who, when). The data version that caches use is the
  newest row's id. Appending never conflicts with another writer, so two people
  saving at once do not collide on shared bookkeeping.
- DuckDB reports two writers touching the same row as a transaction conflict;
  it surfaces here as `WriteConflict`, which `Store.run` retries.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import duckdb
import pandas as pd

from cx.errors import DatabaseError, PlaceCXError

F = TypeVar("F", bound=Callable[..., Any])
_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER")


class OutsideTransaction(RuntimeError):
    """A write statement ran outside `transaction()`: a bug in PlaceCX, not in the user's input."""


class WriteConflict(PlaceCXError):
    """Someone else changed the same record at the same moment; trying again usually works."""


class AccessDenied(PlaceCXError):
    """The person this store acts for may not read or change this."""


class UnitOfWorkFailed(PlaceCXError):
    """An inner step of a transaction failed and was caught; the whole unit was rolled back."""


class Session:
    """One cursor and its transaction state, shared by the feature stores of one `Store`.

    Not shared between threads: take one `Store` (hence one session) per rerun,
    command or thread.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection, acting_person: int | None = None,
                 policy: Callable[[str, str], None] | None = None) -> None:
        self.cursor = cursor
        self.acting_person = acting_person
        self._policy = policy
        self._depth = 0
        self._failed = False
        self._features: set[str] = set()
        self._actions: list[str] = []

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in the current transaction, or in a new one if none is open.

        The outermost block commits everything written inside, or rolls it all
        back and re-raises when the block (or any inner block) raised. Raises
        WriteConflict when DuckDB refuses the commit because another writer
        changed the same rows, and UnitOfWorkFailed when an inner block failed
        but its error was swallowed.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            except BaseException:
                self._failed = True
                raise
            finally:
                self._depth -= 1
            return
        self._begin()
        try:
            yield
            if self._failed:
                raise UnitOfWorkFailed("A step of this change failed, so nothing was saved; try again.")
            self._commit()
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0

    def data_version(self, features: Sequence[str] = ()) -> int:
        """The newest change-log id (0 for none), over all features or only `features`.

        Cache keys include it: any committed write to a feature a cached figure
        reads makes the cache miss.
        """
        row = self.cursor.execute(
            "SELECT coalesce(max(change_id), 0) FROM change_log "
            "WHERE len(?) = 0 OR list_has_any(features, ?)",
            [list(features), list(features)],
        ).fetchone()
        return int(row[0])

    def note_write(self, feature: str, action: str = "") -> None:
        """Check a write against the policy and record it for the change log.

        `action` names the store method ("roadmap.update_action"). Raises whatever
        the policy raises (the person may not make this change), and
        OutsideTransaction when no transaction is open.
        """
        if not self._depth:
            raise OutsideTransaction(f"A {feature} write ran outside transaction(); wrap it in one.")
        if self._policy is not None:
            self._policy(feature, action)
        self._features.add(feature)
        if action and action not in self._actions:
            self._actions.append(action)

    def _begin(self) -> None:
        self.cursor.execute("BEGIN TRANSACTION")
        self._depth, self._failed, self._features, self._actions = 1, False, set(), []

    def _commit(self) -> None:
        if self._features:
            self.cursor.execute(
                "INSERT INTO change_log (changed_at, changed_by, features, actions) VALUES (?, ?, ?, ?)",
                [datetime.now(), self.acting_person, sorted(self._features), self._actions],
            )
        try:
            self.cursor.execute("COMMIT")
        except duckdb.TransactionException as error:
            if "constraint violation" in str(error).lower():
                # DuckDB checks a unique key taken by another writer since this transaction
                # began only at commit, and reports it as a failed commit.
                raise WriteConflict("Someone else saved a record with the same name or key at the same "
                                    "moment; try again.") from error
            raise _conflict(error) from error
        except duckdb.ConstraintException as error:
            # A unique key taken by another writer since this transaction began.
            raise WriteConflict("Someone else saved a record with the same name or key at the same "
                                "moment; try again.") from error

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):  # a failed COMMIT has already ended the transaction
            self.cursor.execute("ROLLBACK")


def _conflict(error: duckdb.Error) -> PlaceCXError:
    text = str(error)
    if "conflict" in text.lower():
        return WriteConflict("Someone else changed the same record at the same moment; try again.")
    return DatabaseError(f"The database could not save this change: {text}")


def _broken_rule(sql: str, error: duckdb.ConstraintException) -> PlaceCXError:
    """WriteConflict when the key was taken by a writer this transaction cannot see yet, else DatabaseError.

    An INSERT ... ON CONFLICT skips every key it can see, so a duplicate key can only
    come from another transaction that committed after this one began: running the
    unit of work again sees it and skips it.
    """
    if "ON CONFLICT" in sql.upper() and "duplicate key" in str(error).lower():
        return WriteConflict("Someone else saved a record with the same key at the same moment; try again.")
    return DatabaseError(f"A row breaks a rule of the database: {error}")


def writes(feature: str) -> Callable[[F], F]:
    """Mark a feature-store method as a write: it runs inside the session's transaction.

    A call outside any transaction gets one of its own; inside one it joins it.
    """

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: FeatureStore, *args: Any, **kwargs: Any) -> Any:
            with self._session.transaction():
                self._session.note_write(feature, f"{feature}.{method.__name__}")
                return method(self, *args, **kwargs)

        wrapper.__placecx_writes__ = feature  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


class FeatureStore:
    """Base of the stores per feature: SQL over the session's cursor, values always bound.

    `READS` names the features whose changes can alter what this store's queries
    return (empty: any change), so caches of its queries can be keyed narrowly.
    """

    READS: tuple[str, ...] = ()

    def __init__(self, session: Session) -> None:
        self._session = session

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """The session's one transaction (see `Session.transaction`), for a unit of work in one store."""
        return self._session.transaction()

    @property
    def acting_person(self) -> int | None:
        """The person this store acts for (None: PlaceCX itself)."""
        return self._session.acting_person

    def _only_for_oneself(self, person_id: int, refusal: str) -> None:
        """Raises AccessDenied(refusal) when the store acts for someone other than `person_id`."""
        acting = self._session.acting_person
        if acting is not None and acting != person_id:
            raise AccessDenied(refusal)

    def _execute(self, sql: str, params: Sequence[object] | None = None) -> duckdb.DuckDBPyConnection:
        """Run one statement; write statements must be inside `transaction()`.

        Raises OutsideTransaction for a write outside a transaction, WriteConflict
        when another writer holds the same row, DatabaseError when a value breaks a
        rule of the schema.
        """
        if sql.lstrip().split(None, 1)[0].upper() in _WRITE_WORDS and not self._session.in_transaction:
            raise OutsideTransaction("A write statement ran outside transaction().")
        try:
            return self._session.cursor.execute(sql, params or [])
        except duckdb.TransactionException as error:
            raise _conflict(error) from error
        except duckdb.ConstraintException as error:
            raise _broken_rule(sql, error) from error

    def _executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if not self._session.in_transaction:
            raise OutsideTransaction("A write statement ran outside transaction().")
        try:
            self._session.cursor.executemany(sql, rows)
        except duckdb.TransactionException as error:
            raise _conflict(error) from error
        except duckdb.ConstraintException as error:
            raise _broken_rule(sql, error) from error

    def _frame(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        return self._execute(sql, params).df()

    def _one(self, sql: str, params: Sequence[object] | None = None) -> tuple | None:
        return self._execute(sql, params).fetchone()

    def _exists(self, sql: str, params: Sequence[object] | None = None) -> bool:
        return self._one(sql, params) is not None

    def _insert_frame(self, view: str, frame: pd.DataFrame, sql: str, params: list) -> int:
        """Run an INSERT ... SELECT over `frame` registered as `view`; return rows written."""
        cursor = self._session.cursor
        cursor.register(view, frame)
        try:
            written = self._execute(sql, params).fetchone()[0]
        finally:
            # After a failed statement the view cannot be dropped until rollback;
            # registering the same name again simply replaces it.
            with contextlib.suppress(duckdb.Error):
                cursor.unregister(view)
        return int(written)


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def bindable(value: object) -> object:
    """A value DuckDB can bind: None for missing or blank cells, plain Python numbers for NumPy ones."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, (str, list, tuple)) and pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value
