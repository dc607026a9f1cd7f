"""``mlfootprint study compression``: what distillation, pruning and the lottery ticket save, and cost."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mlfootprint.bounds import (
    DURATION_S,
    EPOCHS,
    FINETUNE_EPOCHS,
    ITERATION,
    ROUNDS,
    SEEDS,
    SHARE,
    TEMPERATURE,
    THREADS,
    WEIGHT,
    WIDTH,
    arg_type,
)
from mlfootprint.cli._common import add_db_arg, emit

__all__ = ["register"]

_share = arg_type(SHARE)


def _shares(text: str) -> tuple[float, ...]:
    """A comma-separated list of shares, each in the range of ``bounds.SHARE``."""
    return tuple(_share(part) for part in text.split(",") if part.strip())


def register(subparsers: Any) -> None:
    study = subparsers.add_parser(
        "study",
        help="studies that use the tracker like a researcher would (compression)",
        description="Studies run real training jobs, track every run in the ledger under one study id and "
        "report what they measured.",
    )
    kinds = study.add_subparsers(dest="study", metavar="STUDY", parser_class=type(study))
    p = kinds.add_parser(
        "compression",
        help="distillation, pruning and the lottery ticket: inference saved against energy to obtain",
        description="Train a teacher on scikit-learn's digits, a distilled student (Hinton et al. 2015), "
        "magnitude-pruned models (unstructured and structured, fine-tuned), and a lottery ticket found by "
        "iterative magnitude pruning with rewinding (Frankle et al. 2020) with its random-reinitialisation "
        "control; measure each model's accuracy, size, FLOPs, energy to obtain, inference energy and "
        "latency, and the inferences after which it pays back. Needs: pip install 'mlfootprint[study]'.",
    )
    p.add_argument("--quick", action="store_true", help="the small study (under 2 minutes on 2 CPU cores)")
    p.add_argument("--family", choices=["mlp", "cnn"], default="mlp", help="model family (default mlp)")
    p.add_argument(
        "--teacher-width",
        type=arg_type(WIDTH),
        metavar="N",
        help="teacher's hidden units (mlp, default 1024; quick 512) or channels (cnn, 64; quick 32)",
    )
    p.add_argument(
        "--student-width",
        type=_share,
        metavar="F",
        help="student's width as a fraction of the teacher's (default 0.125)",
    )
    p.add_argument(
        "--temperature", type=arg_type(TEMPERATURE), metavar="T", help="distillation temperature (default 4)"
    )
    p.add_argument(
        "--alpha",
        type=arg_type(WEIGHT),
        metavar="A",
        help="weight of the hard-label loss in distillation (default 0.1)",
    )
    p.add_argument(
        "--sparsity",
        type=_shares,
        metavar="S[,S...]",
        help="pruning sparsities (default 0.5,0.8,0.9; quick 0.5,0.9)",
    )
    p.add_argument(
        "--ticket-rounds", type=arg_type(ROUNDS), metavar="R", help="IMP rounds (default 4; quick 2)"
    )
    p.add_argument(
        "--ticket-rate",
        type=_share,
        metavar="P",
        help="fraction of remaining weights pruned per round (default 0.4; quick 0.5)",
    )
    p.add_argument(
        "--rewind-iteration",
        type=arg_type(ITERATION),
        metavar="K",
        help="iteration the ticket rewinds to (default 20)",
    )
    p.add_argument("--seeds", type=arg_type(SEEDS), metavar="N", help="repeats (default 3; quick 2)")
    p.add_argument(
        "--epochs", type=arg_type(EPOCHS), metavar="N", help="training epochs (default 30; quick 10)"
    )
    p.add_argument(
        "--finetune-epochs",
        type=arg_type(FINETUNE_EPOCHS),
        metavar="N",
        help="fine-tuning epochs after pruning (default 8; quick 3)",
    )
    p.add_argument(
        "--window",
        type=arg_type(DURATION_S),
        metavar="SECONDS",
        help="length of each inference measurement window (default 2; quick 0.5)",
    )
    p.add_argument(
        "--inference-rounds",
        type=arg_type(ROUNDS),
        metavar="N",
        help="measurement windows per model and mode (default 3; quick 2)",
    )
    p.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="where to train and measure (default: CUDA when present, else CPU)",
    )
    p.add_argument("--threads", type=arg_type(THREADS), metavar="N", help="PyTorch CPU threads (default 1)")
    p.add_argument("--region", help="grid region for CO2e (default: world average, said so)")
    p.add_argument(
        "--scope",
        choices=["process", "machine"],
        default="process",
        help="CPU estimate charges this process's CPU time (default) or the whole machine",
    )
    p.add_argument("--project", default=None, help="ledger project of the runs (default study-compression)")
    p.add_argument(
        "--format", choices=["text", "json", "markdown", "latex"], default="text", help="output format"
    )
    p.add_argument("--plot", metavar="FILE", help="also write the Pareto plot (.png, .svg or .pdf)")
    p.add_argument("--out", metavar="FILE", help="write the table here instead of standard output")
    p.add_argument("--quiet", action="store_true", help="no progress lines on standard error")
    add_db_arg(p)
    p.set_defaults(func=_compression)
    study.set_defaults(func=lambda _args: (study.print_help(sys.stderr), 2)[1])


_OPTION_FIELDS = {
    "teacher_width": "teacher_width",
    "student_width": "student_width",
    "temperature": "temperature",
    "alpha": "alpha",
    "sparsity": "sparsities",
    "ticket_rounds": "ticket_rounds",
    "ticket_rate": "ticket_rate",
    "rewind_iteration": "rewind_iteration",
    "seeds": "seeds",
    "epochs": "epochs",
    "finetune_epochs": "finetune_epochs",
    "window": "inference_window_s",
    "inference_rounds": "inference_rounds",
    "threads": "threads",
}


def _compression(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from mlfootprint.errors import InvalidValueError
    from mlfootprint.study.compression import (
        DEFAULT_PROJECT,
        FULL,
        QUICK,
        QUICK_WIDTH,
        render_json,
        render_latex,
        render_markdown,
        render_text,
        run_study,
    )
    from mlfootprint.study.compression.plot import save_pareto

    if args.plot and Path(args.plot).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InvalidValueError("--plot", args.plot, "must end in .png, .svg or .pdf")
    base = QUICK if args.quick else FULL
    changes: dict[str, Any] = {"family": args.family, "device": args.device}
    if args.quick:
        changes["teacher_width"] = QUICK_WIDTH[args.family]
    for option, field in _OPTION_FIELDS.items():
        value = getattr(args, option)
        if value is not None:
            changes[field] = value
    config = replace(base, **changes)

    def progress(line: str) -> None:
        if not args.quiet:
            print(f"mlfootprint study: {line}", file=sys.stderr, flush=True)

    result = run_study(
        config, db=args.db, project=args.project or DEFAULT_PROJECT, region=args.region, scope=args.scope,
        progress=progress,
    )  # fmt: skip
    if args.plot:
        progress(f"Pareto plot written to {save_pareto(result, args.plot)}")
    if args.format == "json":
        text = render_json(result)
    elif args.format == "markdown":
        text = render_markdown(result, plot=args.plot)
    elif args.format == "latex":
        text = render_latex(result)
    else:
        text = render_text(result)
    emit(text, args.out)
    return 0
