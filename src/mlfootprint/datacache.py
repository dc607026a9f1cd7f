"""A per-user cache of values derived only from the shipped reference tables (and a key).

Parsing and validating the reference CSVs costs tens of milliseconds, most of a tracker's cold start.
What a tracker derives from them (its PUE and grid intensity, this machine's CPU row) depends only on
a few settings and on the tables, so it is cached as JSON under ``<MLFOOTPRINT_HOME>/cache/<kind>/``,
keyed by those settings, the package version and the size and modification time of every reference
data file: a changed table or a new release misses the cache. Errors are never cached; an unreadable
or malformed entry is ignored and rewritten; a read-only home only loses the speed-up.
``MLFOOTPRINT_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from mlfootprint.config import home_dir

__all__ = ["cached"]

T = TypeVar("T")

_DATA_DIR = Path(__file__).resolve().parent / "reference" / "data"


def _fingerprint() -> list[Any]:
    from mlfootprint import __version__

    files = []
    try:
        with os.scandir(_DATA_DIR) as entries:
            for entry in entries:
                st = entry.stat()
                files.append((entry.name, st.st_size, st.st_mtime_ns))
    except OSError:
        files.append(("unreadable", 0, 0))
    return [__version__, sorted(files)]


def cached(
    kind: str,
    key: list[Any],
    compute: Callable[[], T],
    encode: Callable[[T], dict[str, Any]],
    decode: Callable[[dict[str, Any]], T],
    *,
    cache_dir: Path | None = None,
) -> T:
    """``compute()``, or the value cached for ``key`` (see the module docstring). Raises what it raises."""
    if os.environ.get("MLFOOTPRINT_NO_CACHE"):
        return compute()
    folder = cache_dir if cache_dir is not None else home_dir() / "cache" / kind
    # the file is named by a checksum of the key and holds the key itself: a read checks it, so two keys
    # with the same checksum only miss the cache, never read each other's value
    full_key = json.dumps([key, _fingerprint()], default=str)
    path = folder / f"{zlib.crc32(full_key.encode()):08x}{zlib.adler32(full_key.encode()):08x}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["key"] == full_key:
            return decode(doc["value"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no entry yet, or a damaged one: compute and (re)write it
    value = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps({"key": full_key, "value": encode(value)}), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # the cache is an optimisation, never a requirement
    return value
