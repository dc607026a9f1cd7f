"""Magnitude pruning with ``torch.nn.utils.prune`` (Han et al. 2015), unstructured and structured.

* Unstructured: the globally smallest-magnitude weights of every ``Linear``/``Conv2d`` layer are masked
  (``prune.global_unstructured`` with ``L1Unstructured``). The dense computation is unchanged: only
  sparse kernels could save anything, and the study measures whether they do.
* Structured: in every hidden ``Linear``/``Conv2d`` layer the output neurons/channels with the smallest
  L1 norm are masked (``prune.ln_structured``, with the bias of a removed unit masked too), then
  ``rebuild_dense`` builds the smaller dense model that computes exactly the same function.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.study.compression._deps import require

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "count_params",
    "make_permanent",
    "prunable_layers",
    "prune_structured",
    "prune_unstructured",
    "rebuild_dense",
    "weight_sparsity",
]


def _is_prunable(module: Any) -> bool:
    nn = require("torch.nn")
    return isinstance(module, (nn.Linear, nn.Conv2d))


def prunable_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The ``Linear`` and ``Conv2d`` layers of ``model``, in order, with their names."""
    return [(name, m) for name, m in model.named_modules() if _is_prunable(m)]


def prune_unstructured(model: nn.Module, amount: float) -> None:
    """Mask ``amount`` of the weights still unmasked, globally by magnitude (in place, composable).

    ``round(amount x remaining)`` weights are masked, so the sparsity is exact; applied again to a
    pruned model it prunes ``amount`` of what remains (iterative magnitude pruning).
    """
    prune = require("torch.nn.utils.prune")
    if not 0 < amount < 1:
        raise InvalidValueError("sparsity", amount, "must be between 0 and 1 (exclusive)")
    layers = prunable_layers(model)
    if not layers:
        raise InvalidValueError("model", type(model).__name__, "has no Linear or Conv2d layer to prune")
    prune.global_unstructured(
        [(m, "weight") for _, m in layers], pruning_method=prune.L1Unstructured, amount=amount
    )


def prune_structured(model: nn.Module, amount: float) -> None:
    """Mask ``amount`` of the output units of every hidden ``Linear``/``Conv2d`` layer (in place).

    The last layer (the classes) is kept whole. Each removed unit's weights and bias are masked, so
    the masked model and ``rebuild_dense(model)`` compute the same outputs.
    """
    prune = require("torch.nn.utils.prune")
    if not 0 < amount < 1:
        raise InvalidValueError("sparsity", amount, "must be between 0 and 1 (exclusive)")
    layers = prunable_layers(model)
    if len(layers) < 2:
        raise InvalidValueError("model", type(model).__name__, "needs a hidden Linear/Conv2d layer to prune")
    for _, layer in layers[:-1]:
        prune.ln_structured(layer, "weight", amount=amount, n=1, dim=0)
        bias: Any = getattr(layer, "bias", None)
        if bias is not None:
            prune.custom_from_mask(layer, "bias", mask=_kept_rows(layer).to(bias.dtype))


def _kept_rows(layer: Any) -> Any:
    """Boolean tensor: which output units of ``layer`` its weight mask keeps (all, if unpruned)."""
    mask = getattr(layer, "weight_mask", None)
    if mask is None:
        torch = require("torch")
        return torch.ones(int(layer.weight.shape[0]), dtype=torch.bool, device=layer.weight.device)
    return mask.flatten(1).sum(dim=1) > 0


def rebuild_dense(model: nn.Module) -> nn.Module:
    """The smaller dense ``nn.Sequential`` equivalent to a structurally pruned ``nn.Sequential``.

    Removed units disappear from their layer's outputs and from the next layer's inputs (through a
    ``Flatten``, every spatial position of a removed channel). Parameter-free modules are copied.

    Raises:
        InvalidValueError: the model is not an ``nn.Sequential`` of ``Linear``/``Conv2d`` layers and
            parameter-free modules (grouped convolutions are not supported).
    """
    torch = require("torch")
    nn = require("torch.nn")
    if not isinstance(model, nn.Sequential):
        raise InvalidValueError(
            "model", type(model).__name__, "must be an nn.Sequential for structured pruning"
        )
    out: list[Any] = []
    keep_in: Any = None  # kept indices of the features flowing in
    channels_in: int | None = None  # channel count before a Flatten
    flattened = False
    with torch.no_grad():
        for module in model:
            if not _is_prunable(module):
                if any(True for _ in module.parameters(recurse=True)):
                    raise InvalidValueError(
                        "model",
                        type(module).__name__,
                        "has parameters; structured pruning rebuilds only "
                        "Linear and Conv2d layers (with parameter-free modules between them)",
                    )
                if isinstance(module, nn.Flatten):
                    flattened = True
                out.append(copy.deepcopy(module))
                continue
            weight = module.weight.detach()
            bias = module.bias.detach() if module.bias is not None else None
            rows = _kept_rows(module).nonzero().flatten()
            cols = keep_in
            if cols is not None and flattened and isinstance(module, nn.Linear):
                assert channels_in is not None
                positions = int(weight.shape[1]) // channels_in
                cols = (cols[:, None] * positions + torch.arange(positions, device=cols.device)).flatten()
            flattened = False
            w = weight[rows] if cols is None else weight[rows][:, cols]
            if isinstance(module, nn.Conv2d):
                if module.groups != 1:
                    raise InvalidValueError(
                        "model", "Conv2d(groups>1)", "grouped convolutions are not supported"
                    )
                new: Any = nn.Conv2d(
                    int(w.shape[1]), int(w.shape[0]), module.kernel_size, stride=module.stride,
                    padding=module.padding, dilation=module.dilation, bias=bias is not None,
                    padding_mode=module.padding_mode,
                )  # fmt: skip
            else:
                new = nn.Linear(int(w.shape[1]), int(w.shape[0]), bias=bias is not None)
            new = new.to(device=weight.device, dtype=weight.dtype)
            new.weight.copy_(w)
            if bias is not None:
                new.bias.copy_(bias[rows])
            out.append(new)
            keep_in = rows
            channels_in = int(weight.shape[0])
    return nn.Sequential(*out)  # type: ignore[no-any-return]


def make_permanent(model: nn.Module) -> nn.Module:
    """Fold every pruning mask into its parameter (``prune.remove``); the zeros stay. Returns ``model``."""
    prune = require("torch.nn.utils.prune")
    for _, module in model.named_modules():
        for name in ("weight", "bias"):
            if hasattr(module, f"{name}_mask"):
                prune.remove(module, name)
    return model


def weight_sparsity(model: nn.Module) -> float:
    """Fraction of the ``Linear``/``Conv2d`` weights that are zero (masked or folded)."""
    total = zeros = 0
    for _, layer in prunable_layers(model):
        w: Any = layer.weight
        total += int(w.numel())
        zeros += int(w.numel()) - int((w != 0).sum())
    return zeros / total if total else 0.0


def count_params(model: nn.Module) -> tuple[int, int]:
    """(total, non-zero) parameters, counting masked weights as the zeros they are."""
    total = nonzero = 0
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if name.endswith("_orig"):  # pruned: the effective value is orig x mask
                value = param * getattr(module, name[: -len("_orig")] + "_mask")
            else:
                value = param
            total += int(value.numel())
            nonzero += int((value != 0).sum())
    return total, nonzero
