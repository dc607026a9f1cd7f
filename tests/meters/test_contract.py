"""The meter contract, for every meter type: starts at ~0, non-decreasing, wrap-corrected, typed metadata."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlfootprint.meters.amd import AMDSMIProvider
from mlfootprint.meters.base import BoundedMeter, Meter
from mlfootprint.meters.cpu_estimate import CpuEstimateProvider
from mlfootprint.meters.dram import DramEstimateProvider
from mlfootprint.meters.nvml import NVMLProvider
from mlfootprint.meters.rapl import RAPLProvider
from mlfootprint.records import METHODS
from mlfootprint.testing import (
    FakeAMDGPU,
    FakeAMDSMI,
    FakeClock,
    FakeGPU,
    FakeNVML,
    FakePsutil,
    StepTrace,
    make_rapl_zone,
    write_energy_uj,
)

TRACE = StepTrace([(0.0, 50.0), (3.0, 300.0), (6.0, 120.0)])
Tick = Callable[[float], None]  # advance the hardware by some seconds (beside the clock)


def _nvml(counter: bool) -> Callable[[Path, FakeClock], tuple[Meter, Tick]]:
    def make(tmp_path: Path, clock: FakeClock) -> tuple[Meter, Tick]:
        nvml = FakeNVML([FakeGPU(power_w=TRACE, has_energy_counter=counter)], clock=clock)
        return NVMLProvider(nvml=nvml, env={}).open(clock=clock)[0], lambda s: None

    return make


def _amd(counter: bool) -> Callable[[Path, FakeClock], tuple[Meter, Tick]]:
    def make(tmp_path: Path, clock: FakeClock) -> tuple[Meter, Tick]:
        amd = FakeAMDSMI([FakeAMDGPU(power_w=TRACE, has_energy_counter=counter)], clock=clock)
        return AMDSMIProvider(amdsmi=amd, env={}).open(clock=clock)[0], lambda s: None

    return make


def _rapl(tmp_path: Path, clock: FakeClock) -> tuple[Meter, Tick]:
    max_range = 10_000_000  # wraps every 10 J: the contract run crosses it several times
    zone = make_rapl_zone(tmp_path, energy_uj=9_000_000, max_energy_range_uj=max_range)
    state = {"uj": 9_000_000}

    def tick(seconds: float) -> None:
        state["uj"] = (state["uj"] + int(seconds * 4_000_000)) % max_range  # 4 W
        write_energy_uj(zone, state["uj"])

    return RAPLProvider(tmp_path).open(clock=clock)[0], tick


def _cpu(tmp_path: Path, clock: FakeClock) -> tuple[Meter, Tick]:
    psutil = FakePsutil()
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nmodel name\t: Mystery CPU\n")
    provider = CpuEstimateProvider(
        psutil=psutil,
        proc_root=tmp_path,
        cgroup_root=tmp_path / "none",
        affinity=lambda: {0, 1},
        lookup=lambda name: None,
        fallback=_fallback,
    )
    return provider.open(clock=clock)[0], lambda s: psutil.run(s, 0.6)


@dataclass(frozen=True)
class _Row:
    name: str = "unknown CPU (fallback)"
    cores: int | None = None
    threads: int | None = None
    tdp_w: float = 85.0
    tdp_per_core_w: float = 12.0
    source: str = "Green Algorithms"
    is_fallback: bool = True


def _fallback() -> _Row:
    return _Row()


def _dram(tmp_path: Path, clock: FakeClock) -> tuple[Meter, Tick]:
    return DramEstimateProvider(psutil=FakePsutil()).open(clock=clock)[0], lambda s: None


MAKERS = {
    "nvml-counter": _nvml(True),
    "nvml-sampled": _nvml(False),
    "amdsmi-counter": _amd(True),
    "amdsmi-sampled": _amd(False),
    "rapl": _rapl,
    "cpu-estimate": _cpu,
    "dram-estimate": _dram,
}


@pytest.mark.parametrize("kind", list(MAKERS))
def test_meter_contract(kind: str, tmp_path: Path, clock: FakeClock) -> None:
    meter, tick = MAKERS[kind](tmp_path, clock)
    assert isinstance(meter, Meter)
    assert isinstance(meter, BoundedMeter)
    assert meter.method in METHODS
    assert meter.component in {"gpu", "cpu", "dram", "psys", "other"}
    assert meter.source
    assert meter.is_estimate == (meter.method in {"tdp-utilisation", "dram-model"})
    assert meter.read_energy_j() == pytest.approx(0.0, abs=1e-3)
    previous = 0.0
    for _ in range(90):
        clock.advance(0.1)
        tick(0.1)
        value = meter.read_energy_j()
        assert value >= previous
        previous = value
    assert previous > 0.0
    low, high = meter.energy_bounds_j()  # type: ignore[attr-defined]
    assert low <= previous <= high
    if kind == "rapl":
        assert previous == pytest.approx(9 * 4.0, rel=1e-6)  # crossed the wrap three times
    meter.close()
