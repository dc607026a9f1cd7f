"""NVML meters driven by FakeNVML: counter and sampling paths, CUDA_VISIBLE_DEVICES, error translation."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlfootprint.errors import MeterError, MeterUnavailableError
from mlfootprint.meters.nvml import NVMLLibrary, NVMLMeter, NVMLProvider, visible_nvml_indices
from mlfootprint.testing import FakeClock, FakeGPU, FakeNVML, StepTrace

UUIDS = [
    "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6",
    "GPU-1a2b3c4d-0000-1111-2222-333344445555",
    "GPU-1a2b9999-0000-1111-2222-333344445555",
    "GPU-ffffffff-0000-1111-2222-333344445555",
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, (0, 1, 2, 3)),
        ("", ()),
        ("0", (0,)),
        ("2,0", (2, 0)),
        (" 1 , 3 ", (1, 3)),
        ("0,7,1", (0,)),  # 7 does not exist: the list ends there
        ("1,-1,2", (1,)),  # invalid entry ends the list
        ("0,0,1", (0,)),  # repeated entry ends the list
        ("GPU-8932f937-d72c-4106-c12f-20bd9faed9f6", (0,)),
        ("gpu-ffffffff", (3,)),  # unique UUID prefix, any case
        ("GPU-1a2b,0", ()),  # ambiguous prefix is invalid
        ("GPU-1a2b9,1", (2, 1)),
        ("3,GPU-nonexistent,0", (3,)),
        ("MIG-abc", ()),
        ("abc", ()),
    ],
)
def test_cuda_visible_devices_table(value: str | None, expected: tuple[int, ...]) -> None:
    assert visible_nvml_indices(value, UUIDS) == expected


def _gpus(n: int, **kwargs: object) -> list[FakeGPU]:
    return [FakeGPU(uuid=UUIDS[i], **kwargs) for i in range(n)]  # type: ignore[arg-type]


def test_protocol_calls_exist_in_real_pynvml_and_in_the_fake() -> None:
    pynvml = pytest.importorskip("pynvml")
    declared = [n for n in vars(NVMLLibrary) if n.startswith("nvml") or n == "NVMLError"]
    assert len(declared) == 9
    for name in declared:
        assert hasattr(pynvml, name), name
        assert hasattr(FakeNVML, name), name


def test_counter_path_reads_total_energy_exactly(clock: FakeClock) -> None:
    nvml = FakeNVML([FakeGPU(power_w=StepTrace([(0.0, 100.0), (10.0, 300.0)]))], clock=clock)
    provider = NVMLProvider(nvml=nvml, env={})
    (meter,) = provider.open(clock=clock)
    assert meter.method == "counter"
    assert meter.source == "NVML total-energy counter (NVIDIA A100-SXM4-40GB)"
    assert meter.read_energy_j() == 0.0
    clock.advance(15.0)
    assert meter.read_energy_j() == pytest.approx(100 * 10 + 300 * 5, abs=1e-3)


def test_sampling_path_when_counter_not_supported(clock: FakeClock) -> None:
    nvml = FakeNVML(
        [FakeGPU(name="Tesla P100-PCIE-16GB", has_energy_counter=False, power_w=150.0)], clock=clock
    )
    (meter,) = NVMLProvider(nvml=nvml, env={}).open(clock=clock)
    assert meter.method == "sampled-power"
    assert "Tesla P100" in meter.source
    for _ in range(10):
        clock.advance(1.0)
        meter.read_energy_j()
    assert meter.read_energy_j() == pytest.approx(1500.0)


def test_one_meter_per_visible_gpu_in_cuda_order(clock: FakeClock) -> None:
    nvml = FakeNVML(_gpus(4), clock=clock)
    meters = NVMLProvider(nvml=nvml, env={"CUDA_VISIBLE_DEVICES": "3,GPU-8932"}).open(clock=clock)
    assert [m.meter_id for m in meters] == ["nvml:3", "nvml:0"]
    assert nvml.init_count == 2  # one NVML reference per meter
    for m in meters:
        m.close()
    assert nvml.init_count == 0


def test_probe_lists_devices_and_balances_init(clock: FakeClock) -> None:
    nvml = FakeNVML(_gpus(2), clock=clock)
    probe = NVMLProvider(nvml=nvml, env={}).probe()
    assert probe.available
    assert probe.devices == (
        f"0: NVIDIA A100-SXM4-40GB ({UUIDS[0]})",
        f"1: NVIDIA A100-SXM4-40GB ({UUIDS[1]})",
    )
    assert nvml.init_count == 0


def test_probe_reports_missing_driver(clock: FakeClock) -> None:
    probe = NVMLProvider(nvml=FakeNVML([], clock=clock, init_error=12), env={}).probe()
    assert not probe.available
    assert "no NVIDIA driver" in probe.reason
    assert probe.fix


def test_probe_reports_all_hidden(clock: FakeClock) -> None:
    probe = NVMLProvider(nvml=FakeNVML(_gpus(2), clock=clock), env={"CUDA_VISIBLE_DEVICES": ""}).probe()
    assert not probe.available
    assert "CUDA_VISIBLE_DEVICES" in probe.reason


def test_open_without_driver_raises_unavailable(clock: FakeClock) -> None:
    with pytest.raises(MeterUnavailableError, match="no NVIDIA driver"):
        NVMLProvider(nvml=FakeNVML([], clock=clock, init_error=9), env={}).open(clock=clock)


@pytest.mark.parametrize("has_counter", [True, False])
def test_read_errors_become_meter_errors_never_zeros(clock: FakeClock, has_counter: bool) -> None:
    gpu = FakeGPU(has_energy_counter=has_counter)
    nvml = FakeNVML([gpu], clock=clock)
    (meter,) = NVMLProvider(nvml=nvml, env={}).open(clock=clock)
    clock.advance(1.0)
    first = meter.read_energy_j()
    assert first > 0
    gpu.read_error = 15  # GPU is lost
    clock.advance(1.0)
    with pytest.raises(MeterError, match="GPU 0"):
        meter.read_energy_j()


def test_counter_error_other_than_not_supported_fails_open(clock: FakeClock) -> None:
    nvml = FakeNVML([FakeGPU(read_error=999)], clock=clock)
    nvml.nvmlInit()
    with pytest.raises(MeterError):
        NVMLMeter(0, nvml=nvml, clock=clock)


def test_counter_going_backwards_is_an_error(clock: FakeClock) -> None:
    gpu = FakeGPU()
    nvml = FakeNVML([gpu], clock=clock)
    (meter,) = NVMLProvider(nvml=nvml, env={}).open(clock=clock)
    clock.advance(1.0)
    meter.read_energy_j()
    gpu.energy_start_mj = 0  # driver reloaded: the counter restarts
    with pytest.raises(MeterError, match="backwards"):
        meter.read_energy_j()


def test_bounds_are_nvidia_stated_five_percent(clock: FakeClock) -> None:
    (meter,) = NVMLProvider(nvml=FakeNVML([FakeGPU(power_w=200.0)], clock=clock), env={}).open(clock=clock)
    clock.advance(10.0)
    energy = meter.read_energy_j()
    assert energy == pytest.approx(2000.0, abs=1e-3)
    assert meter.energy_bounds_j() == pytest.approx((1900.0, 2100.0), abs=1e-3)  # type: ignore[attr-defined]


def test_a_missing_driver_is_known_without_loading_nvml(tmp_path: Path) -> None:
    from mlfootprint.meters.nvml import driver_absent_reason

    driver = tmp_path / "proc-driver-nvidia"
    wsl = tmp_path / "libnvidia-ml.so.1"
    reason = driver_absent_reason((driver, wsl), platform="linux")
    assert reason is not None and "no NVIDIA driver" in reason and str(driver) in reason
    wsl.write_bytes(b"")
    assert driver_absent_reason((driver, wsl), platform="linux") is None
    wsl.unlink()
    driver.mkdir()
    assert driver_absent_reason((driver, wsl), platform="linux") is None
    assert driver_absent_reason((tmp_path / "none",), platform="win32") is None  # NVML decides there


def test_a_missing_amd_driver_is_known_without_importing_amdsmi(tmp_path: Path) -> None:
    from mlfootprint.meters.amd import amd_driver_absent_reason

    module, kfd = tmp_path / "amdgpu", tmp_path / "kfd"
    reason = amd_driver_absent_reason((module, kfd), platform="linux")
    assert reason is not None and "no AMD GPU driver" in reason and str(module) in reason
    kfd.write_bytes(b"")
    assert amd_driver_absent_reason((module, kfd), platform="linux") is None
    assert amd_driver_absent_reason((tmp_path / "none",), platform="win32") is None


def test_total_memory_is_read_without_psutil() -> None:
    import os

    from mlfootprint.meters.host import RealPsutil

    psutil = pytest.importorskip("psutil")
    total = RealPsutil().virtual_memory_total_bytes()
    assert total == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert abs(total - psutil.virtual_memory().total) <= 4096  # the same figure psutil reports
