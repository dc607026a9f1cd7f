"""The ``estimate`` options that give the work instead of the time (``--flops``, ``--params`` ...)."""

from __future__ import annotations

import argparse
from typing import Any

from mlfootprint.bounds import FLOPS, FRACTION, PARAMS, TFLOPS, TOKENS, arg_type

__all__ = ["add_compute_options", "compute_kwargs"]

_OPTIONS = ("flops", "params", "active_params", "tokens", "achieved_tflops", "mfu")


def add_compute_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--flops``/``--params``/``--tokens``/``--achieved-tflops``/``--mfu`` to ``parser``."""
    group = parser.add_argument_group(
        "from compute (instead of --hours/--days/--device-hours)",
        "device-hours = FLOPs / achieved FLOP/s per device; training FLOPs ~ 6 x params x tokens, "
        "inference ~ 2 x params per token (Kaplan et al. 2020; Patterson et al. 2021)",
    )
    group.add_argument(
        "--flops", type=arg_type(FLOPS), metavar="F", help="total FLOPs of the run, e.g. 3.14e23"
    )
    group.add_argument("--params", type=arg_type(PARAMS), metavar="P", help="parameter count, e.g. 175e9")
    group.add_argument(
        "--active-params",
        type=arg_type(PARAMS),
        metavar="P",
        help="active parameters per token (mixture of experts)",
    )
    group.add_argument("--tokens", type=arg_type(TOKENS), metavar="D", help="tokens trained on or processed")
    group.add_argument(
        "--workload",
        choices=("training", "inference"),
        default="training",
        help="6 P D for training (default), 2 P D for inference",
    )
    rate = group.add_mutually_exclusive_group()
    rate.add_argument(
        "--achieved-tflops", type=arg_type(TFLOPS), metavar="X", help="measured TFLOP/s per device"
    )
    rate.add_argument(
        "--mfu",
        type=arg_type(FRACTION),
        metavar="U",
        help="model FLOPs utilisation (0-1) of the table's peak",
    )
    group.add_argument(
        "--precision",
        choices=("fp16", "fp32"),
        default="fp16",
        help="which peak --mfu refers to: fp16 (FP16/BF16, default) or fp32",
    )


def compute_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The estimator's compute arguments from ``args`` (empty when the parser has no such options)."""
    if not hasattr(args, "flops"):
        return {}
    out: dict[str, Any] = {name: getattr(args, name) for name in _OPTIONS}
    out["workload"] = args.workload
    out["precision"] = args.precision
    return out
