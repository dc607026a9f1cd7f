"""Sinks: everything that receives a run while it runs (exporters, experiment trackers, loggers).

A sink implements four calls, all with the run as it stands (a ``RunRecord``, status ``running`` until
``stop``):

* ``start(run)`` once, before anything else (from the first flush, when the run is in the ledger);
* ``flush(run, samples)`` at each flush, with the samples taken since the previous one;
* ``phase(run, phase)`` once for each phase that has ended (announced at the flush that first sees it,
  in the order the phases ended);
* ``stop(run)`` once, with the final record.

The tracker only knows ``SinkSet``: it calls each sink in turn, and a sink that raises is reported once
(a ``SinkWarning`` and a log line naming the sink and the error) and never stops the run or the other
sinks; later failures of the same sink are only logged at debug level.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from mlfootprint import logs
from mlfootprint.records import PhaseRecord, RunRecord, Sample

__all__ = ["RunSink", "SinkSet", "SinkWarning", "with_prometheus"]

logger = logs.get(__name__)


class SinkWarning(UserWarning):
    """A sink failed; the run goes on without what that sink would have received."""


@runtime_checkable
class RunSink(Protocol):
    """What the tracker calls on everything that receives a run."""

    def start(self, run: RunRecord) -> None: ...

    def flush(self, run: RunRecord, samples: Sequence[Sample]) -> None: ...

    def phase(self, run: RunRecord, phase: PhaseRecord) -> None: ...

    def stop(self, run: RunRecord) -> None: ...


def _name(sink: object) -> str:
    return getattr(sink, "name", None) or type(sink).__name__


class SinkSet:
    """The sinks of one run, called in order, each failure contained and reported once per sink."""

    def __init__(self, sinks: Sequence[RunSink] = ()) -> None:
        self.sinks = tuple(sinks)
        self.errors: dict[str, str] = {}  # sink name -> its first failure, for the record
        self._started = False
        self._stopped = False
        self._phases_seen = 0

    def __bool__(self) -> bool:
        return bool(self.sinks)

    def _call(self, sink: RunSink, what: str, *args: object) -> None:
        try:
            getattr(sink, what)(*args)
        except Exception as exc:  # noqa: BLE001 -- a sink never stops the run or the other sinks
            name = _name(sink)
            text = f"{type(exc).__name__}: {exc}".splitlines()[0]
            if name not in self.errors:
                self.errors[name] = f"{what}: {text}"
                logger.warning("sink %s failed in %s: %s", name, what, text)
                warnings.warn(
                    f"the {name} sink failed in {what} ({text}); the run goes on without it",
                    SinkWarning,
                    stacklevel=3,
                )
            else:
                logger.debug("sink %s failed again in %s: %s", name, what, text)

    def _each(self, what: str, *args: object) -> None:
        for sink in self.sinks:
            self._call(sink, what, *args)

    def start(self, run: RunRecord) -> None:
        """Announce the run (idempotent: only the first call reaches the sinks)."""
        if self._started or not self.sinks:
            return
        self._started = True
        self._each("start", run)

    def flush(self, run: RunRecord, samples: Sequence[Sample]) -> None:
        """Announce phases that ended since the last flush, then the flush itself."""
        if not self.sinks or self._stopped:
            return
        self.start(run)
        for phase in run.phases[self._phases_seen :]:
            self._each("phase", run, phase)
        self._phases_seen = max(self._phases_seen, len(run.phases))
        self._each("flush", run, samples)

    def stop(self, run: RunRecord) -> None:
        """Announce the final record (idempotent)."""
        if not self.sinks or self._stopped:
            return
        self.flush(run, ())
        self._stopped = True
        self._each("stop", run)


def with_prometheus(sinks: Sequence[RunSink], port: int | None) -> tuple[RunSink, ...]:
    """``sinks`` plus a Prometheus exporter on ``port`` of 127.0.0.1 when a port is given.

    The port is bound when the run starts (a port in use is then reported as a failing sink).

    Raises:
        InvalidValueError: the port is not in 0..65535.
        ExporterError: ``prometheus_client`` is missing.
    """
    if port is None:
        return tuple(sinks)
    from mlfootprint.sinks.prometheus import PrometheusSink

    return (*sinks, PrometheusSink(port=port, serve_on_start=True))
