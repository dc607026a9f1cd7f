"""Ledger URLs: ``sqlite:///PATH`` and ``postgresql://...`` (or ``postgres://...``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from mlfootprint.errors import InvalidValueError

__all__ = ["StoreURL", "mask_password", "parse_store_url"]

_REASON = "must be sqlite:///PATH or postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreURL:
    """A parsed ledger URL.

    Attributes:
        backend: ``"sqlite"`` or ``"postgresql"``.
        path: the SQLite file (None for PostgreSQL and for ``sqlite://:memory:``).
        dsn: what the driver is given (the file path for SQLite, the URL for PostgreSQL).
        display: the URL with any password masked, for messages.
    """

    backend: Literal["sqlite", "postgresql"]
    path: Path | None
    dsn: str
    display: str


def mask_password(url: str) -> str:
    """``postgresql://me:secret@host/db?sslpassword=x`` -> ``postgresql://me:***@host/db?sslpassword=***``.

    The userinfo password and every secret query parameter are masked (see ``mlfootprint.redact``).
    """
    from mlfootprint.redact import mask_text  # not for a SQLite file: its patterns compile when needed

    return mask_text(url)


def parse_store_url(url: str) -> StoreURL:
    """Parse a ledger URL.

    SQLite: ``sqlite:///abs/path.sqlite3`` and ``sqlite:////abs/path.sqlite3`` are the absolute path
    ``/abs/path.sqlite3``; ``sqlite:relative/path.sqlite3`` is relative to the working directory;
    ``sqlite://:memory:`` is a private in-memory ledger (gone when closed). A leading ``~`` is expanded.

    Raises:
        InvalidValueError: (as ``--db``) for any other form.
    """
    text = url.strip()
    lower = text.lower()
    if "\0" in text or len(text) > 4096:
        raise InvalidValueError("--db", mask_password(text[:80]), f"is not a ledger URL; {_REASON}")
    if lower.startswith(("postgresql://", "postgres://")):
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError as exc:
            raise InvalidValueError("--db", mask_password(text), f"is malformed ({exc}); {_REASON}") from None
        if not parts.hostname and "host=" not in parts.query:
            raise InvalidValueError("--db", mask_password(url), f"has no host; {_REASON}")
        return StoreURL(backend="postgresql", path=None, dsn=text, display=mask_password(text))
    if lower.startswith("sqlite:"):
        rest = text[len("sqlite:") :]
        if rest.startswith("//"):
            rest = rest[2:]
        if rest in (":memory:", "/:memory:"):
            return StoreURL(backend="sqlite", path=None, dsn=":memory:", display="sqlite://:memory:")
        if rest.startswith("//"):
            rest = rest[1:]
        if not rest or rest.endswith("/") or "?" in rest:
            raise InvalidValueError("--db", url, f"does not name a file; {_REASON}")
        path = Path(rest).expanduser() if rest.startswith("~") else Path(rest)
        display = f"sqlite://{path}" if path.is_absolute() else f"sqlite:{path}"
        return StoreURL(backend="sqlite", path=path, dsn=str(path), display=display)
    raise InvalidValueError("--db", mask_password(url), _REASON)
