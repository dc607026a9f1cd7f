"""Runs built as RunRecord values with consistent totals, and their samples."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mlfootprint.records import ComponentEnergy, PhaseRecord, RunRecord, Sample

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def build_run(
    run_id: str = "run000001",
    *,
    project: str = "nmt",
    name: str = "transformer-big",
    tags: dict[str, str] | None = None,
    started_at: datetime = T0,
    duration_s: float = 3600.0,
    gpus: int = 2,
    gpu_w: float = 250.0,
    cpu_w: float = 60.0,
    pue: float = 1.5,
    intensity_g_per_kwh: float = 400.0,
    cfe_pct: float | None = None,
) -> RunRecord:
    comps = [
        ComponentEnergy(
            meter_id=f"nvml:{i}",
            component="gpu",
            source="NVML total-energy counter (NVIDIA A100-SXM4-40GB)",
            method="counter",
            is_estimate=False,
            energy_j=gpu_w * duration_s,
            energy_j_low=0.95 * gpu_w * duration_s,
            energy_j_high=1.05 * gpu_w * duration_s,
        )
        for i in range(gpus)
    ]
    comps.append(
        ComponentEnergy(
            meter_id="cpu-estimate",
            component="cpu",
            source="TDP x utilisation (Intel Xeon Gold 6248, 150 W TDP)",
            method="tdp-utilisation",
            is_estimate=True,
            energy_j=cpu_w * duration_s,
            energy_j_low=0.5 * cpu_w * duration_s,
            energy_j_high=1.1 * cpu_w * duration_s,
        )
    )
    it = sum(c.energy_j for c in comps)
    energy = it * pue
    kwh = energy / 3.6e6
    co2 = kwh * intensity_g_per_kwh
    return RunRecord(
        id=run_id,
        project=project,
        name=name,
        tags=tags or {},
        status="finished",
        exit_code=0,
        started_at=started_at,
        ended_at=started_at + timedelta(seconds=duration_s),
        heartbeat_at=started_at + timedelta(seconds=duration_s),
        duration_s=duration_s,
        it_energy_j=it,
        energy_j=energy,
        energy_j_low=0.8 * energy,
        energy_j_high=1.2 * energy,
        co2e_g=co2,
        co2e_g_low=0.7 * co2,
        co2e_g_high=1.3 * co2,
        co2e_g_net=None if cfe_pct is None else co2 * (1 - cfe_pct / 100),
        pue=pue,
        pue_source="Uptime Institute 2023 survey average",
        intensity_g_per_kwh=intensity_g_per_kwh,
        intensity_source="Ember 2023 annual average, Germany",
        region="DEU",
        components=tuple(comps),
        phases=(
            PhaseRecord(
                name="train_epoch_1",
                parent=None,
                started_at=started_at,
                ended_at=started_at + timedelta(seconds=duration_s / 2),
                duration_s=duration_s / 2,
                energy_j=it / 2,
                components={"nvml:0": gpu_w * duration_s / 2},
            ),
        ),
        hostname="node-1",
    )


def build_samples(run: RunRecord, *, interval_s: float = 60.0) -> list[Sample]:
    """Cumulative energy samples: GPUs ramp from 50 % to full power over the run, CPU flat."""
    out: list[Sample] = []
    n = int(run.duration_s // interval_s)
    for c in run.components:
        mean_w = c.energy_j / run.duration_s
        energy = 0.0
        for k in range(n + 1):
            t = k * interval_s
            if k:
                frac = 0.5 + 0.5 * (k / n) if c.component == "gpu" else 1.0
                energy += mean_w * frac * interval_s
            out.append(
                Sample(meter_id=c.meter_id, at=run.started_at + timedelta(seconds=t), t_s=t, energy_j=energy)
            )
    return out
