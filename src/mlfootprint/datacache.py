"""A per-user cache of values derived only from the shipped reference tables (and a key).

Parsing and validating the reference CSVs costs tens of milliseconds, most of a tracker's cold start
and of a one-shot command's. What a tracker derives from them (its PUE and grid intensity, this
machine's CPU row), and what a command looks up (one accelerator, one region's intensity, one PUE, one
embodied factor: ``mlfootprint.reference.lookup``), depends only on a few settings and on the tables,
so it is cached as JSON under ``<MLFOOTPRINT_HOME>/cache/<kind>/``, keyed by those settings, the
package version and the size and modification time of every reference data file (every year of every
table) and of the code that derives the values: a changed table, a changed derivation or a new release
misses the cache (the files are looked at once per process). Entries are private (files 0600 in
folders 0700, ``mlfootprint.private``). Errors are never cached, nor what a command refused for bad
input had resolved (``held_entries``); an unreadable or malformed entry is ignored and rewritten; a
read-only home only loses the speed-up. ``MLFOOTPRINT_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from mlfootprint.home import home_folder

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["cached", "held_entries"]

T = TypeVar("T")

# paths as text (os.path): a cache hit needs no pathlib, which a one-shot command may not load otherwise
_PACKAGE = os.path.dirname(os.path.realpath(__file__))
#: the folders whose files decide a cached value: the tables and the code that reads and derives from them
_INPUT_DIRS = (
    os.path.join(_PACKAGE, "reference", "data"),
    os.path.join(_PACKAGE, "reference"),
    os.path.join(_PACKAGE, "tracking"),
    os.path.join(_PACKAGE, "meters"),
)
#: single modules outside those folders that derive cached values (the embodied table's reader)
_INPUT_FILES = (os.path.join(_PACKAGE, "embodied.py"),)


_FINGERPRINT: list[Any] = []  # the process's one fingerprint: the package does not change under it


def _fingerprint() -> list[Any]:
    if not _FINGERPRINT:
        _FINGERPRINT.extend(_scan())
    return _FINGERPRINT


def _scan() -> list[Any]:
    try:  # the package's own entry (its version is written there) without importing the package root
        st = os.stat(os.path.join(_PACKAGE, "__init__.py"))
        version: Any = [st.st_size, st.st_mtime_ns]
    except OSError:
        version = None
    files = []
    for folder in _INPUT_DIRS:
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_file():
                        st = entry.stat()
                        name = f"{os.path.basename(folder)}/{entry.name}"
                        files.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            files.append((f"{os.path.basename(folder)}/unreadable", 0, 0))
    for path in _INPUT_FILES:
        try:
            st = os.stat(path)
            files.append((os.path.basename(path), st.st_size, st.st_mtime_ns))
        except OSError:
            files.append((f"{os.path.basename(path)} unreadable", 0, 0))
    return [version, sorted(files)]


def cached(
    kind: str,
    key: list[Any],
    compute: Callable[[], T],
    encode: Callable[[T], dict[str, Any]],
    decode: Callable[[dict[str, Any]], T],
    *,
    cache_dir: Path | None = None,
) -> T:
    """``compute()``, or the value cached for ``key`` (see the module docstring). Raises what it raises.

    ``MLFOOTPRINT_NO_CACHE`` and the home folder come from the process's environment, whatever
    environment a tracker's options were resolved from: the cache belongs to the user, not to a run.
    """
    if os.environ.get("MLFOOTPRINT_NO_CACHE"):
        return compute()
    folder = os.fspath(cache_dir) if cache_dir is not None else os.path.join(home_folder(), "cache", kind)
    # the file is named by a checksum of the key and holds the key itself: a read checks it, so two keys
    # with the same checksum only miss the cache, never read each other's value
    full_key = json.dumps([key, _fingerprint()], default=str)
    name = f"{zlib.crc32(full_key.encode()):08x}{zlib.adler32(full_key.encode()):08x}.json"
    path = os.path.join(folder, name)
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.loads(handle.read())
        if doc["key"] == full_key:
            return decode(doc["value"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no entry yet, or a damaged one: compute and (re)write it
    value = compute()
    data = json.dumps({"key": full_key, "value": encode(value)}).encode()
    if _HELD:
        _HELD[-1].append((path, data))
    else:
        _write((path, data))
    return value


def _write(entry: tuple[str, bytes]) -> None:
    try:
        from pathlib import Path

        from mlfootprint.private import write_private

        # no fsync: an entry torn by a crash fails to parse or to match its key and is rewritten
        write_private(Path(entry[0]), entry[1], sync=False)
    except OSError:
        pass  # the cache is an optimisation, never a requirement


#: the entries computed inside ``held_entries()`` blocks, innermost last, not written yet
_HELD: list[list[tuple[str, bytes]]] = []


@contextlib.contextmanager
def held_entries() -> Iterator[Callable[[], None]]:
    """A block whose new entries are written only when it calls the ``commit`` it is given.

    A command runs in one and commits when it succeeded: a command refused for bad input (an unknown
    name, an out-of-range number found after the names were resolved) leaves nothing behind. Entries
    not committed when the block ends are dropped.
    """
    pending: list[tuple[str, bytes]] = []

    def commit() -> None:
        while pending:
            _write(pending.pop(0))

    _HELD.append(pending)
    try:
        yield commit
    finally:
        _HELD.remove(pending)
