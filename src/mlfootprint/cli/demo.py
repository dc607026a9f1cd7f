"""``mlfootprint demo``: train a small NumPy MLP on synthetic data, tracked, stored and reported."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from mlfootprint.bounds import EPOCHS, arg_type
from mlfootprint.cli._common import add_db_arg
from mlfootprint.cli.term import add_verbosity_args, use_color

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="track a small CPU training job, store it, print its report",
        description="Train a two-layer MLP with NumPy on synthetic data (about 15-20 s on one core), "
        "tracked with one phase per epoch; store the run and print its report.",
    )
    parser.add_argument("--epochs", type=arg_type(EPOCHS), default=None, help="epochs to train (default 10)")
    parser.add_argument("--region", default=None, help="grid region (default: world average, said so)")
    parser.add_argument("--quick", action="store_true", help="a much smaller job (about 1 s)")
    add_verbosity_args(parser)
    add_db_arg(parser)
    parser.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Handler of ``mlfootprint demo``."""
    import os
    from dataclasses import replace

    # The demo is a one-core job: several BLAS threads on a busy machine make epoch times erratic.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")

    from mlfootprint.demo import DEFAULT, QUICK, ProgressBar, train_mlp
    from mlfootprint.store import open_store
    from mlfootprint.tracking.entry import track
    from mlfootprint.tracking.summary import format_summary

    cfg = QUICK if args.quick else DEFAULT
    if args.epochs is not None:
        cfg = replace(cfg, epochs=args.epochs)
    from mlfootprint.config import default_db_url
    from mlfootprint.store import parse_store_url
    from mlfootprint.tracking.options import TrackerOptions, resolve_options

    parse_store_url(default_db_url() if args.db is None else args.db)  # a bad --db or $MLFOOTPRINT_DB
    # a bad region (or $MLFOOTPRINT_* setting) is refused before the ledger is created or touched
    resolve_options(TrackerOptions(project="demo", region=args.region))
    store = open_store(args.db)
    try:
        tracker = track(project="demo", name="numpy-mlp", region=args.region, store=store, tags={
            "model": f"MLP {cfg.n_features}-{cfg.hidden}-{cfg.n_classes}",
            "data": f"synthetic {cfg.n_train} samples",
            "epochs": str(cfg.epochs),
        })  # fmt: skip
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tracker.start()
        for message in caught:
            print(f"mlfootprint: warning: {message.message}", file=sys.stderr)
        print(
            f"mlfootprint demo: training an MLP ({cfg.n_features}-{cfg.hidden}-{cfg.n_classes}) on "
            f"{cfg.n_train} synthetic samples for {cfg.epochs} epochs; run {tracker.id}",
            file=sys.stderr,
        )
        batches = max(1, cfg.n_train // cfg.batch_size)
        try:
            result = train_mlp(cfg, phase=tracker.phase, progress=ProgressBar(cfg.epochs * batches))
        except BaseException:
            tracker.stop(status="failed")
            raise
        record = tracker.stop()
        print(
            f"mlfootprint demo: test accuracy {result.test_accuracy:.1%} ({result.n_parameters} parameters, "
            f"final training loss {result.train_loss[-1]:.3f})",
            file=sys.stderr,
        )
        if not args.quiet:
            verbose = args.verbose
            print(format_summary(record, db_url=store.url, verbose=verbose, color=use_color(sys.stdout)))
    finally:
        store.close()
    return 0
