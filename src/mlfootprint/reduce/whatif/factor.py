"""One factor of the what-if: the multipliers (new / old) one change gives, and why."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mlfootprint.reduce.whatif.baseline import Baseline

__all__ = ["Factor", "M"]

M = Literal["model", "machine", "mechanization", "map"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Factor:
    """One of the 4Ms: its multipliers (new / old) and why."""

    m: M
    energy_factor: float
    co2e_factor: float
    co2e_net_factor: float
    reasoning: str
    from_: str
    to: str
    detail: Mapping[str, object] | None = None

    def to_dict(self) -> dict[str, Any]:
        extra = {} if self.detail is None else {"detail": dict(self.detail)}
        return {
            "m": self.m,
            "energy_factor": self.energy_factor,
            "co2e_factor": self.co2e_factor,
            "co2e_net_factor": self.co2e_net_factor,
            "energy_reduction_x": 1.0 / self.energy_factor,
            "co2e_reduction_x": 1.0 / self.co2e_factor,
            "co2e_net_reduction_x": 1.0 / self.co2e_net_factor,
            "reasoning": self.reasoning,
            "from": self.from_,
            "to": self.to,
            **extra,
        }


def _ratio(new: float, old: float) -> float:
    if old == 0:
        return 1.0 if new == 0 else math.inf
    return new / old


def _factor(
    m: M,
    old: Baseline,
    new: Baseline,
    reasoning: str,
    from_: str,
    to: str,
    detail: Mapping[str, object] | None = None,
) -> Factor:
    return Factor(
        detail=detail,
        m=m,
        energy_factor=_ratio(new.energy_j, old.energy_j),
        co2e_factor=_ratio(new.co2e_g, old.co2e_g),
        co2e_net_factor=_ratio(new.co2e_g_net, old.co2e_g_net),
        reasoning=reasoning,
        from_=from_,
        to=to,
    )
