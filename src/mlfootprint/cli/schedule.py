# size: three commands (schedule, shift, where) sharing their series and zone options; to split per command
"""``mlfootprint schedule``, ``shift`` and ``where``: carbon-aware when and where.

Without ``--series`` the commands use the shipped 2022 hourly subset of Electricity Maps data (ODbL).
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from mlfootprint.bounds import DURATION_H, PCT, SEEDS, SLACK_H, arg_type
from mlfootprint.cli._common import (
    add_format_arg,
    duration_s,
    iso_time,
    print_json,
)
from mlfootprint.errors import InvalidValueError, UsageError

if TYPE_CHECKING:
    from mlfootprint.intensity.base import SeriesSet

__all__ = ["register"]


def _add_series_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--series", metavar="FILE", help="intensity series CSV (default: shipped 2022 subset)"
    )
    parser.add_argument("--signal", choices=["lca", "direct"], default="lca", help="Electricity Maps column")
    parser.add_argument(
        "--fill", choices=["hold", "interpolate"], default=None, help="fill gaps in the series"
    )
    add_format_arg(parser)


def _load(args: argparse.Namespace) -> SeriesSet:
    if args.series:
        from mlfootprint.intensity.files import read_series

        return read_series(args.series, signal=args.signal, fill=args.fill)
    from mlfootprint.intensity.embedded import embedded_series

    return embedded_series()


def _provenance(series: SeriesSet) -> dict[str, str]:
    return {"series_source": series.source, "series_sha256": series.sha256, "license": series.license}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("schedule", help="plan when to run one job", description=_cmd_schedule.__doc__)
    _add_series_args(p)
    p.add_argument("--zone", required=True, help="grid zone, e.g. DE")
    p.add_argument(
        "--arrival", type=iso_time, default=None, help="when the job is ready (ISO 8601 UTC; default now)"
    )
    p.add_argument("--duration", type=duration_s, required=True, help="job length, e.g. 6h")
    window = p.add_mutually_exclusive_group(required=True)
    window.add_argument("--slack", type=duration_s, help="how long the job may wait, e.g. 24h")
    window.add_argument("--deadline", type=iso_time, help="latest finish (ISO 8601 UTC)")
    p.add_argument(
        "--live",
        choices=["electricitymaps", "uk", "watttime"],
        default=None,
        help="plan on this provider's forecast (keys from ELECTRICITYMAPS_API_KEY or WATTTIME_USERNAME/"
        "WATTTIME_PASSWORD; cached; falls back, visibly, to the shipped data)",
    )
    p.add_argument("--interruptible", action="store_true", help="allow pause and resume")
    p.add_argument(
        "--checkpoint-overhead", type=duration_s, default=0.0, help="extra run time per pause, e.g. 5m"
    )
    p.set_defaults(func=_cmd_schedule)

    p = subparsers.add_parser(
        "shift", help="time-shifting study over every arrival", description=_cmd_shift.__doc__
    )
    _add_series_args(p)
    zones = p.add_mutually_exclusive_group(required=True)
    zones.add_argument("--zone", nargs="+", action="extend", help="one or more zones")
    zones.add_argument("--all-zones", action="store_true", help="every zone in the series")
    p.add_argument("--job-hours", type=arg_type(DURATION_H), required=True, help="job length J in hours")
    p.add_argument("--slack-hours", type=arg_type(SLACK_H), required=True, help="slack S in hours")
    p.add_argument("--aggregate", choices=["per-job", "total", "global"], default="per-job")
    p.add_argument("--semantics", choices=["strict", "lwa"], default="strict")
    p.add_argument(
        "--forecast-error-pct", type=arg_type(PCT), default=0.0, help="σ of forecast noise, %% of mean"
    )
    p.add_argument("--seeds", type=arg_type(SEEDS), default=10, help="noise draws to average (default 10)")
    p.set_defaults(func=_cmd_shift)

    p = subparsers.add_parser("where", help="compare zones: where to run", description=_cmd_where.__doc__)
    _add_series_args(p)
    zones = p.add_mutually_exclusive_group(required=True)
    zones.add_argument("--zone", nargs="+", action="extend", help="one or more zones")
    zones.add_argument("--all-zones", action="store_true", help="every zone in the series")
    zones.add_argument("--group", help="a zone group, e.g. Europe or USA")
    p.add_argument("--groups-file", metavar="FILE", help="CSV with zone_code and 0/1 group columns")
    p.set_defaults(func=_cmd_where)


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cmd_schedule(args: argparse.Namespace) -> int:
    """Plan when to run one job: the start (or the intervals, with pause and resume), the expected
    gCO2e per kW of load and the carbon-agnostic baseline (start at arrival)."""
    from mlfootprint.reduce.schedule import plan_schedule

    arrival = args.arrival or datetime.now(timezone.utc)
    planned = _planned(args, arrival)
    result = plan_schedule(
        planned.series,
        zone=planned.series.zone,
        arrival=arrival,
        duration_s=args.duration,
        slack_s=args.slack,
        deadline=args.deadline,
        interruptible=args.interruptible,
        checkpoint_overhead_s=args.checkpoint_overhead,
    )
    plan = result.plan
    if args.format == "json":
        print_json(
            {
                "zone": plan.zone,
                "arrival": _iso(plan.arrival),
                "deadline": _iso(plan.deadline),
                "duration_s": plan.duration_s,
                "start": _iso(plan.start),
                "intervals": [[_iso(a), _iso(b)] for a, b in result.intervals],
                "pauses": result.pauses,
                "checkpoint_overhead_s": result.checkpoint_overhead_s,
                "interruptible": result.interruptible,
                "expected_g_per_kw": round(plan.expected_g_per_kw, 4),
                "baseline_g_per_kw": round(plan.baseline_g_per_kw, 4),
                "saving_pct": round(plan.saving_pct, 4),
                "method": "integrated from the hourly intensity series (gCO2e per kW of constant load)",
                "series_source": planned.series.source,
                "series_sha256": planned.series.sha256,
                "license": planned.series.license,
                "planned_on": planned.label,
                "fallback_reason": planned.fallback_reason,
            }
        )
        return 0
    from mlfootprint import fmt

    print(
        f"zone {plan.zone}: job of {fmt.duration(plan.duration_s)}, "
        f"window {_iso(plan.arrival)} to {_iso(plan.deadline)}"
    )
    for a, b in result.intervals:
        print(f"  run {_iso(a)} to {_iso(b)}")
    if result.pauses:
        each = fmt.duration(result.checkpoint_overhead_s)
        print(f"  {result.pauses} pause(s), {each} checkpoint overhead each")
    print(
        f"expected {fmt.number(plan.expected_g_per_kw)} gCO2e per kW of load; starting at arrival "
        f"{fmt.number(plan.baseline_g_per_kw)}; saving {fmt.percent(plan.saving_pct)}"
    )
    print(f"planned on: {planned.label}")
    return 0


def _planned(args: argparse.Namespace, arrival: datetime) -> Any:
    """The series the plan is made on (a file, a live forecast, the shipped data or its typical year)."""
    from datetime import timedelta

    from mlfootprint.intensity.now import planning_series

    if args.deadline is not None:
        end = args.deadline
    else:
        end = arrival + timedelta(seconds=args.duration + args.slack)
    if args.series:
        from mlfootprint.intensity.files import read_series

        zone = read_series(args.series, signal=args.signal, fill=args.fill).resolve(args.zone)
        one = read_series(args.series, signal=args.signal, fill=args.fill).series(zone)
        from mlfootprint.intensity.now import Planned

        return Planned(series=one, label=f"{one.source} (sha256 {one.sha256[:12]}, {one.license})")
    return planning_series(args.zone, arrival, end, live=args.live)


def _slots(hours: float, resolution_s: float, name: str) -> int:
    from mlfootprint import fmt

    slots = hours * 3600.0 / resolution_s
    if abs(slots - round(slots)) > 1e-9:
        raise InvalidValueError(
            name,
            hours,
            f"must be a multiple of the series resolution ({fmt.number(resolution_s / 3600, 6)} h)",
        )
    return round(slots)


def _cmd_shift(args: argparse.Namespace) -> int:
    """Time-shifting study: one job arriving at every slot of the series; savings of deferral and
    of pause and resume against starting at arrival."""
    import numpy as np

    from mlfootprint.reduce.study import global_savings_pct, savings_pct, shift_every_arrival

    series = _load(args)
    zones = list(series.zones) if args.all_zones else [series.resolve(z) for z in args.zone]
    if args.job_hours <= 0:
        raise InvalidValueError("--job-hours", args.job_hours, "must be greater than 0")
    length = _slots(args.job_hours, series.resolution_s, "--job-hours")
    slack = _slots(args.slack_hours, series.resolution_s, "--slack-hours")
    per_zone_aggregate = "per-job" if args.aggregate == "global" else args.aggregate
    out: dict[str, dict[str, float | int]] = {}
    runs = []
    for zone in zones:
        r = shift_every_arrival(
            series.column(zone),
            length=length,
            slack=slack,
            semantics=args.semantics,
            forecast_error_pct=args.forecast_error_pct,
            seeds=args.seeds,
        )
        runs.append(r)
        out[zone] = {
            "deferral_pct": round(savings_pct(r.baseline, r.deferral, per_zone_aggregate), 4),
            "interrupt_pct": round(savings_pct(r.baseline, r.interrupt, per_zone_aggregate), 4),
            "arrivals": int(r.arrivals.shape[0]),
        }
    doc: dict[str, Any] = {"zones": out}
    if args.aggregate == "global":
        base = np.vstack([r.baseline for r in runs])
        doc["global"] = {
            "deferral_pct": round(global_savings_pct(base, np.vstack([r.deferral for r in runs])), 4),
            "interrupt_pct": round(global_savings_pct(base, np.vstack([r.interrupt for r in runs])), 4),
        }
    doc.update(
        aggregate=args.aggregate,
        semantics=args.semantics,
        job_hours=args.job_hours,
        slack_hours=args.slack_hours,
        forecast_error_pct=args.forecast_error_pct,
        seeds=args.seeds if args.forecast_error_pct else 0,
        series_sha256=series.sha256,
        series_source=series.source,
        license=series.license,
    )
    if args.format == "json":
        print_json(doc)
        return 0
    from mlfootprint import fmt

    print(
        f"job {fmt.number(args.job_hours, 6)} h, slack {fmt.number(args.slack_hours, 6)} h, "
        f"{args.semantics} semantics, aggregate {args.aggregate}; savings against starting at arrival"
    )
    print(f"{'zone':<16}{'deferral %':>12}{'interrupt %':>13}{'arrivals':>10}")
    for zone, row in out.items():
        print(f"{zone:<16}{row['deferral_pct']:>12.2f}{row['interrupt_pct']:>13.2f}{row['arrivals']:>10}")
    if "global" in doc:
        print(f"{'global':<16}{doc['global']['deferral_pct']:>12.2f}{doc['global']['interrupt_pct']:>13.2f}")
    if args.forecast_error_pct:
        print(
            f"decisions on forecasts with {fmt.number(args.forecast_error_pct, 6)} % noise, "
            f"mean of {args.seeds} draws"
        )
    print(f"intensity: {series.source} ({series.license}, sha256 {series.sha256[:12]})")
    return 0


def _cmd_where(args: argparse.Namespace) -> int:
    """Where to run: the zones' mean intensities and the reduction from moving load once to the
    cleanest zone (one migration) or every hour to that hour's cleanest zone (infinite migration)."""
    from mlfootprint.reduce.where import read_zone_groups, select_group, where_summary

    series = _load(args)
    missing: list[str] = []
    if args.group is not None:
        if args.groups_file:
            groups = read_zone_groups(args.groups_file)
        else:
            from mlfootprint.intensity.embedded import embedded_groups

            groups = embedded_groups()
        members = select_group(groups, args.group)
        known = {z.lower(): z for z in series.zones}
        zones = [known[m.lower()] for m in members if m.lower() in known]
        missing = [m for m in members if m.lower() not in known]
        if not zones:
            raise UsageError(f"zone group {args.group!r}: none of its zones is in the series {series.source}")
    elif args.all_zones:
        zones = list(series.zones)
    elif args.zone:
        zones = [series.resolve(z) for z in args.zone]
    else:
        raise UsageError("where: give --zone Z [Z ...], --all-zones or --group NAME")
    s = where_summary(series, zones)
    doc = {
        "zones": len(s.zones),
        "mean_g_per_kwh": round(s.mean_g_per_kwh, 4),
        "lowest_zone": s.lowest_zone,
        "lowest_g_per_kwh": round(s.lowest_g_per_kwh, 4),
        "highest_zone": s.highest_zone,
        "highest_g_per_kwh": round(s.highest_g_per_kwh, 4),
        "one_migration_reduction_g_per_kwh": round(s.one_migration_reduction_g_per_kwh, 4),
        "infinite_migration_reduction_g_per_kwh": round(s.infinite_migration_reduction_g_per_kwh, 4),
        "zone_codes": list(s.zones),
        "missing_zones": missing,
        **_provenance(series),
    }
    if args.format == "json":
        print_json(doc)
        return 0
    print(
        f"{len(s.zones)} zones, mean {s.mean_g_per_kwh:.2f} gCO2e/kWh "
        "(mean of each zone's mean over the series)"
    )
    print(f"lowest  {s.lowest_zone}: {s.lowest_g_per_kwh:.2f} gCO2e/kWh")
    print(f"highest {s.highest_zone}: {s.highest_g_per_kwh:.2f} gCO2e/kWh")
    print(
        f"one migration (all load to {s.lowest_zone}): -{s.one_migration_reduction_g_per_kwh:.2f} gCO2e/kWh"
    )
    print(
        "infinite migration (each hour to its cleanest zone): "
        f"-{s.infinite_migration_reduction_g_per_kwh:.2f} gCO2e/kWh"
    )
    if missing:
        print(f"not in the series, left out: {', '.join(missing)}")
    print(f"intensity: {series.source} ({series.license}, sha256 {series.sha256[:12]})")
    return 0
