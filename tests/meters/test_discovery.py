"""Discovery: counters first, estimates only where no counter covers the component; AMD provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlfootprint.meters.amd import AMDSMIProvider
from mlfootprint.meters.discovery import default_providers, open_meters
from mlfootprint.testing import (
    FakeAMDGPU,
    FakeAMDSMI,
    FakeClock,
    FakeGPU,
    FakeNVML,
    FakePsutil,
    make_rapl_zone,
)


def _providers(tmp_path: Path, clock: FakeClock, **kwargs: object):  # type: ignore[no-untyped-def]
    proc = tmp_path / "proc"
    proc.mkdir(exist_ok=True)
    (proc / "cpuinfo").write_text("processor\t: 0\nmodel name\t: AMD EPYC 7713 64-Core Processor\n")
    defaults: dict[str, object] = {
        "nvml": FakeNVML([], clock=clock, init_error=12),
        "amdsmi": FakeAMDSMI([], clock=clock, init_error=1),
        "rapl_root": tmp_path / "powercap",
        "proc_root": proc,
        "cgroup_root": tmp_path / "cgroup",
        "psutil": FakePsutil(),
        "env": {},
    }
    defaults.update(kwargs)
    return default_providers(**defaults)  # type: ignore[arg-type]


def test_vm_without_counters_uses_both_estimates(tmp_path: Path, clock: FakeClock) -> None:
    meter_set = open_meters(_providers(tmp_path, clock), clock=clock)
    assert [(m.meter_id, m.method) for m in meter_set.meters] == [
        ("cpu-estimate", "tdp-utilisation"),
        ("dram-estimate", "dram-model"),
    ]
    by_name = {p.provider: p for p in meter_set.probes}
    assert list(by_name) == ["nvml", "amdsmi", "rapl", "cpu-estimate", "dram-estimate"]
    assert not by_name["nvml"].available and not by_name["rapl"].available


def test_rapl_with_dram_replaces_both_estimates(tmp_path: Path, clock: FakeClock) -> None:
    make_rapl_zone(tmp_path / "powercap", subzones={"dram": 0})
    nvml = FakeNVML([FakeGPU()], clock=clock)
    meter_set = open_meters(_providers(tmp_path, clock, nvml=nvml), clock=clock)
    assert [m.meter_id for m in meter_set.meters] == ["nvml:0", "rapl:package-0", "rapl:package-0/dram"]
    by_name = {p.provider: p for p in meter_set.probes}
    assert "not needed" in by_name["cpu-estimate"].reason
    assert "not needed" in by_name["dram-estimate"].reason
    meter_set.close()
    assert nvml.init_count == 0


def test_rapl_without_dram_keeps_dram_estimate(tmp_path: Path, clock: FakeClock) -> None:
    make_rapl_zone(tmp_path / "powercap")
    meter_set = open_meters(_providers(tmp_path, clock), clock=clock)
    assert [m.meter_id for m in meter_set.meters] == ["rapl:package-0", "dram-estimate"]


def test_unreadable_rapl_falls_back_to_estimate(tmp_path: Path, clock: FakeClock) -> None:
    zone = make_rapl_zone(tmp_path / "powercap", subzones={"dram": 0})
    (zone / "energy_uj").unlink()
    (zone / "energy_uj").mkdir()  # reading a directory fails even for root
    meter_set = open_meters(_providers(tmp_path, clock), clock=clock)
    assert [m.meter_id for m in meter_set.meters] == ["cpu-estimate", "dram-estimate"]
    assert not {p.provider: p for p in meter_set.probes}["rapl"].available


def test_real_discovery_here_never_raises() -> None:
    """Discovery on this real machine opens at least the CPU and DRAM estimates (its speed is measured
    by benchmarks/startup.py, not asserted here: machines are noisy)."""
    from mlfootprint.clock import SystemClock

    meter_set = open_meters(default_providers(), clock=SystemClock())
    meter_set.close()
    assert {m.component for m in meter_set.meters} >= {"cpu", "dram"}


def test_amd_counter_and_visibility(clock: FakeClock) -> None:
    amd = FakeAMDSMI([FakeAMDGPU(power_w=200.0), FakeAMDGPU(power_w=100.0, legacy_keys=True)], clock=clock)
    meters = AMDSMIProvider(amdsmi=amd, env={"HIP_VISIBLE_DEVICES": "1"}).open(clock=clock)
    assert [m.meter_id for m in meters] == ["amdsmi:1"]
    clock.advance(10.0)
    assert meters[0].read_energy_j() == pytest.approx(1000.0, abs=0.01)
    assert meters[0].method == "counter"


def test_amd_probe_without_library_says_how_to_install(clock: FakeClock) -> None:
    probe = AMDSMIProvider(amdsmi=FakeAMDSMI([], clock=clock, init_error=1), env={}).probe()
    assert not probe.available and probe.fix and "mlfootprint[amd]" in probe.fix
