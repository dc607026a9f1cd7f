"""Frozen value objects that cross module boundaries.

Units are canonical inside (J, W, s, g, g/kWh); display units (kWh, kg) appear only when a record is
rendered (see ``mlfootprint.serialize``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from mlfootprint.provenance import Assumption, ComponentEnergy

__all__ = [
    "METHODS",
    "Assumption",
    "ComponentEnergy",
    "Method",
    "MetricValue",
    "PhaseRecord",
    "RunRecord",
    "RunStatus",
    "Sample",
    "WorkCounts",
]

#: How a number was obtained.
#: counter          read from a hardware energy counter (NVML total energy, RAPL)
#: sampled-power    integrated from power samples (NVML power gauge, amdsmi)
#: tdp-utilisation  estimated from TDP x utilisation (no counter readable)
#: dram-model       estimated from installed memory x W per GiB
#: published        a published measured average (e.g. Patterson 2021 Table 3)
#: user             given by the user
Method = Literal["counter", "sampled-power", "tdp-utilisation", "dram-model", "published", "user"]
METHODS: tuple[str, ...] = ("counter", "sampled-power", "tdp-utilisation", "dram-model", "published", "user")

RunStatus = Literal["running", "finished", "failed", "interrupted"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseRecord:
    """A named window of a run; energies are counter differences (IT energy, PUE not applied)."""

    name: str
    parent: str | None
    started_at: datetime
    ended_at: datetime | None
    duration_s: float
    energy_j: float
    components: Mapping[str, float] = field(default_factory=dict)  # meter_id -> J in this phase


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One reading of one meter: cumulative energy since the meter was opened."""

    meter_id: str
    at: datetime
    t_s: float  # seconds since the run started (monotonic)
    energy_j: float
    power_w: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkCounts:
    """The work done in a run (``phase == ""``) or one of its phases.

    ``flops`` is ``None`` when nothing counted them; ``flops_method`` says how they were obtained
    (``flop-counter``: torch's FlopCounterMode on sampled steps, extrapolated; ``hf-total-flos``:
    the Hugging Face Trainer's own count; ``user``: ``run.add_flops``).
    """

    phase: str
    flops: float | None = None
    flops_method: str | None = None
    samples: float = 0.0
    tokens: float = 0.0
    requests: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricValue:
    """One logged quality metric (``run.log_metric("accuracy", 0.91, step=3)``)."""

    name: str
    value: float
    step: int | None
    t_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """A tracked run as stored in the ledger.

    ``energy_j`` is facility energy (IT energy x PUE); ``it_energy_j`` is the sum of the components.
    ``co2e_g_net`` is None unless a carbon-free-energy share is known.
    """

    id: str
    project: str
    name: str
    tags: Mapping[str, str]
    status: RunStatus
    exit_code: int | None
    started_at: datetime
    ended_at: datetime | None
    heartbeat_at: datetime | None
    duration_s: float
    it_energy_j: float
    energy_j: float
    energy_j_low: float
    energy_j_high: float
    co2e_g: float
    co2e_g_low: float
    co2e_g_high: float
    co2e_g_net: float | None
    pue: float
    pue_source: str
    intensity_g_per_kwh: float
    intensity_source: str
    region: str | None
    components: tuple[ComponentEnergy, ...]
    phases: tuple[PhaseRecord, ...]
    command: tuple[str, ...] = ()
    hostname: str = ""
    pid: int | None = None  # the tracking process, for detecting a run whose tracker died
    flush_interval_s: float = 10.0
    scope: str = "machine"
    intensity_zone: str | None = None
    intensity_resolution: str = "annual"
    assumptions: tuple[Assumption, ...] = ()
    extra: Mapping[str, object] = field(default_factory=dict)
    # distributed jobs: which job, node and rank measured this record (see mlfootprint.tracking.job)
    job_id: str | None = None
    node: str = ""
    rank: int | None = None
    local_rank: int | None = None
    world_size: int | None = None
    launcher: str = ""
    # why a failed run failed: the exception's type and message
    error_type: str | None = None
    error_message: str | None = None
    work: tuple[WorkCounts, ...] = ()
    metrics: tuple[MetricValue, ...] = ()
