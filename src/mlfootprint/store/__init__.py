"""The run ledger: every tracked run, its components, phases and samples, in SQLite or PostgreSQL.

``open_store()`` opens the per-user SQLite file (or ``$MLFOOTPRINT_DB``); ``open_store(url)`` opens
``sqlite:///PATH`` or ``postgresql://...``. See ``docs/store.md``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from mlfootprint.clock import Clock, SystemClock
from mlfootprint.config import default_db_url
from mlfootprint.errors import InvalidValueError, LedgerNotFoundError, StoreError
from mlfootprint.records import RunRecord, Sample
from mlfootprint.store.dialect import dialect_for
from mlfootprint.store.ids import new_run_id
from mlfootprint.store.ledger import SQLStore
from mlfootprint.store.liveness import effective_status
from mlfootprint.store.schema import SCHEMA_VERSION
from mlfootprint.store.url import StoreURL, mask_password, parse_store_url

if TYPE_CHECKING:
    from mlfootprint.store.compaction import Compaction

__all__ = [
    "SCHEMA_VERSION",
    "RunStore",
    "SQLStore",
    "StoreURL",
    "effective_status",
    "mask_password",
    "new_run_id",
    "open_store",
    "parse_store_url",
]


class RunStore(Protocol):
    """What the tracker, the reports and the command line need from a ledger."""

    url: str

    def save(
        self,
        run: RunRecord,
        samples: Sequence[Sample] = (),
        *,
        phases_from: int = 0,
        compaction: Compaction | None = None,
    ) -> None: ...

    def get_run(self, run_id: str) -> RunRecord: ...

    def list_runs(self, *, project: str | None = None, limit: int | None = None) -> list[RunRecord]: ...

    def samples(self, run_id: str, meter_id: str | None = None) -> list[Sample]: ...

    def job_runs(self, job_id: str) -> list[RunRecord]: ...

    def close(self) -> None: ...


def open_store(
    url: str | None = None, *, clock: Clock | None = None, timeout_s: float = 10.0, create: bool = True
) -> SQLStore:
    """Open (creating and migrating as needed) the run ledger at ``url``.

    Args:
        url: ``sqlite:///PATH``, ``postgresql://...`` or ``postgres://...``; None means ``$MLFOOTPRINT_DB``,
            else ``sqlite:///<MLFOOTPRINT_HOME or ~/.local/share/mlfootprint>/runs.sqlite3``.
        clock: where "now" comes from when deciding whether a silent run was interrupted.
        timeout_s: how long one operation may wait for other writers before ``StoreError``.
        create: create a SQLite ledger file that does not exist yet. Commands that only read pass False:
            a ledger named by ``url`` or ``$MLFOOTPRINT_DB`` must then exist, so that a mistyped path is
            refused instead of answered from a new, empty ledger (the per-user default is still made).

    Raises:
        InvalidValueError: the URL has no known form (exit status 2).
        LedgerNotFoundError: ``create=False`` and no SQLite ledger file is at the named path (exit status 2).
        StoreError: the ledger cannot be opened (unreadable or not a database: the file is left untouched).
    """
    if timeout_s <= 0:
        raise InvalidValueError("timeout_s", timeout_s, "must be positive")
    named = url is not None or bool(os.environ.get("MLFOOTPRINT_DB"))
    parsed = parse_store_url(default_db_url() if url is None else url)
    missing = parsed.backend == "sqlite" and parsed.path is not None and not parsed.path.exists()
    if not create and named and missing:
        raise LedgerNotFoundError(
            f"no run ledger at {parsed.display}: nothing has been recorded there yet "
            "(record a run with `mlfootprint run -- CMD` or track(), or pass --db / set $MLFOOTPRINT_DB)"
        )
    dialect = dialect_for(parsed, timeout_s=timeout_s)
    try:
        return SQLStore(
            display_url=parsed.display, dialect=dialect, clock=clock or SystemClock(), timeout_s=timeout_s
        )
    except StoreError as exc:
        if parsed.backend == "sqlite" and parsed.path is not None and parsed.path.exists():
            text = str(exc)
            if "corrupt" not in text and any(
                w in text for w in ("malformed", "not a database", "file is encrypted", "codec can't decode")
            ):
                text = f"run ledger {parsed.display} is corrupt ({text})"
            raise StoreError(f"{text} (the file was left as it is; move it aside or pass --db)") from None
        raise
