"""The lottery ticket: iterative magnitude pruning with rewinding (Frankle et al. 2020, "Linear Mode
Connectivity and the Lottery Ticket Hypothesis"; Frankle and Carbin 2019), and its random control.

Round r of R: prune ``rate`` of the remaining weights of the trained network globally by magnitude,
rewind the survivors (and the biases) to their values at an early training iteration k, retrain.
The control keeps the final mask but draws a fresh random initialisation (Frankle and Carbin's
"random reinitialization"), then trains as long as one round.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.study.compression._deps import require
from mlfootprint.study.compression.pruning import prunable_layers, prune_unstructured

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["apply_mask_of", "imp_prune_and_rewind", "rewind", "snapshot"]


def _effective(module: Any, pname: str) -> Any:
    """``module.<pname>`` as the next forward pass will see it (``orig x mask`` when pruned).

    ``torch.nn.utils.prune`` recomputes the masked attribute only in a forward pre-hook, so after a
    change to ``*_orig`` the attribute itself is stale until the next forward pass.
    """
    orig = getattr(module, f"{pname}_orig", None)
    if orig is not None:
        return orig * getattr(module, f"{pname}_mask")
    return getattr(module, pname, None)


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the effective weights and biases (masked if pruned), keyed like an unpruned model."""
    out: dict[str, torch.Tensor] = {}
    for name, module in model.named_modules():
        for pname in ("weight", "bias"):
            value = _effective(module, pname)
            if value is not None and hasattr(value, "detach"):
                out[f"{name}.{pname}" if name else pname] = value.detach().clone()
    return out


def rewind(model: nn.Module, state: Mapping[str, torch.Tensor]) -> None:
    """Set every weight and bias back to ``state`` (a ``snapshot``), keeping the pruning masks.

    A pruned parameter's ``*_orig`` takes the snapshot, so the effective weight is ``snapshot x mask``.
    """
    torch = require("torch")
    with torch.no_grad():
        for name, module in model.named_modules():
            for pname in ("weight", "bias"):
                key = f"{name}.{pname}" if name else pname
                if key not in state:
                    continue
                target = getattr(module, f"{pname}_orig", None)
                if target is None:
                    target = getattr(module, pname)
                if tuple(target.shape) != tuple(state[key].shape):
                    raise InvalidValueError("rewind state", key, f"has shape {tuple(state[key].shape)}, "
                                            f"the model {tuple(target.shape)}")  # fmt: skip
                target.copy_(state[key])
                if hasattr(module, f"{pname}_orig"):  # refresh the masked attribute now, not at next forward
                    setattr(module, pname, _effective(module, pname))


def imp_prune_and_rewind(model: nn.Module, *, rate: float, rewind_to: Mapping[str, torch.Tensor]) -> None:
    """One IMP step on a trained model: prune ``rate`` of the remaining weights, rewind the rest."""
    prune_unstructured(model, rate)
    rewind(model, rewind_to)


def apply_mask_of(source: nn.Module, target: nn.Module) -> None:
    """Mask ``target``'s weights with ``source``'s pruning masks (same architecture, layer by layer)."""
    prune = require("torch.nn.utils.prune")
    pairs = list(zip(prunable_layers(source), prunable_layers(target), strict=False))
    if len(pairs) != len(prunable_layers(target)) or len(pairs) != len(prunable_layers(source)):
        raise InvalidValueError("model", type(target).__name__, "differs in layers from the pruned model")
    for (_, src), (_, dst) in pairs:
        mask = getattr(src, "weight_mask", None)
        if mask is None:
            raise InvalidValueError("model", type(source).__name__, "is not pruned (no weight mask)")
        prune.custom_from_mask(dst, "weight", mask=mask.clone())
