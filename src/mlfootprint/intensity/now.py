"""The intensity to plan or account "now" on: a file, a live provider, or the shipped data, said out loud.

Order: a series file when given (it must cover the span); else a live provider when asked
(``electricitymaps``, ``uk``, ``watttime``; keys from the environment, responses cached on disk); else,
or when the provider fails (a visible fallback, with the reason), the shipped hourly series when it covers
the span and its typical-year profile when it does not. The returned ``Planned.label`` says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlfootprint.errors import IntensityError, ScheduleError, UnknownNameError
from mlfootprint.intensity.base import IntensitySeries, epoch_s, format_utc

__all__ = ["LIVE_PROVIDERS", "Planned", "live_client", "live_series", "planning_series"]

#: ``--live`` names and what they need from the environment
LIVE_PROVIDERS = {
    "electricitymaps": "ELECTRICITYMAPS_API_KEY",
    "uk": "none (GB only)",
    "watttime": "WATTTIME_USERNAME and WATTTIME_PASSWORD",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Planned:
    """A zone's series for a span and how it was obtained.

    Attributes:
        series: the series (covers the span).
        label: one line for people: what the plan or the figure is based on.
        fallback_reason: set when a live provider was asked for and failed.
    """

    series: IntensitySeries
    label: str
    fallback_reason: str | None = None


def live_client(name: str, *, transport: Any = None, env: Mapping[str, str] | None = None) -> Any:
    """A live client by ``--live`` name, with the on-disk response cache.

    Raises:
        UnknownNameError: not one of ``LIVE_PROVIDERS``.
    """
    from mlfootprint.intensity import live

    key = name.strip().lower()
    if key not in LIVE_PROVIDERS:
        raise UnknownNameError("live intensity provider", name, tuple(LIVE_PROVIDERS))
    kwargs: dict[str, Any] = {"transport": transport, "cache": live.ResponseCache(), "retries": 1}
    if key == "electricitymaps":
        return live.ElectricityMapsClient(env=env, **kwargs)
    if key == "uk":
        return live.UKCarbonIntensityClient(**kwargs)
    return live.WattTimeClient(env=env, **kwargs)


def live_series(
    name: str, zone: str, start: datetime, end: datetime, *, ahead: bool = True, transport: Any = None,
    env: Mapping[str, str] | None = None,
) -> IntensitySeries:  # fmt: skip
    """The provider's series over ``[start, end)``: its forecast when ``ahead``, else its history.

    Raises:
        IntensityError: the provider failed or returned nothing covering the span.
    """
    client = live_client(name, transport=transport, env=env)
    now_s = epoch_s(start)
    series: IntensitySeries = client.forecast(zone, start, end) if ahead else client.series(zone, start, end)
    if series.start_s > now_s + series.resolution_s or series.end_s < epoch_s(end) - series.resolution_s:
        raise IntensityError(
            f"{name}: data for {zone} covers {format_utc(series.start_s)} to {format_utc(series.end_s)}, "
            f"not {format_utc(epoch_s(start))} to {format_utc(epoch_s(end))}"
        )
    return series


def planning_series(
    zone: str, start: datetime, end: datetime, *, series_path: str | None = None, live: str | None = None,
    transport: Any = None, env: Mapping[str, str] | None = None,
) -> Planned:  # fmt: skip
    """The series to plan ``zone`` over ``[start, end)`` on (see the module docstring for the order).

    Raises:
        ScheduleError: a given series file does not cover the span.
        UnknownNameError: unknown zone or provider.
    """
    from mlfootprint.intensity.typical import TYPICAL_LABEL, covers, zone_series_for

    if series_path:
        from mlfootprint.intensity.files import read_series

        one = read_series(series_path).series(zone)
        if not covers(one, epoch_s(start), epoch_s(end)):
            raise ScheduleError(
                f"the series {one.source} covers zone {one.zone} from {format_utc(one.start_s)} to "
                f"{format_utc(one.end_s)}, not {format_utc(epoch_s(start))} to {format_utc(epoch_s(end))}; "
                "give a series that covers the coming hours, or leave out --series to plan on the "
                "typical-year profile"
            )
        return Planned(series=one, label=f"{one.source} (sha256 {one.sha256[:12]}, {one.license})")
    reason: str | None = None
    if live:
        try:
            one = live_series(live, zone, start, end, transport=transport, env=env)
            return Planned(series=one, label=f"{one.source}, live ({one.signal} signal, {one.license})")
        except IntensityError as exc:
            reason = f"live intensity from {live} unavailable ({exc})"
    one = zone_series_for(zone, start, end)
    if TYPICAL_LABEL in one.source:
        label = f"{one.source}: a typical year, not a forecast"
    else:
        label = f"{one.source} (sha256 {one.sha256[:12]}, {one.license})"
    if reason:
        label = f"{label}; {reason}"
    return Planned(series=one, label=label, fallback_reason=reason)
