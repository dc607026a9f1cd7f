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

import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from mlfootprint.clock import Clock
from mlfootprint.errors import MeterError, MeterUnavailableError
from mlfootprint.meters.base import Meter, ProbeResult
from mlfootprint.meters.integrating import IntegratingMeter, counter_delta

__all__ = ["NVMLLibrary", "NVMLMeter", "NVMLProvider", "visible_nvml_indices"]

logger = logging.getLogger(__name__)

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


class NVMLMeter:
    """One NVIDIA GPU: the total-energy counter (mJ, Volta and newer) where supported, else power (mW).

    Args:
        index: the NVML index of the GPU.
        nvml: the NVML library (``pynvml`` or a fake); it must already be initialised. ``close()``
            calls ``nvmlShutdown()`` once, balancing one ``nvmlInit()`` done for this meter.
        clock: times the power samples on the sampling path.
        prefer_counter: set False to force the power-sampling path (for comparisons).
    """

    def __init__(self, index: int, *, nvml: NVMLLibrary, clock: Clock, prefer_counter: bool = True) -> None:
        self._nvml = nvml
        self._index = index
        self._closed = False
        self._handle = self._call("nvmlDeviceGetHandleByIndex", index)
        self.name = _text(self._call("nvmlDeviceGetName", self._handle))
        self.uuid = _text(self._call("nvmlDeviceGetUUID", self._handle))
        self._counter_start_mj: int | None = None
        self._counter_last_mj = 0
        self._gauge: IntegratingMeter | None = None
        if prefer_counter:
            try:
                self._counter_start_mj = int(nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle))
            except nvml.NVMLError as exc:
                if _code(exc) != NVML_ERROR_NOT_SUPPORTED:
                    raise MeterError(f"NVML energy counter of GPU {index} failed: {exc}") from exc
        if self._counter_start_mj is not None:
            self._counter_last_mj = self._counter_start_mj
            self._source = f"NVML total-energy counter ({self.name})"
        else:
            self._source = f"NVML power samples, integrated ({self.name})"
            self._gauge = IntegratingMeter(
                self._power_w, clock=clock, meter_id=self.meter_id, component="gpu", source=self._source
            )
        self._energy_j = 0.0

    def _call(self, function: str, *args: Any) -> Any:
        try:
            return getattr(self._nvml, function)(*args)
        except self._nvml.NVMLError as exc:
            raise MeterError(f"NVML {function} failed for GPU {self._index}: {exc}") from exc

    def _power_w(self) -> float:
        return float(self._call("nvmlDeviceGetPowerUsage", self._handle)) / 1000.0

    @property
    def meter_id(self) -> str:
        return f"nvml:{self._index}"

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
        current = int(self._call("nvmlDeviceGetTotalEnergyConsumption", self._handle))
        if current < self._counter_last_mj:
            raise MeterError(
                f"NVML energy counter of GPU {self._index} went backwards "
                f"({self._counter_last_mj} -> {current} mJ); was the driver reloaded?"
            )
        self._counter_last_mj = current
        start = self._counter_start_mj if self._counter_start_mj is not None else current
        self._energy_j = counter_delta(start, current, None) / 1000.0
        return self._energy_j

    def energy_bounds_j(self) -> tuple[float, float]:
        """The latest cumulative energy +/- NVIDIA's stated +/- 5 % power accuracy."""
        return (self._energy_j * (1 - NVML_ACCURACY_FRAC), self._energy_j * (1 + NVML_ACCURACY_FRAC))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
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
