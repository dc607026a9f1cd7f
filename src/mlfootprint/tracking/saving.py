"""Saving that loses nothing: how a tracker's flushes and final save survive a failing ledger.

* A failed flush (full disk, database restart, network blip to PostgreSQL) is reported on stderr the
  first time it happens — directly, not through ``logging``, whose handlers an application may not
  have configured. The samples stay in memory (the sampler keeps them) and the run's totals are rebuilt
  at the next flush, so the next successful flush stores everything; that recovery is reported too.
* The final save is retried a few times. If it still fails, the record and every sample not yet stored
  are written as JSON to a fallback file — ``<MLFOOTPRINT_HOME>/unsaved/<run id>.json``, else
  ``<temp dir>/mlfootprint-unsaved-<uid>/<run id>.json`` — 0600 in a 0700 folder; the record's
  ``extra["not_saved"]`` says what was not saved and where it went, and the summary never says "stored".
  ``mlfootprint runs import FILE`` stores it once the ledger works again.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from mlfootprint.bounds import FLUSH_INTERVAL_S, INTERVAL_S, PUE
from mlfootprint.errors import MlfootprintError, StoreError
from mlfootprint.records import RunRecord, Sample

__all__ = [
    "FINAL_ATTEMPTS",
    "SaveGuard",
    "check_options",
    "fallback_dirs",
    "read_fallback",
    "write_fallback",
]

#: attempts of the final save before the fallback file is written
FINAL_ATTEMPTS = 3
#: the fallback file's format version
FALLBACK_FORMAT = "mlfootprint-unsaved-run/1"


def check_options(*, pue: float | None, interval_s: float | None, flush_interval_s: float | None) -> None:
    """The tracker's numeric options against their bounds (``InvalidValueError`` naming the option)."""
    if pue is not None:
        PUE.check(pue, "pue")
    if interval_s is not None:
        INTERVAL_S.check(interval_s, "interval_s")
    if flush_interval_s is not None:
        FLUSH_INTERVAL_S.check(flush_interval_s, "flush_interval_s")


def _reason(exc: BaseException) -> str:
    from mlfootprint.redact import mask_text

    return mask_text(" ".join(str(exc).split()) or type(exc).__name__)


class SaveGuard:
    """Wraps a ledger's ``save``: reports the first failure and the recovery, remembers what is unsaved.

    Args:
        stream: where reports go (default: the process's stderr at the time of writing).
        sleep: waits between final attempts (tests pass a no-op).
    """

    def __init__(self, *, stream: TextIO | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._stream = stream
        self._sleep = sleep
        self.failures = 0
        self.failing = False
        self.last_error: BaseException | None = None
        self._unsaved: tuple[RunRecord, list[Sample]] | None = None

    def _say(self, text: str) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        with contextlib.suppress(OSError, ValueError):  # a closed stderr must not stop the run
            print(f"mlfootprint: {text}", file=stream, flush=True)

    def save(self, store: Any, record: RunRecord, samples: Sequence[Sample], **options: Any) -> None:
        """``store.save(record, samples, **options)``; on failure report it (first time), remember it and
        re-raise. ``options`` (``phases_from``, ``compaction``) are the caller's to recompute at a retry."""
        try:
            store.save(record, samples, **options)
        except Exception as exc:
            self.failures += 1
            self.last_error = exc
            # every sample since the last success is in this call (the sampler hands them back again)
            self._unsaved = (record, list(samples))
            if not self.failing:
                self.failing = True
                self._say(
                    f"warning: saving run {record.id} to {getattr(store, 'url', 'the ledger')} failed "
                    f"({_reason(exc)}); the run is kept in memory and saving is retried at every flush"
                )
            raise
        if self.failing:
            self._say(
                f"saving run {record.id} works again after {self.failures} failed attempt(s); "
                "nothing was lost"
            )
        self.failing = False
        self._unsaved = None

    def final(self, attempt: Callable[[], None]) -> None:
        """Run the final save ``attempt`` up to ``FINAL_ATTEMPTS`` times; raise the last error."""
        for n in range(FINAL_ATTEMPTS):
            try:
                attempt()
                return
            except Exception:
                if n == FINAL_ATTEMPTS - 1:
                    raise
                self._sleep(0.2 * 2**n)

    def give_up(self, record: RunRecord, exc: BaseException, *, ledger: str) -> RunRecord:
        """After the final save failed: write the fallback file, report, return the record marked unsaved."""
        samples = self._unsaved[1] if self._unsaved is not None else []
        record = replace(record, extra={**record.extra})
        try:
            where = str(write_fallback(record, samples))
        except OSError as error:
            where = f"nowhere (no fallback folder is writable: {error.strerror or error})"
        note = (
            f"not saved to {ledger} ({_reason(exc)}); the final record and {len(samples)} sample(s) "
            f"were written to {where}"
        )
        self._say(f"error: run {record.id} {note}")
        return replace(record, extra={**record.extra, "not_saved": note, "fallback_path": where})


def fallback_dirs() -> list[Path]:
    """Where unsaved runs go, first choice first."""
    import tempfile  # only when a run could not be saved: not on a tracker's start

    from mlfootprint.config import home_dir

    uid = os.getuid() if hasattr(os, "getuid") else 0
    return [home_dir() / "unsaved", Path(tempfile.gettempdir()) / f"mlfootprint-unsaved-{uid}"]


def write_fallback(record: RunRecord, samples: Sequence[Sample], dirs: Sequence[Path] | None = None) -> Path:
    """Write the run and its unsaved samples as JSON (0600 in a 0700 folder); return the path."""
    from mlfootprint.private import write_private
    from mlfootprint.serialize import format_time, run_to_dict

    body = {
        "format": FALLBACK_FORMAT,
        "run": run_to_dict(record),
        "samples": [
            {"meter_id": s.meter_id, "at": format_time(s.at), "t_s": s.t_s, "energy_j": s.energy_j,
             "power_w": s.power_w}
            for s in samples
        ],
    }  # fmt: skip
    data = json.dumps(body, indent=1).encode()
    last: OSError | None = None
    for folder in dirs if dirs is not None else fallback_dirs():
        path = folder / f"{record.id}.json"
        try:
            write_private(path, data)
            return path
        except OSError as exc:
            last = exc
    assert last is not None
    raise last


def read_fallback(path: Path) -> tuple[RunRecord, list[Sample]]:
    """A fallback file back as a record and samples (``StoreError`` naming the file when malformed)."""
    from mlfootprint.serialize import parse_time, run_from_dict

    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(body, dict) or body.get("format") != FALLBACK_FORMAT:
            raise ValueError(f"not a {FALLBACK_FORMAT} file")
        run = run_from_dict(body["run"])
        samples = []
        for s in body["samples"]:
            at = parse_time(s["at"], "at")
            if at is None:
                raise ValueError("a sample has no time")
            samples.append(
                Sample(meter_id=str(s["meter_id"]), at=at, t_s=float(s["t_s"]), energy_j=float(s["energy_j"]),
                       power_w=None if s["power_w"] is None else float(s["power_w"]))
            )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, AttributeError, MlfootprintError) as exc:
        raise StoreError(f"{path}: cannot read the unsaved run: {' '.join(str(exc).split())[:200]}") from None
    return run, samples
