"""The clock, injected wherever time is read (tests pass ``mlfootprint.testing.FakeClock``)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol

__all__ = ["Clock", "SystemClock", "utc_now"]


class Clock(Protocol):
    """Monotonic seconds for durations and aware UTC datetimes for timestamps."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


def utc_now() -> datetime:
    """Aware UTC now (for code that takes no injected clock)."""
    return datetime.now(timezone.utc)
