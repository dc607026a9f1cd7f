"""The options of ``mlfootprint run`` and the argparse types that check them."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from mlfootprint.bounds import (
    FLUSH_INTERVAL_S,
    INTERVAL_S,
    PORT_OR_ANY,
    SAMPLES_KEPT,
    YEAR,
    arg_type,
    or_word,
)
from mlfootprint.cli._common import add_db_arg, duration_s, iso_time
from mlfootprint.cli.term import add_verbosity_args
from mlfootprint.errors import InvalidValueError

__all__ = ["MAX_LABEL_CHARS", "add_run_parser", "label", "parse_tag"]


#: the longest project, name or tag the ledger takes
MAX_LABEL_CHARS = 1000


def label(text: str) -> str:
    """argparse type for a project, name or tag: printable text, at most ``MAX_LABEL_CHARS`` characters."""
    if len(text) > MAX_LABEL_CHARS:
        raise argparse.ArgumentTypeError(f"{text[:40]!r}... is longer than {MAX_LABEL_CHARS} characters")
    if any(ord(c) < 0x20 and c != "\t" for c in text) or "\x7f" in text:
        raise argparse.ArgumentTypeError(f"{text[:60]!r} holds a control character")
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is empty")
    return text


def parse_tag(text: str) -> tuple[str, str]:
    """argparse type for ``--tag KEY=VALUE``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text[:60]!r} is not KEY=VALUE")
    label(key)
    if value:
        label(value)
    return key.strip(), value


def add_run_parser(subparsers: Any) -> argparse.ArgumentParser:
    """The ``run`` subcommand's parser with all its options (the caller sets its handler)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="track any command; store the run; print the summary",
        description="Run CMD, measure its energy and CO2e, store the run and print a summary on stderr. "
        "Exits with CMD's exit status.",
    )
    parser.add_argument("--project", type=label, default=None, help="project the run belongs to")
    parser.add_argument("--name", type=label, default=None, help="the run's name (default: the command)")
    parser.add_argument(
        "--tag", action="append", type=parse_tag, default=[], metavar="KEY=VALUE", help="label (repeatable)"
    )
    parser.add_argument(
        "--interval", type=arg_type(INTERVAL_S), default=None, metavar="S", help="sampling interval"
    )
    parser.add_argument(
        "--flush-interval",
        type=arg_type(FLUSH_INTERVAL_S),
        default=None,
        metavar="S",
        help="save the run at least this often",
    )
    parser.add_argument(
        "--scope", choices=["machine", "process"], default=None, help="what CPU estimates cover"
    )
    parser.add_argument(
        "--keep-samples",
        type=_keep_samples,
        default=None,
        metavar="all|N",
        help="samples per meter kept at full resolution (default 10000); older ones are stored as "
        "5-minute aggregates with exact energy; 'all' keeps every sample",
    )
    parser.add_argument("--region", default=None, help="grid region (country, grid or cloud region)")
    parser.add_argument(
        "--detect-region",
        action="store_true",
        help="ask the cloud's instance metadata service for the region (0.3 s timeout; off the cloud, "
        "says so and goes on)",
    )
    parser.add_argument("--pue", default=None, help="PUE number, or a datacenter operator's name")
    parser.add_argument(
        "--year", type=arg_type(YEAR), default=None, metavar="Y",
        help="year of the PUE and intensity figures (default: the run's own year; nearest year stated)",
    )  # fmt: skip
    parser.add_argument(
        "--series",
        metavar="FILE",
        help="intensity series CSV: CO2e is time-resolved when it covers the run "
        "(default with --zone: the shipped 2022 hourly subset)",
    )
    parser.add_argument("--zone", default=None, help="the series' grid zone, e.g. DE")
    parser.add_argument(
        "--live",
        choices=["electricitymaps", "uk", "watttime"],
        default=None,
        help="use this provider's live intensity for the run's window, fetched at the end (and its "
        "forecast for --start-when-cleaner); keys from the environment; falls back visibly",
    )
    parser.add_argument(
        "--start-when-cleaner",
        action="store_true",
        help="wait for the cleanest start within --slack or --deadline (with a countdown), then run",
    )
    window = parser.add_mutually_exclusive_group()
    window.add_argument(
        "--slack", type=duration_s, default=None, help="how long the start may wait, e.g. 12h"
    )
    window.add_argument(
        "--deadline", type=_when, default=None, help="latest finish (ISO 8601, UTC if no offset)"
    )
    parser.add_argument(
        "--expected-duration",
        type=duration_s,
        default=None,
        metavar="D",
        help="how long CMD runs, for the plan (default 1h)",
    )
    parser.add_argument(
        "--prometheus-port", type=arg_type(PORT_OR_ANY), default=None, metavar="P",
        help="serve the run's metrics for Prometheus on 127.0.0.1:P while it runs (0: any free port)",
    )  # fmt: skip
    parser.add_argument(
        "--prometheus-push", default=None, metavar="URL",
        help="push the run's metrics to this Pushgateway (start, every 10 s, end)",
    )  # fmt: skip
    add_verbosity_args(parser)
    parser.add_argument(
        "--budget",
        default=None,
        metavar="AMOUNT",
        help="energy or CO2e budget, e.g. 2kWh or 5kg (mWh..MWh, g..t); checked on the prediction and the "
        "energy used",
    )
    parser.add_argument(
        "--on-exceed",
        choices=("warn", "stop"),
        default="warn",
        help="over budget: warn (default), or stop the command with SIGTERM",
    )
    add_db_arg(parser)
    parser.add_argument(
        "--job", default=None, metavar="ID", help="the job this run belongs to (wins over torchrun/Slurm/MPI)"
    )
    parser.add_argument(
        "--node", default=None, metavar="NAME", help="this node's name in the job (default: the host name)"
    )
    parser.add_argument("--json-out", default=None, metavar="FILE", help="also write the run record as JSON")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command to run")
    return parser


def _when(text: str) -> datetime:
    """argparse type for ISO 8601 times (UTC when no offset is given), between 1970 and 2100."""
    return iso_time(text)


def _keep_samples(text: str) -> str:
    """argparse type for ``--keep-samples``: ``all`` or a whole number in ``bounds.SAMPLES_KEPT``."""
    if text.strip().lower() == "all":
        return "all"
    try:
        return str(SAMPLES_KEPT.parse(text, "--keep-samples"))
    except InvalidValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc.value!r} {or_word(exc.reason, 'all')}") from None
