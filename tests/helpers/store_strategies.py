"""Run records for the store and serialisation tests: one fully populated run and a strategy."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from mlfootprint.records import Assumption, ComponentEnergy, PhaseRecord, RunRecord, Sample

T0 = datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)


def make_run(run_id: str = "01HQ0000000000000000000001", **overrides: Any) -> RunRecord:
    """A run with every field set to a distinctive value."""
    run = RunRecord(
        id=run_id,
        project="sweep-7",
        name="bert-lr3e-4",
        tags={"lr": "3e-4", "seed": "1"},
        status="finished",
        exit_code=0,
        started_at=T0,
        ended_at=T0 + timedelta(seconds=3600.5),
        heartbeat_at=T0 + timedelta(seconds=3600),
        duration_s=3600.5,
        it_energy_j=7.2e6,
        energy_j=7.92e6,
        energy_j_low=7.0e6,
        energy_j_high=9.1e6,
        co2e_g=880.0,
        co2e_g_low=700.0,
        co2e_g_high=1100.0,
        co2e_g_net=120.5,
        pue=1.1,
        pue_source="Google 2021 fleet average (user setting)",
        intensity_g_per_kwh=400.0,
        intensity_source="Ember 2023 annual, DE",
        region="DE",
        components=(
            ComponentEnergy(
                meter_id="nvml:0",
                component="gpu",
                source="NVML total-energy counter (NVIDIA A100)",
                method="counter",
                is_estimate=False,
                energy_j=6.0e6,
                energy_j_low=5.9e6,
                energy_j_high=6.1e6,
            ),
            ComponentEnergy(
                meter_id="cpu-estimate",
                component="cpu",
                source="TDP x utilisation (EPYC 7B12, 2 of 64 cores)",
                method="tdp-utilisation",
                is_estimate=True,
                energy_j=1.2e6,
                energy_j_low=0.6e6,
                energy_j_high=1.8e6,
            ),
        ),
        phases=(
            PhaseRecord(
                name="train",
                parent=None,
                started_at=T0,
                ended_at=T0 + timedelta(seconds=3000),
                duration_s=3000.0,
                energy_j=6.0e6,
                components={"nvml:0": 5.0e6, "cpu-estimate": 1.0e6},
            ),
            PhaseRecord(
                name="epoch-1",
                parent="train",
                started_at=T0 + timedelta(seconds=1),
                ended_at=None,
                duration_s=12.25,
                energy_j=1.5e4,
                components={},
            ),
        ),
        command=("python", "train.py", "--lr", "3e-4"),
        hostname="node-17",
        pid=4242,
        flush_interval_s=5.0,
        scope="process",
        intensity_zone="DE",
        intensity_resolution="hourly",
        assumptions=(
            Assumption(name="pue", value=1.1, unit="", source="user setting"),
            Assumption(name="cpu_tdp_w", value=240, unit="W", source="cpus.csv"),
            Assumption(name="region", value="DE", unit="", source="--region"),
            Assumption(name="dram", value=None, unit="W", source="not measured"),
        ),
        extra={"baseline_co2e_g": 990.5, "note": "shifted", "nested": {"a": [1, 2.5, None]}},
    )
    return replace(run, **overrides)


def make_samples(meter_id: str, t_s: list[float], start: datetime = T0) -> list[Sample]:
    return [
        Sample(
            meter_id=meter_id, at=start + timedelta(seconds=t), t_s=t, energy_j=100.0 * t, power_w=100.0 + t
        )
        for t in t_s
    ]


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20
)
# zero or a normal float: below ~1e-300 a division by 3.6e6 runs into subnormals and loses digits
_float = st.just(0.0) | st.floats(min_value=1e-9, max_value=1e15, allow_nan=False, allow_infinity=False)
_times = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(timezone.utc)
)
_components = st.builds(
    ComponentEnergy, meter_id=_text, component=st.sampled_from(["gpu", "cpu", "dram", "psys", "other"]),
    source=_text, method=st.sampled_from(["counter", "sampled-power", "tdp-utilisation", "dram-model"]),
    is_estimate=st.booleans(), energy_j=_float, energy_j_low=_float, energy_j_high=_float,
)  # fmt: skip
_phases = st.builds(
    PhaseRecord, name=_text, parent=st.none() | _text, started_at=_times, ended_at=st.none() | _times,
    duration_s=_float, energy_j=_float, components=st.dictionaries(_text, _float, max_size=3),
)  # fmt: skip
_assumptions = st.builds(
    Assumption,
    name=_text,
    value=st.none() | _float | _text | st.integers(-1000, 1000),
    unit=_text,
    source=_text,
)
_json_leaf = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _float | _text
_extra = st.dictionaries(
    _text, st.recursive(_json_leaf, lambda c: st.lists(c, max_size=3), max_leaves=5), max_size=3
)

runs = st.builds(
    RunRecord, id=st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=26, max_size=26),
    project=_text,
    name=_text, tags=st.dictionaries(_text, _text, max_size=3),
    status=st.sampled_from(["finished", "failed"]), exit_code=st.none() | st.integers(-255, 255),
    started_at=_times, ended_at=st.none() | _times, heartbeat_at=st.none() | _times, duration_s=_float,
    it_energy_j=_float, energy_j=_float, energy_j_low=_float, energy_j_high=_float, co2e_g=_float,
    co2e_g_low=_float, co2e_g_high=_float, co2e_g_net=st.none() | _float,
    pue=st.floats(1.0, 3.0), pue_source=_text, intensity_g_per_kwh=st.just(0.0) | st.floats(1e-6, 1500.0),
    intensity_source=_text,
    region=st.none() | _text, components=st.lists(_components, max_size=3).map(tuple),
    phases=st.lists(_phases, max_size=3).map(tuple), command=st.lists(_text, max_size=3).map(tuple),
    hostname=_text, pid=st.none() | st.integers(1, 2**31), flush_interval_s=st.floats(0.05, 3600.0),
    scope=st.sampled_from(["machine", "process"]), intensity_zone=st.none() | _text,
    intensity_resolution=st.sampled_from(["annual", "hourly"]),
    assumptions=st.lists(_assumptions, max_size=3).map(tuple), extra=_extra,
)  # fmt: skip
