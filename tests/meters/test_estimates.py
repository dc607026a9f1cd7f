"""CPU and DRAM estimates with a fake psutil, a fake /proc/cpuinfo and cgroup files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mlfootprint.errors import InvalidValueError
from mlfootprint.meters.cpu_estimate import CpuEstimateProvider
from mlfootprint.meters.dram import DramEstimateProvider
from mlfootprint.meters.host import cgroup_cpu_limit, read_cpuinfo
from mlfootprint.testing import FakeClock, FakePsutil

EPYC_CPUINFO = "".join(
    f"processor\t: {i}\nmodel name\t: AMD EPYC 7713 64-Core Processor\nsiblings\t: 2\ncpu cores\t: 1\n\n"
    for i in range(2)
)


@dataclass(frozen=True)
class Row:
    name: str
    cores: int | None
    threads: int | None
    tdp_w: float
    tdp_per_core_w: float
    source: str
    is_fallback: bool


EPYC_7713 = Row("AMD EPYC 7713", 64, 128, 225.0, 225.0 / 64, "AMD datasheet", False)
FALLBACK = Row("unknown CPU (fallback)", None, None, 85.0, 12.0, "Green Algorithms", True)


def _lookup(name: str) -> Row | None:
    return EPYC_7713 if "7713" in name else None


def _provider(
    tmp_path: Path, psutil: FakePsutil, *, scope: str = "machine", quota: str | None = None
) -> CpuEstimateProvider:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True, exist_ok=True)
    (proc / "cpuinfo").write_text(EPYC_CPUINFO)
    (proc / "self" / "cgroup").write_text("0::/job.slice\n")
    cg = tmp_path / "cgroup"
    (cg / "job.slice").mkdir(parents=True, exist_ok=True)
    if quota is not None:
        (cg / "job.slice" / "cpu.max").write_text(quota)
    return CpuEstimateProvider(
        scope=scope,
        pid=1234,
        psutil=psutil,
        proc_root=proc,
        cgroup_root=cg,
        affinity=lambda: {0, 1},
        lookup=_lookup,
        fallback=lambda: FALLBACK,
    )


def test_cpuinfo_parsing(tmp_path: Path) -> None:
    path = tmp_path / "cpuinfo"
    path.write_text(EPYC_CPUINFO)
    info = read_cpuinfo(path)
    assert (info.model_name, info.logical_cpus, info.smt) == ("AMD EPYC 7713 64-Core Processor", 2, 2)
    assert read_cpuinfo(tmp_path / "absent").model_name is None


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, None),
        ({"job.slice/cpu.max": "max 100000"}, None),
        ({"job.slice/cpu.max": "150000 100000"}, 1.5),
        ({"cpu.max": "400000 100000", "job.slice/cpu.max": "max 100000"}, 4.0),
        ({"cpu.max": "100000 100000", "job.slice/cpu.max": "300000 100000"}, 1.0),
        ({"job.slice/cpu.max": "garbage"}, None),
    ],
)
def test_cgroup_quota_tightest_ancestor(
    tmp_path: Path, files: dict[str, str], expected: float | None
) -> None:
    (tmp_path / "proc" / "self").mkdir(parents=True)
    (tmp_path / "proc" / "self" / "cgroup").write_text("0::/job.slice\n")
    (tmp_path / "cg" / "job.slice").mkdir(parents=True)
    for rel, text in files.items():
        (tmp_path / "cg" / rel).write_text(text)
    assert cgroup_cpu_limit(tmp_path / "cg", tmp_path / "proc") == expected


def test_vm_slice_of_epyc_gets_its_share_not_the_package(tmp_path: Path, clock: FakeClock) -> None:
    psutil = FakePsutil()
    provider = _provider(tmp_path, psutil)
    model, _ = provider.model()
    assert model.per_thread_w == pytest.approx(225.0 / 128)
    assert model.share_w == pytest.approx(2 * 225.0 / 128)  # 3.52 W at full load, not 225 W
    assert model.cores_share == pytest.approx(2 / 128)
    (meter,) = provider.open(clock=clock)
    assert meter.is_estimate and meter.method == "tdp-utilisation"
    psutil.run(10.0, 1.0)
    clock.advance(10.0)
    assert meter.read_energy_j() == pytest.approx(10 * 2 * 225.0 / 128)
    psutil.run(10.0, 0.0)
    clock.advance(10.0)
    assert meter.read_energy_j() == pytest.approx(10 * 2 * 225.0 / 128 * 1.3)  # idle adds 0.3 x share
    low, high = meter.energy_bounds_j()  # type: ignore[attr-defined]
    assert low < meter.read_energy_j() < high
    params = meter.parameters()  # type: ignore[attr-defined]
    assert params["tdp_w"] == 225.0 and params["idle_frac"] == 0.3


def test_half_load_is_linear_between_idle_and_full(tmp_path: Path, clock: FakeClock) -> None:
    psutil = FakePsutil()
    (meter,) = _provider(tmp_path, psutil).open(clock=clock)
    psutil.run(4.0, 0.5)
    clock.advance(4.0)
    share = 2 * 225.0 / 128
    assert meter.read_energy_j() == pytest.approx(4.0 * share * (0.3 + 0.7 * 0.5))


def test_cgroup_quota_limits_the_share(tmp_path: Path) -> None:
    model, _ = _provider(tmp_path, FakePsutil(), quota="50000 100000").model()
    assert model.cpus_available == 0.5
    assert model.share_w == pytest.approx(0.5 * 225.0 / 128)


def test_process_scope_charges_the_tree_cpu_time(tmp_path: Path, clock: FakeClock) -> None:
    psutil = FakePsutil()
    (meter,) = _provider(tmp_path, psutil, scope="process").open(clock=clock)
    psutil.process_cpu_s += 5.0  # one of two CPUs busy for 5 s
    clock.advance(5.0)
    assert meter.read_energy_j() == pytest.approx(5.0 * 225.0 / 128)


def test_unknown_cpu_uses_fallback_per_core(tmp_path: Path, clock: FakeClock) -> None:
    provider = _provider(tmp_path, FakePsutil())
    (tmp_path / "proc" / "cpuinfo").write_text(
        EPYC_CPUINFO.replace("AMD EPYC 7713 64-Core Processor", "AMD EPYC")
    )
    model, _ = provider.model()
    assert model.is_fallback
    assert model.per_thread_w == pytest.approx(12.0 / 2)  # 12 W per core, 2 threads per core
    probe = provider.probe()
    assert "fallback" in probe.reason and probe.fix


def test_bad_scope_is_a_usage_error() -> None:
    with pytest.raises(InvalidValueError, match="scope"):
        CpuEstimateProvider(scope="galaxy")


def test_dram_machine_and_process_scope(clock: FakeClock) -> None:
    psutil = FakePsutil(total_memory_bytes=16 << 30, rss_bytes=2 << 30)
    (machine,) = DramEstimateProvider(psutil=psutil).open(clock=clock)
    (process,) = DramEstimateProvider(scope="process", pid=1, psutil=psutil).open(clock=clock)
    clock.advance(100.0)
    assert machine.read_energy_j() == pytest.approx(16 * 0.375 * 100)
    assert process.read_energy_j() == pytest.approx(2 * 0.375 * 100)
    assert machine.method == "dram-model" and machine.is_estimate
    assert machine.energy_bounds_j() == pytest.approx((300.0, 900.0))  # type: ignore[attr-defined]


class EndingPsutil(FakePsutil):
    """A process tree that ends (is reaped) after some readings, as a wrapped command does."""

    gone = False

    def process_tree_cpu_s(self, pid: int) -> float:
        if self.gone:
            from mlfootprint.errors import MeterError

            raise MeterError(f"tracked process {pid} is gone")
        return self.process_cpu_s


def test_process_scope_keeps_its_energy_once_the_process_has_ended(tmp_path: Path, clock: FakeClock) -> None:
    psutil = EndingPsutil()
    (meter,) = _provider(tmp_path, psutil, scope="process").open(clock=clock)
    psutil.process_cpu_s += 5.0
    clock.advance(5.0)
    before = meter.read_energy_j()
    assert before > 0
    psutil.gone = True
    clock.advance(5.0)
    assert meter.read_energy_j() == pytest.approx(before)  # no CPU after the end: nothing added


def test_per_cpu_times_come_from_proc_stat_without_psutil(tmp_path: Path) -> None:
    import os

    from mlfootprint.meters.host import proc_stat_cpu_times_s

    hz = os.sysconf("SC_CLK_TCK")
    stat = tmp_path / "stat"
    stat.write_text(
        "cpu  10 0 10 100 0 0 0 0 0 0\n"
        f"cpu0 {hz} {hz} {2 * hz} {10 * hz} {hz} {hz} {hz} 5 0 0\n"
        f"cpu1 0 0 0 {3 * hz} 0 0 0 0 0 0\n"
        "intr 1 2 3\n"
    )
    assert proc_stat_cpu_times_s(str(stat)) == {0: (6.0, 11.0), 1: (0.0, 3.0)}
    stat.write_text("cpu0 x y\n")
    assert proc_stat_cpu_times_s(str(stat)) is None  # not the expected form: psutil takes over
    assert proc_stat_cpu_times_s(str(tmp_path / "missing")) is None


def test_the_cpu_row_is_cached_per_user_and_read_back_alike() -> None:
    from mlfootprint.config import home_dir
    from mlfootprint.meters.cpu_estimate import _default_fallback, _default_lookup
    from mlfootprint.reference.cpus import cpu_fallback, find_cpu

    model = "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz"
    expected = find_cpu(model)
    assert expected is not None
    fields = ("name", "cores", "threads", "tdp_w", "tdp_per_core_w", "source", "is_fallback")
    for _ in range(2):  # computed and written, then read from the cache
        got = _default_lookup(model)
        assert got is not None and all(getattr(got, f) == getattr(expected, f) for f in fields)
    assert _default_lookup("no such CPU 9000") is None
    assert _default_lookup("no such CPU 9000") is None  # "not in the table" is cached too
    assert _default_fallback().tdp_per_core_w == cpu_fallback().tdp_per_core_w
    assert len(list((home_dir() / "cache" / "cpu").glob("*.json"))) == 3
