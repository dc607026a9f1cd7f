"""Energy per request of a serving loop, attributed from the sample intervals the requests overlap.

Method. The meters give the energy of each interval between two consecutive samples, ``E_i`` over
``[t_i, t_i+1]``. A request active over ``[a, b]`` overlaps that interval by ``o = |[a, b] ∩ [t_i,
t_i+1]|`` seconds. The interval's energy is shared among the requests active in it in proportion to
their overlap: request r gets ``E_i x o_r / sum of the overlaps of all requests in the interval``.
Concurrency is handled by that sharing: two requests served side by side for a whole interval get
half each; a request alone gets all of it. Energy of intervals (or parts of them) with no request
active is *idle* energy; it is not given to any request, and is reported separately, with the total
per request (idle included) beside the attributed one. Inside an interval the power is taken as
constant (the samples say nothing finer); with a 1 s sampling interval and requests of tens of
milliseconds, single requests are resolved only on average, which is what the summary reports.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["RequestEnergy", "attribute_requests", "summarize_requests"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestEnergy:
    """The energy attributed to one request (J, IT energy: PUE not applied)."""

    start_s: float
    end_s: float
    energy_j: float


def attribute_requests(
    requests: Sequence[tuple[float, float]], times_s: Sequence[float], energies_j: Sequence[float]
) -> tuple[tuple[RequestEnergy, ...], float]:
    """Share each sample interval's energy among the requests overlapping it.

    Args:
        requests: (start, end) of each request, seconds since the run started.
        times_s: sample times, increasing.
        energies_j: cumulative energy at each sample time (same length).

    Returns:
        The requests with their energy (in the order given), and the idle energy in J.
    """
    shares = [0.0] * len(requests)
    idle = 0.0
    order = sorted(range(len(requests)), key=lambda i: requests[i][0])
    nxt = 0
    active: list[int] = []
    for i in range(len(times_s) - 1):
        t0, t1 = times_s[i], times_s[i + 1]
        energy = energies_j[i + 1] - energies_j[i]
        if t1 <= t0:
            continue
        while nxt < len(order) and requests[order[nxt]][0] < t1:
            active.append(order[nxt])
            nxt += 1
        active = [j for j in active if requests[j][1] > t0]
        overlaps = [(j, min(requests[j][1], t1) - max(requests[j][0], t0)) for j in active]
        overlaps = [(j, o) for j, o in overlaps if o > 0]
        total = sum(o for _, o in overlaps)
        if total <= 0:
            idle += energy
            continue
        # only the part of the interval with at least one request active is attributed
        busy = _union_length([(max(requests[j][0], t0), min(requests[j][1], t1)) for j, _ in overlaps])
        attributed = energy * busy / (t1 - t0)
        idle += energy - attributed
        for j, o in overlaps:
            shares[j] += attributed * o / total
    out = tuple(
        RequestEnergy(start_s=a, end_s=b, energy_j=e) for (a, b), e in zip(requests, shares, strict=True)
    )
    return out, idle


def _union_length(spans: Sequence[tuple[float, float]]) -> float:
    length, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b <= end:
            continue
        length += b - max(a, end)
        end = b
    return length


def summarize_requests(attributed: Sequence[RequestEnergy], idle_j: float, pue: float) -> dict[str, object]:
    """Per-request figures for the record (facility energy: x PUE)."""
    n = len(attributed)
    if n == 0:
        return {"requests": 0}
    values = sorted(r.energy_j * pue for r in attributed)
    total = sum(values)
    return {
        "requests": n,
        "energy_j_per_request_mean": total / n,
        "energy_j_per_request_p50": statistics.median(values),
        "energy_j_per_request_p95": values[min(n - 1, round(0.95 * (n - 1)))],
        "energy_j_per_request_with_idle": (total + idle_j * pue) / n,
        "idle_energy_j": idle_j * pue,
        "method": "each sample interval's energy shared among the requests active in it, by overlap; "
        "idle intervals not attributed (docs/work.md)",
    }
