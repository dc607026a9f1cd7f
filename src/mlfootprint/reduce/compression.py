"""Model compression (distillation, pruning, the lottery ticket): the study lives in ``mlfootprint.study``.

This module is the entry point under ``reduce`` (the ways to make ML cheaper); it re-exports the study's
Python API. See ``mlfootprint.study.compression`` and ``docs/compression.md``.
"""

from __future__ import annotations

from mlfootprint.study.compression import (
    FULL,
    QUICK,
    StudyConfig,
    StudyData,
    StudyResult,
    data_from_datasets,
    digits_data,
    payback_inferences,
    run_study,
)

__all__ = [
    "FULL",
    "QUICK",
    "StudyConfig",
    "StudyData",
    "StudyResult",
    "data_from_datasets",
    "digits_data",
    "payback_inferences",
    "run_study",
]
