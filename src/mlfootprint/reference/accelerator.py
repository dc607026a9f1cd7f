"""The typed fact an accelerator name resolves to, apart from the table's loader and name matching
(``mlfootprint.reference.hardware``, which re-exports it): a row read back from the per-user cache
(``mlfootprint.reference.lookup``) needs only this class.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Accelerator"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Accelerator:
    """A GPU or TPU with its power and peak throughput, per chip.

    ``measured_avg_power_w`` is a published measured average *system* power per accelerator (it includes
    the accelerator's share of host, memory, network and fans), with its relative spread (one standard
    deviation as a fraction) and where it was published. ``tdp_w`` is the vendor's TDP / board power.
    """

    name: str
    vendor: str
    kind: str
    aliases: tuple[str, ...]
    tdp_w: float | None
    measured_avg_power_w: float | None
    measured_power_spread_frac: float | None
    measured_power_source: str | None
    peak_fp16_tflops: float | None
    peak_fp32_tflops: float | None
    memory_gb: float | None
    year: int | None
    source: str
    family: str | None = None
    form_factor: str = ""
    estimated_power_w: float | None = None
    estimated_power_basis: str = ""
    confidence: str = "high"

    @property
    def power_inherited(self) -> bool:
        """True when the measured average was published for the family, not this board."""
        return (self.measured_power_source or "").startswith("inherited from")
