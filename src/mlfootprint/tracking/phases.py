"""Named windows of a run (``run.phase("epoch-3")``): counter readings at entry and exit, subtracted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType

from mlfootprint.clock import Clock
from mlfootprint.errors import TrackerError
from mlfootprint.records import PhaseRecord

__all__ = ["Phase", "PhaseBook"]

ReadFn = Callable[[], tuple[float, ...]]


class Phase:
    """A context manager for one named window; nestable. ``record`` is set once it has ended."""

    def __init__(self, book: PhaseBook, name: str) -> None:
        self._book = book
        self.name = name
        self.parent: str | None = None
        self.started_at: datetime | None = None
        self.t_start_s = 0.0
        self.start_j: tuple[float, ...] = ()
        self.record: PhaseRecord | None = None

    def __enter__(self) -> Phase:
        self._book.open(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._book.close(self)


class PhaseBook:
    """Keeps the open phases (a stack) and the ended ones of a run.

    Args:
        meter_ids: the meters' ids, in the order ``read`` returns their readings.
        read: reads every meter now (never raises) and returns cumulative joules.
        clock: the run's clock.
    """

    def __init__(self, meter_ids: Sequence[str], read: ReadFn, clock: Clock) -> None:
        self._meter_ids = tuple(meter_ids)
        self._read = read
        self._clock = clock
        self._stack: list[Phase] = []
        self._done: list[PhaseRecord] = []

    @property
    def ended(self) -> tuple[PhaseRecord, ...]:
        """The phases that have ended, in the order they ended."""
        return tuple(self._done)

    @property
    def open_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self._stack)

    def open(self, phase: Phase) -> None:
        if phase.started_at is not None:
            raise TrackerError(f"phase {phase.name!r} was already entered; make a new one with run.phase()")
        phase.parent = self._stack[-1].name if self._stack else None
        phase.start_j = self._read()
        phase.t_start_s = self._clock.monotonic()
        phase.started_at = self._clock.now()
        self._stack.append(phase)

    def close(self, phase: Phase, *, energies_j: tuple[float, ...] | None = None) -> PhaseRecord:
        """End ``phase`` (and any phase opened inside it and still open) and return its record."""
        if phase not in self._stack:
            raise TrackerError(f"phase {phase.name!r} is not open")
        end_j = self._read() if energies_j is None else energies_j
        while self._stack:
            top = self._stack.pop()
            record = self._end(top, end_j)
            if top is phase:
                return record
        raise AssertionError("unreachable: phase was on the stack")

    def close_all(self, energies_j: tuple[float, ...]) -> None:
        """End every open phase at the given readings (the tracker's stop)."""
        while self._stack:
            self._end(self._stack.pop(), energies_j)

    def _end(self, phase: Phase, end_j: tuple[float, ...]) -> PhaseRecord:
        components = {
            meter_id: max(0.0, end - start)
            for meter_id, start, end in zip(self._meter_ids, phase.start_j, end_j, strict=True)
        }
        assert phase.started_at is not None
        record = PhaseRecord(
            name=phase.name,
            parent=phase.parent,
            started_at=phase.started_at,
            ended_at=self._clock.now(),
            duration_s=self._clock.monotonic() - phase.t_start_s,
            energy_j=sum(components.values()),
            components=components,
        )
        phase.record = record
        self._done.append(record)
        return record
