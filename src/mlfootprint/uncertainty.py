# size: the error model: intervals, their combination and their propagation, one concept
"""The error model: how sure each number is, and how the uncertainties combine.

Every input to a footprint (power or energy of each component, PUE, grid intensity) carries a
*relative range*: the true value lies between ``value * low_frac`` and ``value * high_frac``.
The ranges are documented, with their sources, in ``docs/uncertainty.md``.

Combination rule:

* Independent factors of a product (IT energy, PUE, intensity) are combined in log space in
  quadrature: ``low = value * exp(-sqrt(sum(ln(low_frac_i)**2)))`` and
  ``high = value * exp(+sqrt(sum(ln(high_frac_i)**2)))``. A single factor reproduces its own range,
  exact factors (``1, 1``) change nothing, and the interval always contains the point estimate.
* Components that are summed (GPU + CPU + DRAM) add their bounds: their errors are treated as fully
  correlated (the same run, the same kind of sensor, the same modelling choices), which is the
  conservative choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mlfootprint.errors import InvalidValueError
from mlfootprint.provenance import ComponentEnergy
from mlfootprint.units import J_PER_KWH

__all__ = [
    "INTENSITY_KINDS",
    "PUE_KINDS",
    "FootprintInterval",
    "RelativeRange",
    "combine_product",
    "combine_sum",
    "footprint_interval",
    "intensity_range",
    "power_range",
    "pue_range",
]

#: NVML documentation: the board power reading "is accurate to within +/- 5% of current power draw".
SENSOR_ACCURACY_FRAC = 0.05
#: Extra relative error per second of sampling interval for integrated power samples (our model).
SAMPLING_ERROR_PER_S = 0.02
#: Cap on the sampling term: beyond this a run is dominated by what the samples miss.
SAMPLING_ERROR_CAP_FRAC = 0.20
#: Sampling interval assumed when the caller does not say.
DEFAULT_INTERVAL_S = 1.0
#: Measured-average-to-TDP ratios in Patterson 2021 Tables 1, 3, 4 span 245/450 = 0.54 (Switch, TPU v3)
#: to 330/300 = 1.10 (GPT-3, V100, host share included).
TDP_FLOOR_FRAC = 0.5
TDP_CEILING_FRAC = 1.1
#: Spread assumed for a published average power that comes without one (largest in Patterson Table 3).
DEFAULT_PUBLISHED_SPREAD_FRAC = 0.11
#: A published spread is one standard deviation; the range is this many of them (about 95 %).
PUBLISHED_SPREAD_SIGMAS = 2.0
#: A family's published average applied to another workload (or another board of the family): the
#: draw of one job differs from the average of the jobs it was measured on. Strubell et al. 2019 drew
#: 188 W per V100 (host share included) where Patterson et al. 2021 Table 3 has 325 W (x0.58); Patterson's
#: per-model figures span x0.87 (Switch, 245 W) to x1.10 (T5, 310 W) of the TPU v3 average (283 W).
OTHER_WORKLOAD_LOW_FRAC = 0.55
OTHER_WORKLOAD_HIGH_FRAC = 1.15
#: A power figure that is a class estimate (no vendor figure published).
CLASS_ESTIMATE_LOW_FRAC = 0.4
CLASS_ESTIMATE_HIGH_FRAC = 1.6
#: An average power stated by the user.
USER_POWER_FRAC = 0.10
#: DRAM modelled from installed GiB x W/GiB (a convention, not a measurement).
DRAM_MODEL_LOW_FRAC = 0.5
DRAM_MODEL_HIGH_FRAC = 1.5

PUE_KINDS = ("user", "operator", "published", "industry-average")
INTENSITY_KINDS = ("country", "subnational", "cloud-region", "cloud-region-mapped", "world", "user")

#: PUE of a well-run hyperscale fleet (Google 2024 fleet 1.09) and of a poor enterprise site.
_PUE_BEST = 1.1
_PUE_WORST = 2.0

_INTENSITY_ANNUAL: dict[str, tuple[float, float]] = {
    # for the data year of the run: a year the table lacks, or no year, widens this (reference/years.py)
    "country": (0.85, 1.15),
    "subnational": (0.85, 1.15),
    "cloud-region": (0.85, 1.15),
    # AWS/Azure regions mapped by us to a grid zone: balancing areas inside one eGRID subregion differ
    # by 2x (StarCoder used 0.155 kg/kWh for us-west-2 where eGRID NWPP gives 0.275)
    "cloud-region-mapped": (0.5, 1.2),
    "world": (0.4, 1.6),
    "user": (0.9, 1.1),
}
_INTENSITY_HOURLY: dict[str, tuple[float, float]] = {
    "country": (0.95, 1.05),
    "subnational": (0.95, 1.05),
    "cloud-region": (0.95, 1.05),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RelativeRange:
    """The true value lies in ``value * low_frac .. value * high_frac``; ``basis`` says why."""

    low_frac: float
    high_frac: float
    basis: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low_frac) and math.isfinite(self.high_frac)):
            raise InvalidValueError("range", (self.low_frac, self.high_frac), "must be finite")
        if not 0.0 <= self.low_frac <= 1.0 <= self.high_frac:
            raise InvalidValueError(
                "range", (self.low_frac, self.high_frac), "must satisfy 0 <= low_frac <= 1 <= high_frac"
            )

    def apply(self, value: float) -> tuple[float, float]:
        """Return ``(low, high)`` for ``value``."""
        return value * self.low_frac, value * self.high_frac


EXACT = RelativeRange(low_frac=1.0, high_frac=1.0, basis="exact")


def _symmetric(frac: float, basis: str) -> RelativeRange:
    return RelativeRange(low_frac=max(0.0, 1.0 - frac), high_frac=1.0 + frac, basis=basis)


def power_range(
    method: str,
    *,
    spread_frac: float | None = None,
    interval_s: float | None = None,
    workload: str = "same",
    confidence: str = "high",
) -> RelativeRange:
    """Relative range of a power or energy figure obtained by ``method`` (one of ``records.METHODS``).

    Args:
        method: counter | sampled-power | tdp-utilisation | dram-model | published | user.
        spread_frac: for ``published``: the published relative standard deviation (e.g. 0.05).
        interval_s: for ``sampled-power``: the sampling interval in seconds.
        workload: for ``published``: ``"same"`` when the average was measured on this very workload,
            ``"other"`` when a table's average is applied to another job (the estimator's case).
        confidence: for ``tdp-utilisation``: ``"low"`` when the power figure is a class estimate.

    Raises:
        InvalidValueError: unknown method, or a negative spread or interval.
    """
    if method == "counter":
        return _symmetric(
            SENSOR_ACCURACY_FRAC,
            "hardware energy counter: +/-5 % board sensor accuracy (NVML documentation)",
        )
    if method == "sampled-power":
        if interval_s is not None and not (math.isfinite(interval_s) and interval_s > 0):
            raise InvalidValueError("interval_s", interval_s, "must be a positive number of seconds")
        interval = DEFAULT_INTERVAL_S if interval_s is None else interval_s
        sampling = min(SAMPLING_ERROR_CAP_FRAC, SAMPLING_ERROR_PER_S * interval)
        return _symmetric(
            SENSOR_ACCURACY_FRAC + sampling,
            f"power samples every {interval:g} s: +/-5 % sensor accuracy (NVML documentation) "
            f"+ {sampling:.0%} for power changes between samples",
        )
    if method == "tdp-utilisation" and confidence == "low":
        return RelativeRange(
            low_frac=CLASS_ESTIMATE_LOW_FRAC,
            high_frac=CLASS_ESTIMATE_HIGH_FRAC,
            basis="class estimate (no vendor power figure published): x0.4 to x1.6",
        )
    if method == "tdp-utilisation":
        return RelativeRange(
            low_frac=TDP_FLOOR_FRAC,
            high_frac=TDP_CEILING_FRAC,
            basis="estimated from TDP: measured averages are 0.54-1.10 x TDP (Patterson 2021 Tables 1, 3, 4)",
        )
    if method == "dram-model":
        return RelativeRange(
            low_frac=DRAM_MODEL_LOW_FRAC,
            high_frac=DRAM_MODEL_HIGH_FRAC,
            basis="DRAM modelled from installed memory x W per GiB: -50 %/+50 %",
        )
    if method == "published":
        if spread_frac is not None and not (math.isfinite(spread_frac) and spread_frac >= 0):
            raise InvalidValueError("spread_frac", spread_frac, "must be a non-negative fraction")
        sigma = DEFAULT_PUBLISHED_SPREAD_FRAC if spread_frac is None else spread_frac
        said = "published" if spread_frac is not None else "assumed (none published)"
        if workload == "other":
            return RelativeRange(
                low_frac=min(OTHER_WORKLOAD_LOW_FRAC, 1.0 - PUBLISHED_SPREAD_SIGMAS * sigma),
                high_frac=max(OTHER_WORKLOAD_HIGH_FRAC, 1.0 + PUBLISHED_SPREAD_SIGMAS * sigma),
                basis="published average of other workloads: x0.55 to x1.15 (a job's draw differs from "
                "the average it was measured on; Strubell 2019 vs Patterson 2021)",
            )
        return _symmetric(
            PUBLISHED_SPREAD_SIGMAS * sigma,
            f"published measured average: +/-2 standard deviations, {said} stdev {sigma:.0%}",
        )
    if method == "user":
        return _symmetric(USER_POWER_FRAC, "given by the user: +/-10 %")
    raise InvalidValueError(
        "method",
        method,
        "is not a method (counter, sampled-power, tdp-utilisation, dram-model, published, user)",
    )


#: half-width of an operator's PUE range by the confidence of the figure
PUE_OPERATOR_FRAC = {"high": 0.05, "medium": 0.07, "low": 0.15}


def pue_range(pue: float, source_kind: str, confidence: str = "high") -> RelativeRange:
    """Relative range of a PUE from a source of kind ``source_kind``.

    The low end never goes below PUE 1.0 (facility energy cannot be less than IT energy).

    Args:
        pue: the PUE used (>= 1).
        source_kind: user | operator (self-reported fleet figure) | published (a paper's figure for
            its datacenter, treated like operator) | industry-average (survey average).
    """
    if not (math.isfinite(pue) and pue >= 1.0):
        raise InvalidValueError("pue", pue, "must be at least 1.0")
    floor = 1.0 / pue
    if source_kind == "user":
        return RelativeRange(
            low_frac=max(floor, 0.95), high_frac=1.05, basis="PUE given by the user: +/-5 %, not below 1.0"
        )
    if source_kind in ("operator", "published"):
        frac = PUE_OPERATOR_FRAC.get(confidence, PUE_OPERATOR_FRAC["low"])
        return RelativeRange(
            low_frac=max(floor, 1.0 - frac),
            high_frac=1.0 + frac,
            basis=f"operator's self-reported PUE ({confidence} confidence): +/-{frac:.0%} for one site "
            "against the fleet figure, not below 1.0",
        )
    if source_kind == "industry-average":
        return RelativeRange(
            low_frac=min(1.0, max(floor, _PUE_BEST / pue)),
            high_frac=max(1.0, _PUE_WORST / pue),
            basis="industry-average PUE: the site may be anywhere from a hyperscale 1.1 to 2.0",
        )
    raise InvalidValueError("pue source", source_kind, f"is not one of {', '.join(PUE_KINDS)}")


def intensity_range(kind: str, resolution: str = "annual") -> RelativeRange:
    """Relative range of a grid intensity of ``kind`` at ``resolution`` (annual | hourly).

    An annual average applied to a job that ran at particular hours misses the daily and seasonal
    swing; an hourly figure for the hours the job ran only carries the data's own error.
    """
    if resolution not in ("annual", "hourly"):
        raise InvalidValueError("resolution", resolution, "must be annual or hourly")
    if kind not in _INTENSITY_ANNUAL:
        raise InvalidValueError("intensity kind", kind, f"is not one of {', '.join(INTENSITY_KINDS)}")
    if resolution == "hourly" and kind in _INTENSITY_HOURLY:
        low, high = _INTENSITY_HOURLY[kind]
        return RelativeRange(low_frac=low, high_frac=high, basis=f"hourly {kind} intensity: +/-5 %")
    low, high = _INTENSITY_ANNUAL[kind]
    return RelativeRange(
        low_frac=low,
        high_frac=high,
        basis=f"{'annual ' if kind != 'user' else ''}{kind} intensity: {low - 1:+.0%}/{high - 1:+.0%}",
    )


def combine_product(value: float, ranges: Sequence[RelativeRange]) -> tuple[float, float]:
    """Interval of ``value``, a product of independent factors with the given relative ranges.

    Log-space quadrature: the log-widths below and above add in quadrature. Returns ``(low, high)``
    with ``low <= value <= high`` for non-negative ``value``.
    """
    if any(r.low_frac == 0.0 for r in ranges):
        low = 0.0
    else:
        low = value * math.exp(-math.sqrt(math.fsum(math.log(r.low_frac) ** 2 for r in ranges)))
    high = value * math.exp(math.sqrt(math.fsum(math.log(r.high_frac) ** 2 for r in ranges)))
    return min(low, value), max(high, value)


def combine_sum(parts: Sequence[tuple[float, float, float]]) -> tuple[float, float]:
    """Interval of a sum of parts given as ``(value, low, high)``: bounds add (correlated errors).

    Returns ``(low, high)``; the interval contains the sum of the values.
    """
    total = math.fsum(p[0] for p in parts)
    low = math.fsum(min(p[1], p[0]) for p in parts)
    high = math.fsum(max(p[2], p[0]) for p in parts)
    return min(low, total), max(high, total)


@dataclass(frozen=True, slots=True, kw_only=True)
class FootprintInterval:
    """Facility energy (IT x PUE) and CO2e with their intervals."""

    energy_j: float
    energy_j_low: float
    energy_j_high: float
    co2e_g: float
    co2e_g_low: float
    co2e_g_high: float


def footprint_interval(
    components: Sequence[ComponentEnergy],
    *,
    pue: float,
    pue_kind: str,
    intensity_g_per_kwh: float,
    intensity_kind: str,
    intensity_resolution: str = "annual",
    pue_rel: RelativeRange | None = None,
    intensity_rel: RelativeRange | None = None,
) -> FootprintInterval:
    """Energy and CO2e of a run with their intervals.

    Args:
        components: IT energy per component, each with its own ``energy_j_low``/``energy_j_high``.
        pue: facility PUE applied to the IT energy.
        pue_kind: where the PUE came from (see ``pue_range``).
        intensity_g_per_kwh: grid intensity applied to the facility energy.
        intensity_kind: where the intensity came from (see ``intensity_range``).
        intensity_resolution: annual | hourly.
        pue_rel: a PUE range to use instead of ``pue_range(pue, pue_kind)`` (e.g. widened for a year
            the table does not have).
        intensity_rel: likewise for the intensity.
    """
    it_j = math.fsum(c.energy_j for c in components)
    it_low, it_high = combine_sum([(c.energy_j, c.energy_j_low, c.energy_j_high) for c in components])
    if it_j > 0:
        it_range = RelativeRange(
            low_frac=min(1.0, max(0.0, it_low / it_j)), high_frac=max(1.0, it_high / it_j), basis="IT energy"
        )
    else:
        it_range = EXACT
    p_range = pue_range(pue, pue_kind) if pue_rel is None else pue_rel
    i_range = (
        intensity_range(intensity_kind, intensity_resolution) if intensity_rel is None else intensity_rel
    )
    energy_j = it_j * pue
    energy_low, energy_high = combine_product(energy_j, [it_range, p_range])
    co2e_g = energy_j / J_PER_KWH * intensity_g_per_kwh
    co2e_low, co2e_high = combine_product(co2e_g, [it_range, p_range, i_range])
    return FootprintInterval(
        energy_j=energy_j,
        energy_j_low=energy_low,
        energy_j_high=energy_high,
        co2e_g=co2e_g,
        co2e_g_low=co2e_low,
        co2e_g_high=co2e_high,
    )
