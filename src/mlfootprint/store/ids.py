"""Run ids: 26 characters, sortable by creation time, unique across processes and machines."""

from __future__ import annotations

import os
import time

__all__ = ["RUN_ID_LENGTH", "new_run_id"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
RUN_ID_LENGTH = 26


def _base32(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_run_id(now_s: float | None = None) -> str:
    """A new run id in the ULID layout: 48 bits of Unix milliseconds, then 80 random bits.

    Ids sort by creation time (to the millisecond) as plain strings; the random part makes a clash between
    two processes starting in the same millisecond negligible (2^-80).

    Args:
        now_s: Unix time in seconds to stamp the id with (default: now).
    """
    ms = int((time.time() if now_s is None else now_s) * 1000)
    if not 0 <= ms < 2**48:
        raise ValueError(f"time {now_s!r} is outside the range a run id can hold")
    return _base32(ms, 10) + _base32(int.from_bytes(os.urandom(10), "big"), 16)  # 80 random bits
