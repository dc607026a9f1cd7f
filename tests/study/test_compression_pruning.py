"""Pruning masks, structured rebuilding and rewinding, on small real models."""

from __future__ import annotations

import copy

import pytest

pytestmark = pytest.mark.frameworks
torch = pytest.importorskip("torch")

from mlfootprint.errors import InvalidValueError  # noqa: E402
from mlfootprint.study.compression.lottery import (  # noqa: E402
    apply_mask_of,
    imp_prune_and_rewind,
    rewind,
    snapshot,
)
from mlfootprint.study.compression.measure import flops_per_sample, nonzero_flops_per_sample  # noqa: E402
from mlfootprint.study.compression.models import cnn_factory, mlp_factory  # noqa: E402
from mlfootprint.study.compression.pruning import (  # noqa: E402
    count_params,
    make_permanent,
    prunable_layers,
    prune_structured,
    prune_unstructured,
    rebuild_dense,
    weight_sparsity,
)

# MLP 64 -> 40 -> 40 -> 10: weights 64*40 + 40*40 + 40*10 = 4,560; biases 90
WEIGHTS = 64 * 40 + 40 * 40 + 40 * 10


def _mlp(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return mlp_factory(inputs=64, classes=10, width=40)(1.0)


def _zeros(model: torch.nn.Module) -> int:
    return sum(int((layer.weight == 0).sum()) for _, layer in prunable_layers(model))


def test_unstructured_pruning_masks_exactly_the_asked_fraction_globally() -> None:
    model = _mlp()
    prune_unstructured(model, 0.7)
    assert _zeros(model) == round(0.7 * WEIGHTS) == 3192
    # the globally smallest: every surviving weight is at least as large as every pruned one
    layers = [layer for _, layer in prunable_layers(model)]
    survivors = torch.cat([layer.weight_orig.detach()[layer.weight_mask == 1].abs() for layer in layers])
    pruned = torch.cat([layer.weight_orig.detach()[layer.weight_mask == 0].abs() for layer in layers])
    assert float(survivors.min()) >= float(pruned.max())
    make_permanent(model)
    assert not any(hasattr(m, "weight_mask") for m in model.modules())
    assert weight_sparsity(model) == pytest.approx(3192 / WEIGHTS)
    total, nonzero = count_params(model)
    assert total == WEIGHTS + 90 and nonzero == total - 3192


def test_pruning_again_takes_the_fraction_of_what_remains() -> None:
    model = _mlp()
    prune_unstructured(model, 0.5)
    prune_unstructured(model, 0.5)
    first = round(0.5 * WEIGHTS)  # 2,280
    assert _zeros(model) == first + round(0.5 * (WEIGHTS - first))  # 2,280 + 1,140
    assert count_params(model) == (WEIGHTS + 90, WEIGHTS + 90 - 3420)


def test_unstructured_sparsity_leaves_the_dense_flops_unchanged() -> None:
    model = _mlp()
    x = torch.rand(3, 64)
    dense = flops_per_sample(model, x)
    assert dense == 2 * WEIGHTS == nonzero_flops_per_sample(model, x)
    prune_unstructured(model, 0.75)
    assert flops_per_sample(model, x) == dense
    assert nonzero_flops_per_sample(model, x) == 2 * (WEIGHTS - 3420)


def test_structured_pruning_rebuilds_a_smaller_dense_mlp_with_the_same_outputs() -> None:
    model = _mlp()
    x = torch.rand(16, 64)
    masked = copy.deepcopy(model)
    prune_structured(masked, 0.25)  # 10 of 40 units of each hidden layer
    smaller = rebuild_dense(masked)
    widths = [layer.out_features for _, layer in prunable_layers(smaller)]
    assert widths == [30, 30, 10]
    total, nonzero = count_params(smaller)
    assert total == nonzero == 64 * 30 + 30 + 30 * 30 + 30 + 30 * 10 + 10
    assert flops_per_sample(smaller, x) == 2 * (64 * 30 + 30 * 30 + 30 * 10)
    with torch.no_grad():
        assert torch.allclose(smaller(x), masked(x), atol=1e-6)
        # the kept units of the first hidden layer compute what they computed before, unit by unit
        kept = masked[0].weight_mask.sum(dim=1) > 0
        assert torch.allclose(smaller[1](smaller[0](x)), masked[1](masked[0](x))[:, kept], atol=1e-6)
        # and the removed ones output exactly zero in the masked model
        assert float(masked[1](masked[0](x))[:, ~kept].abs().max()) == 0.0
    # the units removed are those with the smallest L1 norm
    norms = model[0].weight.detach().abs().sum(dim=1)
    assert float(norms[kept].min()) >= float(norms[~kept].max())


def test_structured_pruning_of_a_cnn_follows_channels_through_flatten() -> None:
    torch.manual_seed(1)
    model = cnn_factory(channels=1, side=8, classes=10, width=8)(1.0)
    x = torch.rand(5, 1, 8, 8)
    masked = copy.deepcopy(model)
    prune_structured(masked, 0.5)
    smaller = rebuild_dense(masked)
    shapes = [tuple(layer.weight.shape) for _, layer in prunable_layers(smaller)]
    assert shapes == [(2, 1, 3, 3), (4, 2, 3, 3), (8, 4 * 4 * 4), (10, 8)]
    with torch.no_grad():
        assert torch.allclose(smaller(x), masked(x), atol=1e-5)
    assert flops_per_sample(smaller, x) < flops_per_sample(model, x)


def test_structured_rebuild_needs_a_sequential() -> None:
    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = torch.nn.Linear(2, 2)

    with pytest.raises(InvalidValueError, match=r"nn\.Sequential"):
        rebuild_dense(Wrapped())
    with pytest.raises(InvalidValueError, match="sparsity"):
        prune_unstructured(_mlp(), 1.0)


def test_rewinding_restores_the_early_weights_under_the_mask() -> None:
    model = _mlp()
    early = snapshot(model)
    with torch.no_grad():  # stand-in for training: every weight moves
        for p in model.parameters():
            p.add_(1.0)
    trained = snapshot(model)
    imp_prune_and_rewind(model, rate=0.6, rewind_to=early)
    for name, layer in prunable_layers(model):
        assert torch.equal(layer.weight_orig, early[f"{name}.weight"])  # survivors rewound
        assert torch.equal(layer.bias, early[f"{name}.bias"])
        assert torch.equal(layer.weight, early[f"{name}.weight"] * layer.weight_mask)
        assert not torch.equal(layer.weight_orig, trained[f"{name}.weight"])
    assert _zeros(model) >= round(0.6 * WEIGHTS)
    # the mask was chosen on the trained magnitudes, not the early ones
    mask = torch.cat([layer.weight_mask.flatten() for _, layer in prunable_layers(model)])
    magnitudes = torch.cat([trained[f"{n}.weight"].abs().flatten() for n, _ in prunable_layers(model)])
    assert float(magnitudes[mask == 1].min()) >= float(magnitudes[mask == 0].max())


def test_rewind_rejects_a_state_of_another_shape() -> None:
    model = _mlp()
    wrong = snapshot(mlp_factory(inputs=64, classes=10, width=20)(1.0))
    with pytest.raises(InvalidValueError, match="shape"):
        rewind(model, wrong)


def test_random_reinitialisation_keeps_the_mask_and_draws_new_weights() -> None:
    ticket = _mlp(seed=0)
    imp_prune_and_rewind(ticket, rate=0.5, rewind_to=snapshot(ticket))
    control = _mlp(seed=99)
    apply_mask_of(ticket, control)
    for (_, a), (_, b) in zip(prunable_layers(ticket), prunable_layers(control), strict=True):
        assert torch.equal(a.weight_mask, b.weight_mask)
        assert torch.equal(b.weight == 0, a.weight_mask == 0)
        assert not torch.equal(a.weight_orig, b.weight_orig)
    with pytest.raises(InvalidValueError, match="not pruned"):
        apply_mask_of(_mlp(), _mlp())
