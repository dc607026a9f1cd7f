# size: the two dialects side by side, each SQL expression beside its twin
"""The thin layer where SQLite and PostgreSQL differ: connecting, placeholders, types, locking, errors.

Everything else (the schema, every query) is shared SQL written with ``?`` placeholders and
``{time}``/``{float}``/``{int}`` type slots that the dialect fills in.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from mlfootprint.errors import StoreError
from mlfootprint.private import create_private_file, private_dir
from mlfootprint.store.url import StoreURL

__all__ = ["Dialect", "PostgresDialect", "SQLiteDialect", "dialect_for", "one_line"]

#: key of the PostgreSQL advisory lock that serialises schema migrations (arbitrary, fixed)
MIGRATION_LOCK_KEY = 0x6D6C6670  # "mlfp"
#: the largest finite double: a cell above it (or NaN) is not a number a reader accepts
_FLOAT_MAX = "1.7976931348623157e308"


def one_line(exc: BaseException) -> str:
    """An exception's message on one line, with any credentials masked."""
    from mlfootprint.redact import mask_text

    return mask_text(" ".join(str(exc).split())) or type(exc).__name__


class Dialect(Protocol):
    """What differs between the backends."""

    name: str
    types: dict[str, str]
    error_types: tuple[type[BaseException], ...]

    def connect(self) -> Any: ...

    def sql(self, text: str) -> str: ...

    def transaction(self, conn: Any, *, write: bool) -> contextlib.AbstractContextManager[None]: ...

    def migration_lock(self, conn: Any) -> contextlib.AbstractContextManager[None]: ...

    def has_table(self, conn: Any, table: str) -> bool: ...

    def is_transient(self, exc: BaseException) -> bool: ...

    def is_unreadable_json(self, exc: BaseException) -> bool: ...

    def to_db_time(self, at: datetime | None) -> Any: ...

    def from_db_time(self, value: Any) -> datetime | None: ...

    # SQL expressions for reading inside JSON cells and checking cells (see ``store.totals``)
    def json_cell(self, column: str, kind: str = "object", *, lookups: bool = False) -> str: ...

    def json_has_keys(self, doc: str, keys: tuple[str, ...]) -> str: ...

    def json_all_numbers(self, doc: str) -> str: ...

    def json_kind(self, doc: str) -> str: ...

    def json_number(self, doc: str) -> str: ...

    def json_text(self, doc: str) -> str: ...

    def json_path(self, *keys: str) -> Any: ...

    def is_number(self, expr: str) -> str: ...

    def is_text(self, expr: str) -> str: ...

    def is_integer(self, expr: str) -> str: ...

    def is_time(self, column: str) -> str: ...

    def utc_day(self, column: str) -> str: ...


#: the first 16 bytes of every SQLite 3 database file
SQLITE_MAGIC = b"SQLite format 3\x00"


def check_sqlite_header(path: Any, display: str) -> None:
    """``StoreError`` when a non-empty file is not an SQLite database (reported as corrupt, left as is)."""
    try:
        with Path(path).open("rb") as f:
            head = f.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read run ledger {display}: {exc.strerror or exc}") from None
    if head and (len(head) < 100 or head[:16] != SQLITE_MAGIC):
        raise StoreError(f"run ledger {display} is corrupt or not a database (no SQLite file header)")


class SQLiteDialect:
    """SQLite in WAL mode: readers never block the writer; writers queue on a busy timeout."""

    name = "sqlite"
    #: a damaged file can make SQLite's own messages undecodable: that is a ledger error too
    error_types: tuple[type[BaseException], ...] = (sqlite3.Error, UnicodeDecodeError)

    def __init__(self, url: StoreURL, *, busy_timeout_s: float) -> None:
        self.types = {"time": "TEXT", "float": "REAL", "int": "INTEGER", "text": "TEXT"}
        self._url = url
        self._busy_timeout_ms = max(1, int(busy_timeout_s * 1000))

    def connect(self) -> Any:
        path = self._url.path
        read_only = False
        if path is not None:
            try:
                private_dir(path.parent)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder of run ledger {self._url.display}: {exc.strerror or exc}"
                ) from None
            if path.exists() and not path.is_file():
                raise StoreError(f"run ledger {self._url.display} is not a file")
            if path.exists():
                check_sqlite_header(path, self._url.display)
                read_only = not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)
            else:
                try:
                    create_private_file(path)  # 0600: the WAL and shared-memory files take its mode
                except OSError as exc:
                    raise StoreError(
                        f"cannot create run ledger {self._url.display}: {exc.strerror or exc}"
                    ) from None
        if read_only:
            assert path is not None
            # a ledger someone may read but not write: readers work, writers get a clear error
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=self._busy_timeout_ms / 1000,
                isolation_level=None, check_same_thread=False,
            )  # fmt: skip
        else:
            conn = sqlite3.connect(
                self._url.dsn,
                timeout=self._busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        self.read_only = read_only
        # damaged text is shown damaged (U+FFFD), not a crash of every reader
        conn.text_factory = lambda data: data.decode("utf-8", errors="replace")
        try:
            conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            if path is not None and not read_only:
                conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed flush survives a power cut too, not only a killed process.
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def sql(self, text: str) -> str:
        return text

    @contextlib.contextmanager
    def transaction(self, conn: Any, *, write: bool) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front (waiting on busy_timeout), so a writer never fails
        # half-way through on a lock upgrade.
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def migration_lock(self, conn: Any) -> Iterator[None]:
        """Nothing to do: the ``BEGIN IMMEDIATE`` of the migration already excludes every other writer."""
        yield

    def has_table(self, conn: Any, table: str) -> bool:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return row is not None

    def is_transient(self, exc: BaseException) -> bool:
        text = str(exc).lower()
        return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)

    def is_unreadable_json(self, exc: BaseException) -> bool:
        """Never: every JSON cell is checked with ``json_valid`` before it is read."""
        return False

    def to_db_time(self, at: datetime | None) -> Any:
        if at is None:
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        # fixed width, so that text order is time order
        return at.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"

    def from_db_time(self, value: Any) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(str(value).rstrip("Z")).replace(tzinfo=timezone.utc)

    # -- reading inside cells: each expression is NULL (or false) where the cell cannot be read ----------

    def json_cell(self, column: str, kind: str = "object", *, lookups: bool = False) -> str:
        """The cell as JSON of ``kind`` (object or array), NULL when it is not valid JSON of that kind.

        ``lookups``: the document is read with ``json_kind``/``json_number`` (no difference here).
        """
        of_kind = f"CASE WHEN json_type({column}) = '{kind}' THEN {column} END"
        return f"CASE WHEN json_valid({column}) THEN {of_kind} END"

    def json_has_keys(self, doc: str, keys: tuple[str, ...]) -> str:
        """True when every element of the array ``doc`` is an object with all of ``keys``."""
        missing = " OR ".join(f"json_type(value, '$.\"{k}\"') IS NULL" for k in keys)
        return f"NOT EXISTS (SELECT 1 FROM json_each({doc}) WHERE type <> 'object' OR {missing})"

    def json_all_numbers(self, doc: str) -> str:
        """True when every value of the object ``doc`` is a number."""
        return f"NOT EXISTS (SELECT 1 FROM json_each({doc}) WHERE type NOT IN ('integer', 'real'))"

    def json_kind(self, doc: str) -> str:
        """The kind of the value at the path ``?`` in ``doc`` (``'null'``, ``'object'``...; NULL: absent)."""
        return f"json_type({doc}, ?)"

    def json_number(self, doc: str) -> str:
        """The number at the path ``?`` (given twice) in ``doc``; NULL when absent or not a number."""
        return f"CASE WHEN json_type({doc}, ?) IN ('integer', 'real') THEN json_extract({doc}, ?) END"

    def json_text(self, doc: str) -> str:
        """The value of the top-level key ``?`` of ``doc`` as text (any key: no path quoting)."""
        return f"(SELECT value FROM json_each({doc}) WHERE key = ?)"

    def json_path(self, *keys: str) -> Any:
        """The parameter that names ``keys`` (nested) in ``json_kind`` and ``json_number``."""
        return "$" + "".join('."' + k + '"' for k in keys)

    def is_number(self, expr: str) -> str:
        """True when ``expr`` is a finite number (SQLite cells may hold any type)."""
        return f"(typeof({expr}) IN ('integer', 'real') AND abs({expr}) <= {_FLOAT_MAX})"

    def is_text(self, expr: str) -> str:
        return f"typeof({expr}) = 'text'"

    def is_integer(self, expr: str) -> str:
        return f"typeof({expr}) = 'integer'"

    def is_time(self, column: str) -> str:
        """True when the cell is a time as this ledger writes it (fixed-width UTC text), 1970 to 2100."""
        return (
            f"(typeof({column}) = 'text' AND length({column}) = 27 AND {column} GLOB "
            f"'[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9]*Z' "
            f"AND {column} >= '1970' AND {column} < '2100-12-31T23:59:59.000001Z')"
        )

    def utc_day(self, column: str) -> str:
        return f"substr({column}, 1, 10)"  # fixed-width UTC text: the date comes first


class PostgresDialect:
    """PostgreSQL through psycopg 3 (``pip install 'mlfootprint[postgres]'``)."""

    name = "postgresql"

    def __init__(self, url: StoreURL, *, connect_timeout_s: float) -> None:
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                f"run ledger {url.display} needs psycopg: pip install 'mlfootprint[postgres]'"
            ) from None
        self._psycopg = psycopg
        self.types = {"time": "TIMESTAMPTZ", "float": "DOUBLE PRECISION", "int": "BIGINT", "text": "TEXT"}
        self._url = url
        self._connect_timeout_s = max(1, int(connect_timeout_s))
        self.error_types: tuple[type[BaseException], ...] = (psycopg.Error,)

    def connect(self) -> Any:
        return self._psycopg.connect(
            self._url.dsn,
            autocommit=True,
            connect_timeout=self._connect_timeout_s,
            application_name="mlfootprint",
        )

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    @contextlib.contextmanager
    def transaction(self, conn: Any, *, write: bool) -> Iterator[None]:
        with conn.transaction():
            yield

    @contextlib.contextmanager
    def migration_lock(self, conn: Any) -> Iterator[None]:
        """A session advisory lock, taken before the migration's transaction begins.

        Taken inside the transaction instead, the transaction's catalog snapshot could predate the tables
        another process created while this one waited for the lock.
        """
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))

    def has_table(self, conn: Any, table: str) -> bool:
        row = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
        return row is not None and row[0] is not None

    def is_transient(self, exc: BaseException) -> bool:
        errors = self._psycopg.errors
        return isinstance(
            exc, (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable)
        )

    def is_unreadable_json(self, exc: BaseException) -> bool:
        """A JSON cell whose text passed ``json_cell``'s test but is not JSON (a hand-edited cell)."""
        return isinstance(exc, self._psycopg.errors.InvalidTextRepresentation) and "json" in str(exc)

    def to_db_time(self, at: datetime | None) -> Any:
        if at is not None and at.tzinfo is None:
            return at.replace(tzinfo=timezone.utc)
        return at

    def from_db_time(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise StoreError(f"unexpected time value {value!r} in the run ledger")
        return value.astimezone(timezone.utc)

    # -- reading inside cells: each expression is NULL (or false) where the cell cannot be read ----------

    def json_cell(self, column: str, kind: str = "object", *, lookups: bool = False) -> str:
        """The cell as ``json`` of ``kind`` (object or array), or as ``jsonb`` (parsed once) for ``lookups``
        with ``json_kind``/``json_number``. NaN and Infinity (which Python writes and PostgreSQL refuses)
        leave it NULL rather than fail the query; so does a cell of another kind."""
        first = "{" if kind == "object" else "["
        readable = (
            f"left({column}, 1) = '{first}' AND strpos({column}, 'NaN') + strpos({column}, 'Infinity') = 0"
        )
        return f"CASE WHEN {readable} THEN {column}::{'jsonb' if lookups else 'json'} END"

    def json_has_keys(self, doc: str, keys: tuple[str, ...]) -> str:
        """True when every element of the array ``doc`` is an object with all of ``keys``."""
        missing = " OR ".join(f"(value -> '{k}') IS NULL" for k in keys)
        return (
            f"NOT EXISTS (SELECT 1 FROM json_array_elements({doc}) AS e(value) "
            f"WHERE json_typeof(value) <> 'object' OR {missing})"
        )

    def json_all_numbers(self, doc: str) -> str:
        """True when every value of the object ``doc`` is a number."""
        others = f"SELECT 1 FROM json_each({doc}) AS e(key, value) WHERE json_typeof(value) <> 'number'"
        return f"NOT EXISTS ({others})"

    def json_kind(self, doc: str) -> str:
        """The kind of the value at the path ``?`` in ``doc`` (``'null'``, ``'object'``...; NULL: absent)."""
        return f"jsonb_typeof({doc} #> ?)"

    def json_number(self, doc: str) -> str:
        """The number at the path ``?`` (given twice) in ``doc``; NULL when absent or not a number."""
        return f"CASE WHEN jsonb_typeof({doc} #> ?) = 'number' THEN ({doc} #>> ?)::double precision END"

    def json_text(self, doc: str) -> str:
        """The value of the top-level key ``?`` of ``doc`` as text."""
        return f"({doc} ->> ?)"

    def json_path(self, *keys: str) -> Any:
        """The parameter that names ``keys`` (nested) in ``json_kind`` and ``json_number``."""
        return list(keys)

    def is_number(self, expr: str) -> str:
        """True when ``expr`` is finite (NaN sorts above every number in PostgreSQL)."""
        return f"({expr} BETWEEN -{_FLOAT_MAX} AND {_FLOAT_MAX})"

    def is_text(self, expr: str) -> str:
        return f"({expr} IS NOT NULL)"  # typed columns: only NULL is not text

    def is_integer(self, expr: str) -> str:
        return f"({expr} IS NOT NULL)"

    def is_time(self, column: str) -> str:
        return f"({column} >= '1970-01-01T00:00:00Z' AND {column} <= '2100-12-31T23:59:59Z')"

    def utc_day(self, column: str) -> str:
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def dialect_for(url: StoreURL, *, timeout_s: float) -> Dialect:
    """The dialect for a parsed URL."""
    if url.backend == "sqlite":
        return SQLiteDialect(url, busy_timeout_s=min(2.0, timeout_s))
    return PostgresDialect(url, connect_timeout_s=timeout_s)
