"""mlfootprint: measure, estimate, report and reduce the energy and CO2e of machine learning.

The public API is imported lazily so that ``import mlfootprint`` stays light; ``logging`` is imported
only when something is logged (``mlfootprint.logs``), which also puts the ``NullHandler`` on this package's
logger.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs a fresh process milliseconds
if TYPE_CHECKING:
    from typing import Any

    from mlfootprint.errors import MlfootprintError
    from mlfootprint.estimator import EstimateResult, estimate
    from mlfootprint.tracking.entry import track
    from mlfootprint.tracking.jobs import JobSummary, load_job
    from mlfootprint.tracking.options import TrackerOptions
    from mlfootprint.tracking.tracker import Tracker

__version__ = "0.1.0"

__all__ = [
    "EstimateResult",
    "JobSummary",
    "MlfootprintError",
    "Tracker",
    "TrackerOptions",
    "__version__",
    "estimate",
    "load_job",
    "track",
]

_LAZY = {
    "estimate": "mlfootprint.estimator",
    "EstimateResult": "mlfootprint.estimator",
    "track": "mlfootprint.tracking.entry",
    "Tracker": "mlfootprint.tracking.tracker",
    "TrackerOptions": "mlfootprint.tracking.options",
    "load_job": "mlfootprint.tracking.jobs",
    "JobSummary": "mlfootprint.tracking.jobs",
    "MlfootprintError": "mlfootprint.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mlfootprint' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
