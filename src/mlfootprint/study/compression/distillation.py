"""Knowledge distillation (Hinton, Vinyals and Dean 2015, "Distilling the Knowledge in a Neural Network").

The student minimises ``alpha x CE(student, labels) + (1 - alpha) x T^2 x KL(p_T || q_T)`` where
``p_T = softmax(teacher / T)`` and ``q_T = softmax(student / T)``. The ``T^2`` factor keeps the soft
term's gradients the same size as T changes (Hinton et al. 2015, section 2); as T grows,
``T^2 x KL`` tends to ``1/(2N) x sum((z - mean z) - (v - mean v))^2`` for ``N`` classes, i.e. matching
the zero-meaned logits (their section 2.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlfootprint.errors import InvalidValueError
from mlfootprint.study.compression._deps import require

if TYPE_CHECKING:
    import torch

__all__ = ["distillation_loss"]


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float,
    alpha: float,
) -> torch.Tensor:
    """Hinton et al.'s distillation loss, averaged over the batch.

    Args:
        student_logits: ``(batch, classes)`` logits of the student (gradients flow through them).
        teacher_logits: ``(batch, classes)`` logits of the teacher (treated as constants).
        labels: ``(batch,)`` true class indices.
        temperature: T > 0; 1 is the ordinary softmax.
        alpha: weight of the hard-label cross-entropy in [0, 1]; 1 gives plain cross-entropy.
    """
    if not temperature > 0:
        raise InvalidValueError("temperature", temperature, "must be positive")
    if not 0 <= alpha <= 1:
        raise InvalidValueError("alpha", alpha, "must be between 0 and 1")
    functional = require("torch.nn.functional")
    hard = functional.cross_entropy(student_logits, labels)
    if alpha == 1:
        return hard  # type: ignore[no-any-return]
    log_q = functional.log_softmax(student_logits / temperature, dim=1)
    log_p = functional.log_softmax(teacher_logits.detach() / temperature, dim=1)
    soft = functional.kl_div(log_q, log_p, reduction="batchmean", log_target=True)
    return alpha * hard + (1.0 - alpha) * temperature**2 * soft  # type: ignore[no-any-return]
