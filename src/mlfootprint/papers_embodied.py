"""Published embodied-emission figures and their reproduction by ``mlfootprint.embodied``.

Luccioni, Viguier and Ligozat (2022), "Estimating the Carbon Footprint of BLOOM, a 176B Parameter
Language Model" (arXiv:2211.02001), Section 4.1 and Table 2: 1,082,990 A100 GPU-hours; 150 kg CO2e per
GPU and 2,500 kg CO2e per 8-GPU compute node; a 6-year replacement rate at 85 % use; embodied
emissions of 3.64 t for the GPUs and 7.57 t for the servers, 11.2 t in all (beside 24.69 t of dynamic
and 14.6 t of idle consumption).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlfootprint.embodied import EmbodiedEstimate, EmbodiedFactor, embodied_estimate

__all__ = ["EmbodiedReproduction", "reproduce_bloom_embodied"]

BLOOM_SOURCE = "Luccioni, Viguier and Ligozat (2022), arXiv:2211.02001, Section 4.1"
#: as printed, in kg CO2e
BLOOM_PUBLISHED_KG = {"gpus": 3640.0, "servers": 7570.0, "total": 11200.0}
BLOOM_GPU_HOURS = 1_082_990.0


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbodiedReproduction:
    model: str
    source: str
    published_kg: dict[str, float]
    estimate: EmbodiedEstimate

    @property
    def computed_kg(self) -> dict[str, float]:
        e = self.estimate
        return {"gpus": e.device_g / 1000.0, "servers": e.server_g / 1000.0, "total": e.co2e_g / 1000.0}

    @property
    def deviation_pct(self) -> dict[str, float]:
        return {k: 100.0 * (self.computed_kg[k] / v - 1.0) for k, v in self.published_kg.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "source": self.source,
            "published_co2e_kg": dict(self.published_kg),
            "computed_co2e_kg": self.computed_kg,
            "deviation_pct": self.deviation_pct,
            "inputs": {
                "device_hours": self.estimate.device_hours,
                "device_kg": self.estimate.factor.device_kg,
                "server_kg": self.estimate.factor.server_kg,
                "devices_per_server": self.estimate.factor.devices_per_server,
                "lifetime_years": self.estimate.lifetime_years,
                "utilisation_frac": self.estimate.utilisation_frac,
            },
        }


def reproduce_bloom_embodied() -> EmbodiedReproduction:
    """BLOOM's embodied emissions from the paper's own inputs (every input as the paper states it)."""
    factor = EmbodiedFactor(
        key="BLOOM (Luccioni 2022)",
        device_kg=150.0,
        server_kg=2500.0,
        devices_per_server=8,
        low_frac=1.0,
        high_frac=1.0,
        source=BLOOM_SOURCE,
        confidence="high",
    )
    estimate = embodied_estimate(BLOOM_GPU_HOURS, factor, lifetime_years=6.0, utilisation_frac=0.85)
    return EmbodiedReproduction(
        model="BLOOM (176B), A100 80GB on Jean Zay",
        source=BLOOM_SOURCE,
        published_kg=dict(BLOOM_PUBLISHED_KG),
        estimate=estimate,
    )
