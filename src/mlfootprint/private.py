"""Private files: what mlfootprint creates (ledger, WAL, fallback records, cache, crash logs) is readable
by its owner only — files 0600, in folders 0700 when mlfootprint creates them. Command lines, host
names and tags are in there. Existing folders and files keep the modes their owner gave them.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FILE_MODE", "FOLDER_MODE", "create_private_file", "private_dir", "write_private"]

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_dir(folder: Path) -> Path:
    """Create ``folder`` and any missing parents with mode 0700 (existing ones are left as they are)."""
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # another process made it first
        path.chmod(FOLDER_MODE)  # whatever the umask
    return folder


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; return whether it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    path.chmod(FILE_MODE)
    return True


def write_private(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (a 0600 temporary file renamed over it).

    ``sync=False`` skips the flush to disk (milliseconds each on a busy disk), for files whose loss or
    damage in a crash costs nothing but recomputing them (a cache entry is read back only if it parses).
    """
    private_dir(path.parent)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if sync:
                os.fsync(out.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
