"""The read loop shared by GPUs that have an energy counter on some models and only a power gauge on others.

A ``CounterOrGaugeGPU`` reads the device's cumulative energy counter where the device supports one, else
samples its power gauge and integrates it (``IntegratingMeter``). The loop is the same for every vendor:
choose the path when the meter opens, refuse a counter that goes backwards, report energy since opening.
Each vendor's adapter (``nvml.NVMLMeter``, ``amd.AMDSMIMeter``) supplies the calls and the counter
arithmetic (NVML counts mJ, amdsmi a count times a resolution in uJ), its labels and its error messages.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from mlfootprint.clock import Clock
from mlfootprint.errors import MeterError
from mlfootprint.meters.integrating import IntegratingMeter

__all__ = ["CounterOrGaugeGPU"]


class CounterOrGaugeGPU(ABC):
    """One GPU read through its energy counter, else through its integrated power gauge.

    A subclass sets ``name`` and whatever its calls need, then calls ``_open_paths(clock=...)`` at the
    end of its constructor.
    """

    name: str
    #: how the source is described on each path, e.g. "NVML total-energy counter"
    counter_label: str
    gauge_label: str

    def _open_paths(self, *, clock: Clock, prefer_counter: bool = True) -> None:
        """Choose the counter or the gauge path; raises what ``_first_counter`` raises."""
        self._closed = False
        self._counter_start = self._first_counter() if prefer_counter else None
        self._counter_last = 0.0 if self._counter_start is None else self._counter_start
        self._gauge: IntegratingMeter | None = None
        if self._counter_start is not None:
            self._source = f"{self.counter_label} ({self.name})"
        else:
            self._source = f"{self.gauge_label} ({self.name})"
            self._gauge = IntegratingMeter(
                self._power_w, clock=clock, meter_id=self.meter_id, component="gpu", source=self._source
            )
        self._energy_j = 0.0

    @abstractmethod
    def _first_counter(self) -> float | None:
        """The counter's reading when the meter opens, or None where the device has no counter."""

    @abstractmethod
    def _read_counter(self) -> float:
        """The counter's current reading, in the vendor's unit (errors become ``MeterError``)."""

    @abstractmethod
    def _energy_between_j(self, start: float, current: float) -> float:
        """Joules between two counter readings (the vendor's unit and wrap rules)."""

    @abstractmethod
    def _backwards_message(self, last: float, current: float) -> str:
        """The error when the counter reads less than its previous reading."""

    @abstractmethod
    def _power_w(self) -> float:
        """The power gauge, in watts."""

    @abstractmethod
    def _release(self) -> None:
        """Release the vendor library's reference held by this meter (called once by ``close``)."""

    @property
    @abstractmethod
    def meter_id(self) -> str: ...

    @property
    def component(self) -> str:
        return "gpu"

    @property
    def method(self) -> str:
        return "counter" if self._gauge is None else "sampled-power"

    @property
    def source(self) -> str:
        return self._source

    @property
    def is_estimate(self) -> bool:
        return False

    def read_energy_j(self) -> float:
        if self._closed:
            raise MeterError(f"meter {self.meter_id} is closed")
        if self._gauge is not None:
            self._energy_j = self._gauge.read_energy_j()
            return self._energy_j
        current = self._read_counter()
        if current < self._counter_last:
            raise MeterError(self._backwards_message(self._counter_last, current))
        self._counter_last = current
        start = current if self._counter_start is None else self._counter_start
        self._energy_j = self._energy_between_j(start, current)
        return self._energy_j

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._release()
