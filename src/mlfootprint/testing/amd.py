"""``FakeAMDSMI``: the ``amdsmi`` calls mlfootprint makes, over fake AMD GPUs whose power follows a trace."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlfootprint.testing.clock import FakeClock
from mlfootprint.testing.traces import energy_between

__all__ = ["FakeAMDGPU", "FakeAMDSMI", "FakeAmdSmiError"]


class FakeAmdSmiError(Exception):
    """Stands in for ``amdsmi.AmdSmiException`` (``err_code`` is the amdsmi status)."""

    def __init__(self, err_code: int, message: str = "") -> None:
        self.err_code = err_code
        super().__init__(message or f"amdsmi error {err_code}")


@dataclass
class FakeAMDGPU:
    """One fake AMD GPU; the energy accumulator counts ``counter_resolution_uj`` units."""

    name: str = "AMD Instinct MI250X"
    power_w: float | Callable[[float], float] = 300.0
    has_energy_counter: bool = True
    counter_resolution_uj: float = 15.3
    read_error: int | None = None
    legacy_keys: bool = False  # amdsmi 6.0 named the accumulator "power"


class FakeAMDSMI:
    """Implements the ``amdsmi`` calls mlfootprint makes (``mlfootprint.meters.amd.AMDSMILibrary``)."""

    AmdSmiException = FakeAmdSmiError

    def __init__(
        self, devices: Sequence[FakeAMDGPU], *, clock: FakeClock, init_error: int | None = None
    ) -> None:
        self.devices = list(devices)
        self._clock = clock
        self._t0 = clock.monotonic()
        self.init_error = init_error
        self.init_count = 0

    def _t(self) -> float:
        return self._clock.monotonic() - self._t0

    def _device(self, handle: Any) -> FakeAMDGPU:
        if self.init_count <= 0:
            raise FakeAmdSmiError(32, "not initialised")
        gpu = self.devices[int(handle)]
        if gpu.read_error is not None:
            raise FakeAmdSmiError(gpu.read_error)
        return gpu

    def amdsmi_init(self) -> None:
        if self.init_error is not None:
            raise FakeAmdSmiError(self.init_error)
        self.init_count += 1

    def amdsmi_shut_down(self) -> None:
        self.init_count -= 1

    def amdsmi_get_processor_handles(self) -> list[Any]:
        if self.init_count <= 0:
            raise FakeAmdSmiError(32, "not initialised")
        return list(range(len(self.devices)))

    def amdsmi_get_gpu_asic_info(self, handle: Any) -> dict[str, Any]:
        return {"market_name": self._device(handle).name}

    def amdsmi_get_energy_count(self, handle: Any) -> dict[str, Any]:
        gpu = self._device(handle)
        if not gpu.has_energy_counter:
            raise FakeAmdSmiError(2, "not supported")
        count = int(energy_between(gpu.power_w, 0.0, self._t()) * 1e6 / gpu.counter_resolution_uj)
        key = "power" if gpu.legacy_keys else "energy_accumulator"
        return {key: count, "counter_resolution": gpu.counter_resolution_uj, "timestamp": 0}

    def amdsmi_get_power_info(self, handle: Any) -> dict[str, Any]:
        gpu = self._device(handle)
        trace = gpu.power_w
        power = trace(self._t()) if callable(trace) else float(trace)
        return {"current_socket_power": round(power), "average_socket_power": round(power)}


if TYPE_CHECKING:  # mypy checks that the fake implements the protocol of the calls we make
    from mlfootprint.meters.amd import AMDSMILibrary

    _amdsmi_fake: AMDSMILibrary = FakeAMDSMI([], clock=FakeClock())
