"""Where a run goes besides the ledger: Prometheus, MLflow, W&B and TensorBoard (each an optional extra).

Every sink implements ``mlfootprint.tracking.sinks.RunSink`` and imports its library only when it is made.
See ``docs/exporters.md``.
"""

from __future__ import annotations

from mlfootprint.errors import MlfootprintError

__all__ = ["ExporterError", "missing_library"]


class ExporterError(MlfootprintError):
    """An exporter cannot be set up (its library is missing, its port is taken, its server refuses)."""


def missing_library(what: str, module: str, extra: str) -> ExporterError:
    """The one-line error for an exporter whose library is not installed."""
    return ExporterError(f"the {what} exporter needs {module}: pip install 'mlfootprint[{extra}]'")
