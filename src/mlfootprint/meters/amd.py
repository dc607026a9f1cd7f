"""AMD GPUs through ``amdsmi`` (optional extra: ``pip install 'mlfootprint[amd]'``).

The energy accumulator (``amdsmi_get_energy_count``: a count of ``counter_resolution`` microjoules)
is read where the GPU supports it; otherwise the socket power (W) is sampled and integrated. The
library is injected (``amdsmi=``; tests pass ``mlfootprint.testing.FakeAMDSMI``) and the real module is
imported lazily. Errors become ``MeterError`` / ``MeterUnavailableError``; ``HIP_VISIBLE_DEVICES`` and
``ROCR_VISIBLE_DEVICES`` are honoured as lists of indices.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from mlfootprint.clock import Clock
from mlfootprint.errors import MeterError, MeterUnavailableError
from mlfootprint.meters.base import Meter, ProbeResult
from mlfootprint.meters.gpu_base import CounterOrGaugeGPU

__all__ = ["AMDSMILibrary", "AMDSMIMeter", "AMDSMIProvider"]

_INDEX = re.compile(r"^\d+$")


class AMDSMILibrary(Protocol):
    """The part of ``amdsmi`` that mlfootprint calls (``FakeAMDSMI`` implements exactly this)."""

    @property
    def AmdSmiException(self) -> type[Exception]: ...

    def amdsmi_init(self) -> None: ...
    def amdsmi_shut_down(self) -> None: ...
    def amdsmi_get_processor_handles(self) -> list[Any]: ...
    def amdsmi_get_gpu_asic_info(self, handle: Any) -> dict[str, Any]: ...
    def amdsmi_get_energy_count(self, handle: Any) -> dict[str, Any]: ...
    def amdsmi_get_power_info(self, handle: Any) -> dict[str, Any]: ...


#: where a loaded AMD GPU driver shows on Linux (the amdgpu kernel module; ROCm's compute device)
AMD_DRIVER_PATHS = (Path("/sys/module/amdgpu"), Path("/dev/kfd"))


def amd_driver_absent_reason(
    paths: Sequence[Path] = AMD_DRIVER_PATHS, *, platform: str = sys.platform
) -> str | None:
    """Why amdsmi cannot work here, known without importing it (None: maybe it can, try).

    On Linux amdsmi needs the amdgpu kernel driver; when it is not loaded, importing amdsmi (tens of
    milliseconds, and chatter on stdout) is skipped.
    """
    if not platform.startswith("linux") or any(p.exists() for p in paths):
        return None
    return f"no AMD GPU driver here ({paths[0]} does not exist)"


def _load_amdsmi() -> AMDSMILibrary:
    chatter = io.StringIO()  # amdsmi prints to stdout/stderr when ROCm is missing; keep our output clean
    try:
        with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
            import amdsmi  # lazily: optional extra
    except ImportError as exc:
        raise MeterUnavailableError(
            "the amdsmi Python package is not installed; pip install 'mlfootprint[amd]' (ROCm 6+)"
        ) from exc
    except (KeyError, OSError) as exc:  # amdsmi raises these when ROCm's libamd_smi.so is missing
        raise MeterUnavailableError(
            f"amdsmi is installed but cannot load ROCm's libamd_smi.so ({exc!r}); install ROCm 6+"
        ) from exc
    library: AMDSMILibrary = amdsmi
    return library


def _visible(env: Mapping[str, str], count: int) -> list[int]:
    chosen = list(range(count))
    for variable in ("ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"):
        value = env.get(variable)
        if value is None:
            continue
        narrowed: list[int] = []
        for token in (t.strip() for t in value.split(",")):
            if not _INDEX.match(token) or int(token) >= len(chosen) or chosen[int(token)] in narrowed:
                break
            narrowed.append(chosen[int(token)])
        chosen = narrowed
    return chosen


class AMDSMIMeter(CounterOrGaugeGPU):
    """One AMD GPU: energy accumulator where supported, else integrated socket power."""

    counter_label = "amdsmi energy counter"
    gauge_label = "amdsmi power samples, integrated"

    def __init__(self, index: int, handle: Any, *, amdsmi: AMDSMILibrary, clock: Clock) -> None:
        self._amdsmi = amdsmi
        self._index = index
        self._handle = handle
        self._closed = False
        info = self._call("amdsmi_get_gpu_asic_info", handle)
        self.name = str(info.get("market_name") or f"AMD GPU {index}")
        self._open_paths(clock=clock)

    def _call(self, function: str, *args: Any) -> Any:
        try:
            return getattr(self._amdsmi, function)(*args)
        except self._amdsmi.AmdSmiException as exc:
            raise MeterError(f"amdsmi {function} failed for GPU {self._index}: {exc}") from exc

    def _counter_j(self) -> float:
        data = self._amdsmi.amdsmi_get_energy_count(self._handle)
        count = data.get("energy_accumulator", data.get("power"))
        resolution = data.get("counter_resolution")
        if not isinstance(count, (int, float)) or not isinstance(resolution, (int, float)):
            raise MeterError(f"amdsmi energy count of GPU {self._index} is malformed: {data!r}")
        return float(count) * float(resolution) / 1e6  # a count of `counter_resolution` uJ

    def _first_counter(self) -> float | None:
        try:
            return self._counter_j()
        except self._amdsmi.AmdSmiException:
            return None

    def _read_counter(self) -> float:
        try:
            return self._counter_j()
        except self._amdsmi.AmdSmiException as exc:
            raise MeterError(f"amdsmi energy count failed for GPU {self._index}: {exc}") from exc

    def _energy_between_j(self, start: float, current: float) -> float:
        return current - start  # already joules; a decrease is refused, not wrap-corrected

    def _backwards_message(self, last: float, current: float) -> str:
        return f"amdsmi energy counter of GPU {self._index} went backwards"

    def _power_w(self) -> float:
        data = self._call("amdsmi_get_power_info", self._handle)
        for key in ("current_socket_power", "average_socket_power"):
            value = data.get(key)
            if isinstance(value, (int, float)):
                return float(value)
        raise MeterError(f"amdsmi reports no socket power for GPU {self._index}: {data!r}")

    @property
    def meter_id(self) -> str:
        return f"amdsmi:{self._index}"

    def energy_bounds_j(self) -> tuple[float, float]:
        return (self._energy_j, self._energy_j)

    def _release(self) -> None:
        self._amdsmi.amdsmi_shut_down()


class AMDSMIProvider:
    """One ``AMDSMIMeter`` per visible AMD GPU."""

    name = "amdsmi"

    def __init__(self, *, amdsmi: AMDSMILibrary | None = None, env: Mapping[str, str] | None = None) -> None:
        self._amdsmi = amdsmi
        self._env = os.environ if env is None else env

    def _init(self) -> tuple[AMDSMILibrary, list[Any]]:
        if self._amdsmi is None:
            reason = amd_driver_absent_reason()
            if reason is not None:
                raise MeterUnavailableError(reason)
        library = self._amdsmi or _load_amdsmi()
        self._amdsmi = library
        try:
            library.amdsmi_init()
        except library.AmdSmiException as exc:
            raise MeterUnavailableError(f"amdsmi could not initialise: {exc}") from exc
        try:
            handles = list(library.amdsmi_get_processor_handles())
        except library.AmdSmiException as exc:
            library.amdsmi_shut_down()
            raise MeterUnavailableError(f"amdsmi could not list the GPUs: {exc}") from exc
        return library, handles

    def probe(self) -> ProbeResult:
        try:
            library, handles = self._init()
        except MeterUnavailableError as exc:
            return ProbeResult(
                provider=self.name,
                available=False,
                reason=str(exc),
                fix="on a machine with AMD GPUs: install ROCm 6+ and pip install 'mlfootprint[amd]'",
            )
        library.amdsmi_shut_down()
        visible = _visible(self._env, len(handles))
        if not visible:
            return ProbeResult(provider=self.name, available=False, reason="no AMD GPU is visible", fix=None)
        return ProbeResult(
            provider=self.name,
            available=True,
            reason=f"{len(visible)} AMD GPU(s) visible",
            devices=tuple(str(i) for i in visible),
        )

    def open(self, *, clock: Clock) -> list[Meter]:
        library, handles = self._init()
        visible = _visible(self._env, len(handles))
        library.amdsmi_shut_down()
        if not visible:
            raise MeterUnavailableError("no AMD GPU is visible")
        meters: list[Meter] = []
        try:
            for index in visible:
                library.amdsmi_init()
                meters.append(AMDSMIMeter(index, handles[index], amdsmi=library, clock=clock))
        except MeterError:
            library.amdsmi_shut_down()
            for meter in meters:
                meter.close()
            raise
        return meters
