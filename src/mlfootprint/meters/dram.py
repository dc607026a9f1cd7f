"""The DRAM estimate used when RAPL has no DRAM zone: memory size x watts per GiB.

``W_PER_GIB`` = 0.375 W per GiB, i.e. 3 W per 8 GiB module: the rule of thumb of memory vendors'
power guidance (Crucial/Micron: about 3 W per 8 GB of DDR3/DDR4), the value CodeCarbon uses, and
within 1 % of Green Algorithms' 0.3725 W/GB (measured on a Haswell-E system by Tom's Hardware). DRAM
power depends weakly on use (refresh and background power dominate), and measurements disagree (a
Green Algorithms issue reports far less per added module at idle), so the interval is 0.5x to 1.5x.

``scope="machine"`` counts all installed memory (``psutil.virtual_memory().total``); ``scope="process"``
counts the resident memory of the tracked process tree, re-read at every sample.
"""

from __future__ import annotations

import os

from mlfootprint.clock import Clock
from mlfootprint.errors import InvalidValueError, MeterError
from mlfootprint.meters.base import Meter, ProbeResult
from mlfootprint.meters.host import PsutilLike, RealPsutil

__all__ = ["W_PER_GIB", "W_PER_GIB_SOURCE", "DramEstimateMeter", "DramEstimateProvider"]

W_PER_GIB = 0.375
W_PER_GIB_LOW_FRAC, W_PER_GIB_HIGH_FRAC = 0.5, 1.5
W_PER_GIB_SOURCE = (
    "0.375 W per GiB (3 W per 8 GiB module; memory vendors' rule of thumb, as used by CodeCarbon; "
    "Green Algorithms uses 0.3725 W/GB)"
)
_GIB = float(1 << 30)


class DramEstimateMeter:
    """Cumulative DRAM energy from memory size x ``W_PER_GIB`` (rectangle rule on the size at each read)."""

    def __init__(
        self, *, clock: Clock, psutil: PsutilLike, scope: str = "machine", pid: int | None = None
    ) -> None:
        if scope not in ("machine", "process"):
            raise InvalidValueError("scope", scope, "must be one of machine, process")
        self._clock = clock
        self._psutil = psutil
        self._scope = scope
        self._pid = os.getpid() if pid is None else pid
        self._last_t = clock.monotonic()
        self._last_gib = self._gib()
        self._energy_j = 0.0
        self._closed = False

    def _gib(self) -> float:
        if self._scope == "machine":
            size = self._psutil.virtual_memory_total_bytes()
        else:
            try:
                size = self._psutil.process_tree_rss_bytes(self._pid)
            except MeterError:
                if getattr(self, "_last_gib", None) is None:
                    raise  # gone before the first reading: a wrong pid
                return 0.0  # the process has ended: it holds no memory any more
        if size < 0:
            raise MeterError(f"memory size {size} bytes is negative")
        return size / _GIB

    @property
    def meter_id(self) -> str:
        return "dram-estimate"

    @property
    def component(self) -> str:
        return "dram"

    @property
    def method(self) -> str:
        return "dram-model"

    @property
    def source(self) -> str:
        what = "installed memory" if self._scope == "machine" else "resident memory of the process tree"
        return f"estimate: {what} ({self._last_gib:.3g} GiB) x {W_PER_GIB} W/GiB"

    @property
    def is_estimate(self) -> bool:
        return True

    def parameters(self) -> dict[str, float | str]:
        return {
            "memory_gib": self._last_gib,
            "w_per_gib": W_PER_GIB,
            "w_per_gib_source": W_PER_GIB_SOURCE,
            "scope": self._scope,
        }

    def read_energy_j(self) -> float:
        if self._closed:
            raise MeterError("meter dram-estimate is closed")
        now = self._clock.monotonic()
        if now > self._last_t:
            self._energy_j += self._last_gib * W_PER_GIB * (now - self._last_t)
            self._last_t = now
            self._last_gib = self._gib()
        return self._energy_j

    def energy_bounds_j(self) -> tuple[float, float]:
        return (self._energy_j * W_PER_GIB_LOW_FRAC, self._energy_j * W_PER_GIB_HIGH_FRAC)

    def close(self) -> None:
        self._closed = True


class DramEstimateProvider:
    """The DRAM estimate, used when no RAPL DRAM zone is readable (``fallback_for = "dram"``)."""

    name = "dram-estimate"
    fallback_for = "dram"

    def __init__(
        self, *, scope: str = "machine", pid: int | None = None, psutil: PsutilLike | None = None
    ) -> None:
        if scope not in ("machine", "process"):
            raise InvalidValueError("--scope", scope, "must be one of machine, process")
        self._scope = scope
        self._pid = pid
        self._psutil = psutil or RealPsutil()

    def probe(self) -> ProbeResult:
        gib = self._psutil.virtual_memory_total_bytes() / _GIB
        return ProbeResult(
            provider=self.name,
            available=True,
            reason=f"estimate: memory x {W_PER_GIB} W/GiB ({self._scope} scope; {gib:.3g} GiB installed)",
        )

    def open(self, *, clock: Clock) -> list[Meter]:
        return [DramEstimateMeter(clock=clock, psutil=self._psutil, scope=self._scope, pid=self._pid)]
