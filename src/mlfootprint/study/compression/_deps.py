"""Lazy imports of the study's optional dependencies, with an actionable message when one is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from mlfootprint.errors import MlfootprintError

__all__ = ["StudyUnavailableError", "require"]

_INSTALL = "pip install 'mlfootprint[study]'"


class StudyUnavailableError(MlfootprintError):
    """A package the study needs (PyTorch, scikit-learn) is not installed."""


def require(module: str) -> ModuleType:
    """Import ``module`` (``"torch"``, ``"sklearn.datasets"``, ...) or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        package = {"sklearn": "scikit-learn"}.get(top, top)
        raise StudyUnavailableError(
            f"the compression study needs {package} ({exc}); install it with: {_INSTALL}"
        ) from None
