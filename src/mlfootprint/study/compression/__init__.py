"""What knowledge distillation, pruning and the lottery ticket save at inference, and what they cost.

::

    from mlfootprint.study.compression import QUICK, run_study, render_text

    result = run_study(QUICK, region="FR")
    print(render_text(result))

Any map-style ``torch.utils.data.Dataset`` works through ``data_from_datasets`` with a model factory
(width fraction -> ``nn.Sequential``). PyTorch and scikit-learn are imported only when a study runs
(``pip install 'mlfootprint[study]'``). See ``docs/compression.md``.
"""

from __future__ import annotations

from mlfootprint.study.compression._deps import StudyUnavailableError
from mlfootprint.study.compression.config import (
    DEFAULT_WIDTH,
    FAMILIES,
    FULL,
    QUICK,
    QUICK_WIDTH,
    StudyConfig,
)
from mlfootprint.study.compression.data import StudyData, data_from_datasets, digits_data
from mlfootprint.study.compression.models import ModelFactory, cnn_factory, mlp_factory
from mlfootprint.study.compression.payback import Payback, payback_inferences
from mlfootprint.study.compression.render import render_json, render_latex, render_markdown, render_text
from mlfootprint.study.compression.results import ModelRow, StudyResult
from mlfootprint.study.compression.runner import DEFAULT_PROJECT, new_study_id, run_study

__all__ = [
    "DEFAULT_PROJECT",
    "DEFAULT_WIDTH",
    "FAMILIES",
    "FULL",
    "QUICK",
    "QUICK_WIDTH",
    "ModelFactory",
    "ModelRow",
    "Payback",
    "StudyConfig",
    "StudyData",
    "StudyResult",
    "StudyUnavailableError",
    "cnn_factory",
    "data_from_datasets",
    "digits_data",
    "mlp_factory",
    "new_study_id",
    "payback_inferences",
    "render_json",
    "render_latex",
    "render_markdown",
    "render_text",
    "run_study",
]
