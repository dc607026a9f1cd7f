"""The one background thread of a tracker: it reads every meter each interval and flushes periodically.

The thread never raises into the training process: a failing meter is kept (its last good reading is
used from then on) and a failed flush is retried at the next one; the tracker raises what was kept at
``stop()``. Per sample it does one ``read_energy_j()`` per meter and appends one small tuple; samples
become ``Sample`` records and reach the store only at a flush.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from mlfootprint import logs
from mlfootprint.clock import Clock
from mlfootprint.meters.base import Meter

__all__ = ["MIN_INTERVAL_S", "RawSample", "Sampler"]

logger = logs.get(__name__)

#: the shortest sampling interval the tracker accepts
MIN_INTERVAL_S = 0.05

#: (meter index, seconds since the run started, cumulative joules since the meter was opened)
RawSample = tuple[int, float, float]

FlushFn = Callable[[list[RawSample]], None]


class Sampler:
    """Reads ``meters`` every ``interval_s`` on one named daemon thread; calls ``flush`` periodically.

    Args:
        meters: the open meters, in a fixed order (a sample names its meter by index).
        clock: the clock (monotonic seconds for sample times and the flush cadence).
        t0_s: the clock's monotonic reading when the run started.
        interval_s: seconds between samples (at least ``MIN_INTERVAL_S``).
        flush_interval_s: a flush happens at the first sample at least this long after the previous one.
        flush: called with the samples taken since the previous flush (on the sampler thread, and by
            the tracker at start and stop); if it raises, the samples are kept for the next flush.
        name: the thread's name.
    """

    def __init__(
        self,
        meters: Sequence[Meter],
        *,
        clock: Clock,
        t0_s: float,
        interval_s: float,
        flush_interval_s: float,
        flush: FlushFn,
        name: str = "mlfootprint-sampler",
    ) -> None:
        self._meters = tuple(meters)
        self._clock = clock
        self._t0_s = t0_s
        self._interval_s = interval_s
        self._flush_interval_s = flush_interval_s
        self._flush_fn = flush
        self._name = name
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending: list[RawSample] = []
        self._last_j = [0.0] * len(self._meters)
        self._failed = [False] * len(self._meters)
        self._last_flush_s = t0_s
        #: the first exception a meter read raised (kept; the tracker raises it at stop)
        self.error: BaseException | None = None
        #: the last exception a flush raised (samples were kept and retried)
        self.flush_error: BaseException | None = None
        #: readings taken (one per meter per read), flushes that succeeded
        self.samples_taken = 0
        self.flushes = 0
        #: CPU seconds the sampler thread used (known once it has stopped)
        self.thread_cpu_s = 0.0

    @property
    def meters(self) -> tuple[Meter, ...]:
        return self._meters

    def last_energies_j(self) -> tuple[float, ...]:
        """The last good cumulative reading of each meter."""
        with self._lock:
            return tuple(self._last_j)

    def read_all(self, *, timeout_s: float = -1) -> tuple[float, ...]:
        """Read every meter now and record the readings as samples; returns the cumulative joules.

        A meter that raises is marked failed, its error kept in ``error``, and its last good reading
        used from then on. Never raises. With ``timeout_s`` >= 0, gives up waiting for a read in progress
        on another thread after that long and returns the last readings.
        """
        if not self._lock.acquire(timeout=timeout_s):
            return tuple(self._last_j)
        try:
            t_s = self._clock.monotonic() - self._t0_s
            last, pending, failed = self._last_j, self._pending, self._failed
            for i, meter in enumerate(self._meters):
                if failed[i]:
                    continue
                try:
                    energy_j = meter.read_energy_j()
                except Exception as exc:  # noqa: BLE001 - kept and raised by the tracker at stop()
                    failed[i] = True
                    if self.error is None:
                        self.error = exc
                    logger.warning("meter %s failed; using its last reading: %s", meter.meter_id, exc)
                    continue
                last[i] = energy_j
                pending.append((i, t_s, energy_j))
            self.samples_taken += 1
            return tuple(last)
        finally:
            self._lock.release()

    def take_pending(self) -> list[RawSample]:
        """Remove and return the samples not yet flushed."""
        with self._lock:
            batch, self._pending = self._pending, []
            return batch

    def peek_pending(self) -> list[RawSample]:
        """A copy of the samples not yet flushed (they stay pending)."""
        with self._lock:
            return list(self._pending)

    def _restore(self, batch: list[RawSample]) -> None:
        with self._lock:
            self._pending[:0] = batch

    def flush(self) -> bool:
        """Hand the pending samples to ``flush``; on failure keep them for the next flush.

        Returns whether the flush succeeded. Never raises.
        """
        with self._flush_lock:
            self._last_flush_s = self._clock.monotonic()
            batch = self.take_pending()
            try:
                self._flush_fn(batch)
            except Exception as exc:  # noqa: BLE001 - a failed flush must not stop sampling; retried
                self._restore(batch)
                self.flush_error = exc
                logger.warning("flushing the run failed (will retry): %s", exc)
                return False
            self.flushes += 1
            return True

    def final_flush(self, fn: FlushFn, *, timeout_s: float = 30.0) -> None:
        """Hand every pending sample to ``fn`` (the tracker's final save); raises what ``fn`` raises.

        Waits up to ``timeout_s`` for a flush in progress on the thread to finish.
        """
        locked = self._flush_lock.acquire(timeout=timeout_s)
        try:
            batch = self.take_pending()
            try:
                fn(batch)
            except BaseException:
                self._restore(batch)
                raise
            self.flushes += 1
        finally:
            if locked:
                self._flush_lock.release()

    def tick(self) -> None:
        """One iteration of the thread: read every meter; flush if ``flush_interval_s`` has passed."""
        self.read_all()
        if self._clock.monotonic() - self._last_flush_s >= self._flush_interval_s:
            self.flush()

    def _loop(self) -> None:
        cpu0 = time.thread_time()
        try:
            self.flush()
            while not self._stop.wait(self._interval_s):
                self.tick()
        except Exception as exc:  # noqa: BLE001 - never raise into the training process; kept for stop()
            if self.error is None:
                self.error = exc
            logger.warning("the sampler thread stopped: %s", exc)
        finally:
            self.thread_cpu_s = time.thread_time() - cpu0

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            raise RuntimeError("sampler already started")
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self, *, timeout_s: float = 5.0) -> bool:
        """Stop the thread and wait for it up to ``timeout_s``; returns whether it has ended."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()
