"""The work accounting of a tracked run: its ``WorkBook`` priced with the run's energy, time and grid.

``Tracker``'s ``add_flops``, ``count``, ``log_metric`` and ``request`` hand their values to the run's
``WorkBook`` (``mlfootprint.work``); this module holds what needs the run as well: the record with its
work, counts and metrics, and a progress checkpoint priced at the run's intensity so far, with the
series ahead of it for the prediction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from mlfootprint.records import RunRecord
from mlfootprint.tracking.factors import Factors
from mlfootprint.work.book import WorkBook

if TYPE_CHECKING:
    from mlfootprint.intensity.base import IntensitySeries
    from mlfootprint.tracking.sampler import RawSample
    from mlfootprint.work.predict import Prediction

__all__ = ["intensity_ahead", "progress", "with_work"]


def with_work(book: WorkBook, record: RunRecord, *, final: bool, batch: Sequence[RawSample]) -> RunRecord:
    """``record`` with the run's work counts, metrics and work extras (the final one observes ``batch``)."""
    if final:
        book.observe(batch)
    extra = book.extra(final=final, energy_j=record.energy_j, duration_s=record.duration_s, pue=record.pue)
    return replace(record, work=book.counts(), metrics=book.metrics(), extra={**record.extra, **extra})


def progress(
    book: WorkBook,
    done: float,
    total: float | None,
    *,
    it_energy_j: float,
    t_s: float,
    factors: Factors,
    series: IntensitySeries | None,
    started_at: datetime,
    snapshot: Callable[[], RunRecord],
) -> Prediction | None:
    """Mark ``done`` of ``total`` at ``t_s`` with ``it_energy_j`` used so far; the prediction, if any.

    The facility energy is the IT energy x PUE; its CO2e uses the time-resolved intensity so far when the
    run has a series (from ``snapshot``), else the annual one.
    """
    from mlfootprint.units import kwh_from_j
    from mlfootprint.work.predict import Checkpoint

    energy_j = it_energy_j * factors.pue
    g_per_kwh = factors.intensity_g_per_kwh
    if series is not None:  # the time-resolved intensity so far
        so_far = snapshot()
        if so_far.energy_j > 0:
            g_per_kwh = so_far.co2e_g / kwh_from_j(so_far.energy_j)
    point = Checkpoint(done=float(done), t_s=t_s, energy_j=energy_j, co2e_g=kwh_from_j(energy_j) * g_per_kwh)
    return book.progress(point, total=total, intensity_ahead=intensity_ahead(series, started_at))


def intensity_ahead(
    series: IntensitySeries | None, started_at: datetime | None
) -> Callable[[float, float], float | None] | None:
    """The series' mean intensity between two run times (s since start), ``None`` where it is not covered."""
    if series is None or started_at is None:
        return None
    start = started_at.timestamp()

    def ahead(t_from_s: float, t_to_s: float) -> float | None:
        mean, frac = series.mean_over([start + t_from_s], [start + t_to_s])
        return float(mean[0]) if float(frac[0]) >= 0.999 else None

    return ahead
