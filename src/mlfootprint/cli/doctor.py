"""``mlfootprint doctor``: which meters work here, which do not, why, and how to fix them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mlfootprint.cli._common import add_format_arg, print_json

if TYPE_CHECKING:
    from mlfootprint.meters.discovery import MeterSet

__all__ = ["build_report", "register", "render_text"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="which meters and data sources work here, and why not",
        description="Probe every meter provider and show the meters a tracked run would use.",
    )
    parser.add_argument(
        "--scope",
        choices=["machine", "process"],
        default="machine",
        help="what the CPU and DRAM estimates cover (default: machine)",
    )
    parser.add_argument(
        "--detect-region",
        action="store_true",
        help="also ask the cloud's instance metadata service for this machine's region (0.3 s timeout)",
    )
    add_format_arg(parser)
    parser.set_defaults(func=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from mlfootprint.clock import SystemClock
    from mlfootprint.meters.discovery import default_providers, open_meters

    meter_set = open_meters(default_providers(scope=args.scope), clock=SystemClock())
    try:
        report = build_report(meter_set)
    finally:
        meter_set.close()
    if getattr(args, "detect_region", False):
        from mlfootprint.cloudregion import detect_region

        report["cloud_region"] = detect_region()
    if args.format == "json":
        print_json(report)
    else:
        print(render_text(report))
    return 0


def build_report(meter_set: MeterSet) -> dict[str, Any]:
    """The doctor report (the JSON shape) of a set of probes and opened meters."""
    return {
        "providers": [
            {
                "name": p.provider,
                "available": p.available,
                "reason": p.reason,
                "fix": p.fix,
                "devices": list(p.devices),
            }
            for p in meter_set.probes
        ],
        "meters": [
            {
                "meter_id": m.meter_id,
                "component": m.component,
                "method": m.method,
                "source": m.source,
                "is_estimate": m.is_estimate,
            }
            for m in meter_set.meters
        ],
    }


def render_text(report: dict[str, Any]) -> str:
    """The doctor report as plain text."""
    lines = ["Meter providers:"]
    if "cloud_region" in report:
        found = report["cloud_region"]
        lines.insert(0, f"Cloud region: {found or 'none (no instance metadata service answered)'}")
    for p in report["providers"]:
        mark = "ok  " if p["available"] else "no  "
        lines.append(f"  [{mark}] {p['name']}: {p['reason']}")
        lines.extend(f"         - {device}" for device in p["devices"])
        if p["fix"]:
            lines.append(f"         fix: {p['fix']}")
    lines.append("")
    lines.append("Meters a tracked run would use:")
    if not report["meters"]:
        lines.append("  (none)")
    for m in report["meters"]:
        lines.append(f"  {m['meter_id']:<16} {m['component']:<5} {m['method']:<16} {m['source']}")
    return "\n".join(lines)
