"""``FakeNVML``: the ``pynvml`` calls mlfootprint makes, over fake GPUs whose power follows a trace."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlfootprint.testing.clock import FakeClock
from mlfootprint.testing.traces import energy_between

__all__ = ["FakeGPU", "FakeNVML", "FakeNVMLError"]


class FakeNVMLError(Exception):
    """Stands in for ``pynvml.NVMLError``: carries the NVML return code in ``value``."""

    def __init__(self, value: int, message: str = "") -> None:
        self.value = value
        super().__init__(message or f"NVML error {value}")


@dataclass
class FakeGPU:
    """One fake NVIDIA GPU. ``power_w`` is a constant or a function of clock seconds since the fake began.

    ``read_error`` (an NVML return code) makes every energy/power read fail until it is reset.
    """

    name: str = "NVIDIA A100-SXM4-40GB"
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    power_w: float | Callable[[float], float] = 250.0
    has_energy_counter: bool = True
    energy_start_mj: int = 123_456_789
    read_error: int | None = None


class FakeNVML:
    """Implements exactly the ``pynvml`` calls mlfootprint makes (``mlfootprint.meters.nvml.NVMLLibrary``).

    Time is the injected clock's; the energy counter is the exact integral of each GPU's trace
    (truncated to whole millijoules as NVML reports it); power is the trace at the present time (mW).
    """

    NVMLError = FakeNVMLError

    def __init__(
        self, devices: Sequence[FakeGPU], *, clock: FakeClock, init_error: int | None = None
    ) -> None:
        self.devices = list(devices)
        self._clock = clock
        self._t0 = clock.monotonic()
        self.init_error = init_error
        self.init_count = 0
        self.calls = 0

    def _t(self) -> float:
        return self._clock.monotonic() - self._t0

    def _device(self, handle: Any) -> FakeGPU:
        self.calls += 1
        if self.init_count <= 0:
            raise FakeNVMLError(1, "Uninitialized")
        if not isinstance(handle, int) or not 0 <= handle < len(self.devices):
            raise FakeNVMLError(2, "Invalid Argument")
        return self.devices[handle]

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise FakeNVMLError(self.init_error)
        self.init_count += 1

    def nvmlShutdown(self) -> None:
        if self.init_count <= 0:
            raise FakeNVMLError(1, "Uninitialized")
        self.init_count -= 1

    def nvmlDeviceGetCount(self) -> int:
        if self.init_count <= 0:
            raise FakeNVMLError(1, "Uninitialized")
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        self._device(index)
        return index

    def nvmlDeviceGetName(self, handle: Any) -> str:
        return self._device(handle).name

    def nvmlDeviceGetUUID(self, handle: Any) -> str:
        return self._device(handle).uuid

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: Any) -> int:
        gpu = self._device(handle)
        if gpu.read_error is not None:
            raise FakeNVMLError(gpu.read_error)
        if not gpu.has_energy_counter:
            raise FakeNVMLError(3, "Not Supported")
        return gpu.energy_start_mj + int(energy_between(gpu.power_w, 0.0, self._t()) * 1000.0)

    def nvmlDeviceGetPowerUsage(self, handle: Any) -> int:
        gpu = self._device(handle)
        if gpu.read_error is not None:
            raise FakeNVMLError(gpu.read_error)
        trace = gpu.power_w
        return round((trace(self._t()) if callable(trace) else float(trace)) * 1000.0)


if TYPE_CHECKING:  # mypy checks that the fake implements the protocol of the calls we make
    from mlfootprint.meters.nvml import NVMLLibrary

    _nvml_fake: NVMLLibrary = FakeNVML([], clock=FakeClock())
