"""RAPL through real powercap-style files under tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlfootprint.errors import MeterError
from mlfootprint.meters.rapl import RAPLProvider
from mlfootprint.testing import FakeClock, make_rapl_zone, write_energy_uj


def _ids(provider: RAPLProvider, clock: FakeClock) -> dict[str, str]:
    return {m.meter_id: m.component for m in provider.open(clock=clock)}


def test_package_and_dram_counted_core_and_uncore_not(tmp_path: Path, clock: FakeClock) -> None:
    pkg = make_rapl_zone(
        tmp_path, name="package-0", energy_uj=1_000, subzones={"core": 0, "uncore": 0, "dram": 5}
    )
    provider = RAPLProvider(tmp_path)
    meters = provider.open(clock=clock)
    assert {m.meter_id: m.component for m in meters} == {
        "rapl:package-0": "cpu",
        "rapl:package-0/dram": "dram",
    }
    write_energy_uj(pkg, 3_001_000)
    write_energy_uj(pkg / "intel-rapl:0:0", 2_000_000)  # core: inside the package, never added
    write_energy_uj(pkg / "intel-rapl:0:2", 500_005)
    by_id = {m.meter_id: m.read_energy_j() for m in meters}
    assert by_id == {"rapl:package-0": pytest.approx(3.0), "rapl:package-0/dram": pytest.approx(0.5)}
    assert all(m.method == "counter" and not m.is_estimate for m in meters)


def test_two_sockets(tmp_path: Path, clock: FakeClock) -> None:
    make_rapl_zone(tmp_path, name="package-0", subzones={"dram": 0})
    make_rapl_zone(tmp_path, name="package-1", subzones={"dram": 0})
    assert _ids(RAPLProvider(tmp_path), clock) == {
        "rapl:package-0": "cpu",
        "rapl:package-0/dram": "dram",
        "rapl:package-1": "cpu",
        "rapl:package-1/dram": "dram",
    }


def test_psys_not_added_beside_package(tmp_path: Path, clock: FakeClock) -> None:
    make_rapl_zone(tmp_path, name="package-0", subzones={"core": 0})
    make_rapl_zone(tmp_path, name="psys")
    provider = RAPLProvider(tmp_path)
    assert _ids(provider, clock) == {"rapl:package-0": "cpu"}
    probe = provider.probe()
    assert probe.available
    assert any("psys" in d and "not counted" in d for d in probe.devices)
    assert provider.components == frozenset({"cpu"})


def test_psys_alone_is_used(tmp_path: Path, clock: FakeClock) -> None:
    make_rapl_zone(tmp_path, name="psys")
    assert _ids(RAPLProvider(tmp_path), clock) == {"rapl:psys": "psys"}


def test_mmio_duplicate_of_package_skipped(tmp_path: Path, clock: FakeClock) -> None:
    make_rapl_zone(tmp_path, name="package-0")
    make_rapl_zone(tmp_path, name="package-0", prefix="intel-rapl-mmio")
    assert _ids(RAPLProvider(tmp_path), clock) == {"rapl:package-0": "cpu"}


def test_amd_rapl_names_accepted(tmp_path: Path, clock: FakeClock) -> None:
    make_rapl_zone(tmp_path, name="package-0", prefix="amd-rapl")
    assert _ids(RAPLProvider(tmp_path), clock) == {"rapl:package-0": "cpu"}


def test_wraparound_through_max_energy_range(tmp_path: Path, clock: FakeClock) -> None:
    pkg = make_rapl_zone(tmp_path, energy_uj=999_000_000, max_energy_range_uj=1_000_000_000)
    (meter,) = RAPLProvider(tmp_path).open(clock=clock)
    write_energy_uj(pkg, 999_900_000)
    assert meter.read_energy_j() == pytest.approx(0.9)
    write_energy_uj(pkg, 400_000)  # wrapped: 100_000 + 400_000 more
    assert meter.read_energy_j() == pytest.approx(1.4)
    write_energy_uj(pkg, 2_400_000)
    assert meter.read_energy_j() == pytest.approx(3.4)


def test_missing_root_is_unavailable_with_reason(tmp_path: Path) -> None:
    probe = RAPLProvider(tmp_path / "absent").probe()
    assert not probe.available
    assert "no RAPL zones" in probe.reason
    assert probe.fix and "modprobe" in probe.fix


def _refusing_reader(path: Path) -> str:
    if path.name == "energy_uj":
        raise PermissionError(13, "Permission denied", str(path))
    return path.read_text(encoding="ascii")


def test_unreadable_counter_reported_with_both_fixes(tmp_path: Path) -> None:
    make_rapl_zone(tmp_path, name="package-0")
    probe = RAPLProvider(tmp_path, read_text=_refusing_reader).probe()
    assert not probe.available
    assert "root only" in probe.reason
    assert probe.fix is not None
    assert "chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj" in probe.fix
    assert "udev" in probe.fix


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_counter_real_chmod(tmp_path: Path) -> None:
    pkg = make_rapl_zone(tmp_path, name="package-0")
    (pkg / "energy_uj").chmod(0)
    probe = RAPLProvider(tmp_path).probe()
    assert not probe.available
    assert "root only" in probe.reason


def test_garbage_counter_is_a_meter_error(tmp_path: Path, clock: FakeClock) -> None:
    pkg = make_rapl_zone(tmp_path)
    (meter,) = RAPLProvider(tmp_path).open(clock=clock)
    (pkg / "energy_uj").write_text("not a number\n")
    with pytest.raises(MeterError, match="cannot read"):
        meter.read_energy_j()
