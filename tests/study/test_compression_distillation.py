"""Hinton et al. 2015's distillation loss: its limits, with values computed by hand."""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.frameworks
torch = pytest.importorskip("torch")

from mlfootprint.errors import InvalidValueError  # noqa: E402
from mlfootprint.study.compression.distillation import distillation_loss  # noqa: E402


def test_alpha_one_is_plain_cross_entropy() -> None:
    student = torch.tensor([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    teacher = torch.tensor([[5.0, -1.0, 0.0], [0.0, 3.0, 1.0]])
    labels = torch.tensor([0, 1])
    # row 1: -log(1/3) = ln 3; row 2: -log(e^0 / (e^2 + 2)) = ln(e^2 + 2)
    expected = (math.log(3.0) + math.log(math.e**2 + 2.0)) / 2
    for t in (1.0, 4.0, 20.0):
        loss = distillation_loss(student, teacher, labels, temperature=t, alpha=1.0)
        assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_alpha_zero_at_t_one_is_the_kl_divergence_from_the_teacher() -> None:
    student = torch.tensor([[0.0, 0.0]])
    teacher = torch.tensor([[math.log(3.0), 0.0]])  # softmax (3/4, 1/4)
    labels = torch.tensor([1])
    # KL(p || q) with p = (3/4, 1/4), q = (1/2, 1/2)
    expected = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    loss = distillation_loss(student, teacher, labels, temperature=1.0, alpha=0.0)
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_mixture_weights_hard_and_soft_terms() -> None:
    student = torch.tensor([[0.0, 0.0]])
    teacher = torch.tensor([[math.log(3.0), 0.0]])
    labels = torch.tensor([1])
    kl = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    # at T = 2 the teacher's softened distribution is softmax(ln3/2, 0) = (sqrt3, 1)/(sqrt3 + 1)
    p = math.sqrt(3.0) / (math.sqrt(3.0) + 1.0)
    kl_t2 = p * math.log(p / 0.5) + (1 - p) * math.log((1 - p) / 0.5)
    assert kl_t2 < kl
    loss = distillation_loss(student, teacher, labels, temperature=2.0, alpha=0.25)
    assert float(loss) == pytest.approx(0.25 * math.log(2.0) + 0.75 * 4.0 * kl_t2, rel=1e-6)


def test_high_temperature_limit_matches_zero_meaned_logits() -> None:
    """T^2 x KL -> 1/(2N) x sum((z - mean z) - (v - mean v))^2 as T grows (Hinton et al. 2015, 2.1)."""
    student = torch.tensor([[0.0, 0.0, 0.0]], dtype=torch.float64)  # float32 cancels at large T
    teacher = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)  # centred: (-1, 0, 1)
    labels = torch.tensor([0])
    # sum of squared differences of the centred logits: 2, N = 3 classes: limit 2 / (2 x 3) = 1/3
    temperatures = (10.0, 100.0, 1e3)
    values = [
        float(distillation_loss(student, teacher, labels, temperature=t, alpha=0.0)) for t in temperatures
    ]
    assert values[-1] == pytest.approx(1.0 / 3.0, rel=1e-3)
    assert abs(values[0] - 1 / 3) > abs(values[1] - 1 / 3) > abs(values[2] - 1 / 3)
    # the same limit after shifting every logit: only differences between logits matter
    shifted = float(distillation_loss(student + 7.0, teacher - 3.0, labels, temperature=1e3, alpha=0.0))
    assert shifted == pytest.approx(1.0 / 3.0, rel=1e-3)


def test_t_squared_keeps_the_gradient_size_as_t_grows() -> None:
    """d(T^2 KL)/dz_i -> (1/N)((z_i - mean z) - (v_i - mean v)): independent of T for large T."""
    teacher = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    labels = torch.tensor([0])
    for t in (100.0, 1000.0):
        student = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
        distillation_loss(student, teacher, labels, temperature=t, alpha=0.0).backward()
        assert student.grad is not None
        expected = [1.0 / 3.0, 0.0, -1.0 / 3.0]  # (0 - (-1, 0, 1)) / 3
        assert student.grad[0].tolist() == pytest.approx(expected, abs=1e-2 if t == 100.0 else 1e-3)


def test_bad_temperature_and_alpha_name_the_value() -> None:
    z = torch.zeros(1, 2)
    with pytest.raises(InvalidValueError, match="temperature"):
        distillation_loss(z, z, torch.tensor([0]), temperature=0.0, alpha=0.5)
    with pytest.raises(InvalidValueError, match="alpha"):
        distillation_loss(z, z, torch.tensor([0]), temperature=1.0, alpha=1.5)
