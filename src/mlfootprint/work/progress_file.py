"""Progress from a command under ``mlfootprint run``: the command appends lines, ``run`` reads them.

``mlfootprint run`` sets ``MLFOOTPRINT_PROGRESS_FILE`` for the command it starts. A training script
that knows its length calls ``mlfootprint.work.progress_file.report_progress(done, total)`` at the
end of each epoch (or step); that appends ``done total`` to the file, and does nothing when the
variable is not set, so the script runs the same without ``mlfootprint run``. ``run`` reads new lines
while it waits, predicts the run, shows a status line and checks the budget.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["ENV", "ProgressReader", "report_progress"]

ENV = "MLFOOTPRINT_PROGRESS_FILE"


def report_progress(done: float, total: float | None = None) -> bool:
    """Append ``done`` (of ``total``) to the progress file; ``False`` when not under ``mlfootprint run``."""
    path = os.environ.get(ENV)
    if not path:
        return False
    line = f"{float(done)!r} {'' if total is None else repr(float(total))}".rstrip() + "\n"
    with Path(path).open("a", encoding="utf-8") as f:
        f.write(line)
    return True


class ProgressReader:
    """Reads the lines appended since the last read (a partial last line waits for its newline)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0

    def read(self) -> list[tuple[float, float | None]]:
        try:
            with self.path.open("rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n")
        if end < 0:
            return []
        self._offset += end + 1
        out: list[tuple[float, float | None]] = []
        for raw in data[: end + 1].decode("utf-8", "replace").splitlines():
            parts = raw.split()
            try:
                done = float(parts[0])
                total = float(parts[1]) if len(parts) > 1 else None
            except (IndexError, ValueError):
                continue  # a malformed line from the command is skipped, never fatal
            if math.isfinite(done) and (total is None or (math.isfinite(total) and total > 0)):
                out.append((done, total))
        return out
