"""NVIDIA GPUs through NVML (``nvidia-ml-py``): the total-energy counter, else integrated power samples.

The NVML library is injected (``nvml=``); the real ``pynvml`` module is imported lazily only when
none is given, so tests drive everything with ``mlfootprint.testing.FakeNVML``. Every NVML error is
translated into ``MeterError`` / ``MeterUnavailableError``; a failed read never becomes a zero.

``CUDA_VISIBLE_DEVICES`` is honoured as CUDA reads it: a comma-separated list of indices or UUIDs
(``GPU-...``, unique prefixes accepted); the list ends at the first invalid or repeated entry; an
empty value hides every GPU. Indices are NVML's (PCI bus order), which is CUDA's order when
``CUDA_DEVICE_ORDER=PCI_BUS_ID`` and on machines whose GPUs are all one model.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from mlfootprint import logs
from mlfootprint.clock import Clock
from mlfootprint.errors import MeterError, MeterUnavailableError
from mlfootprint.meters.base import Meter, ProbeResult
from mlfootprint.meters.gpu_base import CounterOrGaugeGPU
from mlfootprint.meters.integrating import counter_delta

__all__ = ["NVMLLibrary", "NVMLMeter", "NVMLProvider", "visible_nvml_indices"]

logger = logs.get(__name__)

#: NVML return codes we act on (values from nvml.h, stable across releases)
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_NO_PERMISSION = 4
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12

#: NVIDIA's NVML reference states power readings are accurate to within +/- 5 % of the draw
NVML_ACCURACY_FRAC = 0.05

_INDEX = re.compile(r"^\d+$")


class NVMLLibrary(Protocol):
    """The part of ``pynvml`` that mlfootprint calls (``FakeNVML`` implements exactly this)."""

    @property
    def NVMLError(self) -> type[Exception]: ...

    def nvmlInit(self) -> None: ...

    def nvmlShutdown(self) -> None: ...

    def nvmlDeviceGetCount(self) -> int: ...

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any: ...

    def nvmlDeviceGetName(self, handle: Any) -> str | bytes: ...

    def nvmlDeviceGetUUID(self, handle: Any) -> str | bytes: ...

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: Any) -> int: ...

    def nvmlDeviceGetPowerUsage(self, handle: Any) -> int: ...


def visible_nvml_indices(value: str | None, uuids: Sequence[str]) -> tuple[int, ...]:
    """NVML indices of the GPUs a ``CUDA_VISIBLE_DEVICES`` value makes visible, in CUDA's order.

    Args:
        value: the variable's value, or None when it is unset (every GPU is visible).
        uuids: the UUID of each NVML device, by NVML index (``"GPU-8932f937-..."``).
    """
    if value is None:
        return tuple(range(len(uuids)))
    chosen: list[int] = []
    lowered = [u.lower() for u in uuids]
    for raw in value.split(","):
        token = raw.strip()
        index: int | None = None
        if _INDEX.match(token):
            index = int(token) if int(token) < len(uuids) else None
        elif token.lower().startswith("gpu-"):
            matches = [i for i, u in enumerate(lowered) if u.startswith(token.lower())]
            index = matches[0] if len(matches) == 1 else None
        if index is None or index in chosen:
            if token:
                logger.debug("CUDA_VISIBLE_DEVICES entry %r ends the list", token)
            break
        chosen.append(index)
    return tuple(chosen)


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


#: where a loaded NVIDIA driver shows on Linux (the kernel module; WSL2's user-space library folder)
NVIDIA_DRIVER_PATHS = (Path("/proc/driver/nvidia"), Path("/usr/lib/wsl/lib/libnvidia-ml.so.1"))


def driver_absent_reason(
    paths: Sequence[Path] = NVIDIA_DRIVER_PATHS, *, platform: str = sys.platform
) -> str | None:
    """Why NVML cannot work here, known without loading it (None: maybe it can, try).

    On Linux, NVML needs the NVIDIA kernel driver (``/proc/driver/nvidia``) or WSL2's driver library;
    when neither exists, importing and initialising NVML (tens of milliseconds) is skipped.
    """
    if not platform.startswith("linux") or any(p.exists() for p in paths):
        return None
    return f"no NVIDIA driver here ({paths[0]} does not exist)"


def _load_pynvml() -> NVMLLibrary:
    try:
        import pynvml  # lazily: only when no library is injected
    except ImportError as exc:
        raise MeterUnavailableError("the NVML bindings are not installed; pip install nvidia-ml-py") from exc
    library: NVMLLibrary = pynvml
    return library


def _code(exc: Exception) -> int | None:
    value = getattr(exc, "value", None)
    return value if isinstance(value, int) else None


class NVMLMeter(CounterOrGaugeGPU):
    """One NVIDIA GPU: the total-energy counter (mJ, Volta and newer) where supported, else power (mW).

    Args:
        index: the NVML index of the GPU.
        nvml: the NVML library (``pynvml`` or a fake); it must already be initialised. ``close()``
            calls ``nvmlShutdown()`` once, balancing one ``nvmlInit()`` done for this meter.
        clock: times the power samples on the sampling path.
        prefer_counter: set False to force the power-sampling path (for comparisons).
    """

    counter_label = "NVML total-energy counter"
    gauge_label = "NVML power samples, integrated"

    def __init__(self, index: int, *, nvml: NVMLLibrary, clock: Clock, prefer_counter: bool = True) -> None:
        self._nvml = nvml
        self._index = index
        self._closed = False
        self._handle = self._call("nvmlDeviceGetHandleByIndex", index)
        self.name = _text(self._call("nvmlDeviceGetName", self._handle))
        self.uuid = _text(self._call("nvmlDeviceGetUUID", self._handle))
        self._open_paths(clock=clock, prefer_counter=prefer_counter)

    def _call(self, function: str, *args: Any) -> Any:
        try:
            return getattr(self._nvml, function)(*args)
        except self._nvml.NVMLError as exc:
            raise MeterError(f"NVML {function} failed for GPU {self._index}: {exc}") from exc

    def _first_counter(self) -> float | None:
        try:
            return int(self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle))
        except self._nvml.NVMLError as exc:
            if _code(exc) != NVML_ERROR_NOT_SUPPORTED:
                raise MeterError(f"NVML energy counter of GPU {self._index} failed: {exc}") from exc
            return None

    def _read_counter(self) -> float:
        return int(self._call("nvmlDeviceGetTotalEnergyConsumption", self._handle))

    def _energy_between_j(self, start: float, current: float) -> float:
        return counter_delta(int(start), int(current), None) / 1000.0  # mJ

    def _backwards_message(self, last: float, current: float) -> str:
        return (
            f"NVML energy counter of GPU {self._index} went backwards "
            f"({int(last)} -> {int(current)} mJ); was the driver reloaded?"
        )

    def _power_w(self) -> float:
        return float(self._call("nvmlDeviceGetPowerUsage", self._handle)) / 1000.0  # mW

    @property
    def meter_id(self) -> str:
        return f"nvml:{self._index}"

    def energy_bounds_j(self) -> tuple[float, float]:
        """The latest cumulative energy +/- NVIDIA's stated +/- 5 % power accuracy."""
        return (self._energy_j * (1 - NVML_ACCURACY_FRAC), self._energy_j * (1 + NVML_ACCURACY_FRAC))

    def _release(self) -> None:
        try:
            self._nvml.nvmlShutdown()
        except self._nvml.NVMLError as exc:
            raise MeterError(f"NVML shutdown failed: {exc}") from exc


class NVMLProvider:
    """Opens one ``NVMLMeter`` per GPU visible to CUDA.

    Args:
        nvml: the NVML library; None imports ``pynvml`` lazily.
        env: the environment read for ``CUDA_VISIBLE_DEVICES`` (default ``os.environ``).
    """

    name = "nvml"

    def __init__(self, *, nvml: NVMLLibrary | None = None, env: Mapping[str, str] | None = None) -> None:
        self._nvml = nvml
        self._env = os.environ if env is None else env

    def _library(self) -> NVMLLibrary:
        if self._nvml is None:
            self._nvml = _load_pynvml()
        return self._nvml

    def _init(self) -> NVMLLibrary:
        if self._nvml is None:
            reason = driver_absent_reason()
            if reason is not None:
                raise MeterUnavailableError(reason)
        nvml = self._library()
        try:
            nvml.nvmlInit()
        except nvml.NVMLError as exc:
            code = _code(exc)
            if code in (NVML_ERROR_LIBRARY_NOT_FOUND, NVML_ERROR_DRIVER_NOT_LOADED):
                raise MeterUnavailableError(f"no NVIDIA driver here (NVML: {exc})") from exc
            if code == NVML_ERROR_NO_PERMISSION:
                raise MeterUnavailableError(f"no permission to use NVML: {exc}") from exc
            raise MeterUnavailableError(f"NVML could not initialise: {exc}") from exc
        return nvml

    def _visible(self, nvml: NVMLLibrary) -> list[tuple[int, str, str]]:
        """(NVML index, name, uuid) of each visible GPU; NVML must be initialised."""
        try:
            count = int(nvml.nvmlDeviceGetCount())
            devices = []
            for i in range(count):
                handle = nvml.nvmlDeviceGetHandleByIndex(i)
                devices.append(
                    (i, _text(nvml.nvmlDeviceGetName(handle)), _text(nvml.nvmlDeviceGetUUID(handle)))
                )
        except nvml.NVMLError as exc:
            raise MeterUnavailableError(f"NVML could not list the GPUs: {exc}") from exc
        chosen = visible_nvml_indices(self._env.get("CUDA_VISIBLE_DEVICES"), [d[2] for d in devices])
        return [devices[i] for i in chosen]

    def probe(self) -> ProbeResult:
        try:
            nvml = self._init()
        except MeterUnavailableError as exc:
            return ProbeResult(
                provider=self.name,
                available=False,
                reason=str(exc),
                fix="install the NVIDIA driver (and nvidia-ml-py) on a machine with an NVIDIA GPU",
            )
        try:
            visible = self._visible(nvml)
        except MeterUnavailableError as exc:
            return ProbeResult(provider=self.name, available=False, reason=str(exc), fix=None)
        finally:
            nvml.nvmlShutdown()
        if not visible:
            return ProbeResult(
                provider=self.name,
                available=False,
                reason="no GPU is visible (CUDA_VISIBLE_DEVICES hides them all, or none is installed)",
                fix="check CUDA_VISIBLE_DEVICES",
            )
        return ProbeResult(
            provider=self.name,
            available=True,
            reason=f"{len(visible)} GPU(s) visible",
            devices=tuple(f"{i}: {name} ({uuid})" for i, name, uuid in visible),
        )

    def open(self, *, clock: Clock) -> list[Meter]:
        nvml = self._init()
        try:
            visible = self._visible(nvml)
        finally:
            nvml.nvmlShutdown()
        if not visible:
            raise MeterUnavailableError("no GPU is visible to CUDA here")
        meters: list[Meter] = []
        try:
            for index, _name, _uuid in visible:
                nvml.nvmlInit()  # one reference per meter, released by its close()
                try:
                    meters.append(NVMLMeter(index, nvml=nvml, clock=clock))
                except MeterError:
                    nvml.nvmlShutdown()
                    raise
        except MeterError:
            for meter in meters:
                meter.close()
            raise
        return meters
