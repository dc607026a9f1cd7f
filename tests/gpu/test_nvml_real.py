"""The meter contract against real NVML (skipped where NVML cannot initialise)."""

from __future__ import annotations

import time

import pytest

from mlfootprint.clock import SystemClock
from mlfootprint.errors import MeterUnavailableError
from mlfootprint.meters.base import Meter
from mlfootprint.meters.nvml import NVMLMeter, NVMLProvider

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def provider() -> NVMLProvider:
    pynvml = pytest.importorskip("pynvml")
    candidate = NVMLProvider(nvml=pynvml)
    probe = candidate.probe()
    if not probe.available:
        pytest.skip(f"NVML not usable here: {probe.reason}")
    return candidate


def test_real_meters_follow_the_contract(provider: NVMLProvider) -> None:
    meters = provider.open(clock=SystemClock())
    try:
        assert meters
        for meter in meters:
            assert isinstance(meter, Meter)
            assert meter.component == "gpu" and meter.method in {"counter", "sampled-power"}
            assert meter.read_energy_j() >= 0.0
        previous = [m.read_energy_j() for m in meters]
        for _ in range(10):
            time.sleep(0.1)
            current = [m.read_energy_j() for m in meters]
            assert all(c >= p for c, p in zip(current, previous, strict=True))
            previous = current
        assert all(p > 0.0 for p in previous), "an idle GPU still draws power"
        assert all(p < 1000.0 * 1.5 for p in previous), "no GPU draws 1 kW"
    finally:
        for meter in meters:
            meter.close()


def test_real_sampling_path_agrees_with_counter(provider: NVMLProvider) -> None:
    import pynvml

    pynvml.nvmlInit()
    counter = NVMLMeter(0, nvml=pynvml, clock=SystemClock())
    pynvml.nvmlInit()
    sampled = NVMLMeter(0, nvml=pynvml, clock=SystemClock(), prefer_counter=False)
    try:
        if counter.method != "counter":
            pytest.skip("this GPU has no energy counter")
        for _ in range(30):
            time.sleep(0.1)
            counter.read_energy_j()
            sampled.read_energy_j()
        c, s = counter.read_energy_j(), sampled.read_energy_j()
        assert s == pytest.approx(c, rel=0.15)
    finally:
        counter.close()
        sampled.close()


def test_hidden_gpus_give_unavailable(provider: NVMLProvider) -> None:
    import pynvml

    with pytest.raises(MeterUnavailableError):
        NVMLProvider(nvml=pynvml, env={"CUDA_VISIBLE_DEVICES": ""}).open(clock=SystemClock())
