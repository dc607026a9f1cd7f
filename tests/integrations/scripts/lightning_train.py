"""Train a tiny model with Lightning on the CPU under a given strategy, tracked by mlfootprint.

Usage: python lightning_train.py STRATEGY DB_URL LOG_DIR [fail]
Prints the run record's id and status of the process that ran ``fit`` (rank 0).
"""

from __future__ import annotations

import sys

import lightning.pytorch as pl
import torch
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader, TensorDataset

from mlfootprint.integrations.lightning import MlfootprintCallback


class Tiny(pl.LightningModule):
    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.fail = fail

    def training_step(self, batch: list[torch.Tensor], batch_idx: int) -> torch.Tensor:
        if self.fail and self.current_epoch == 1:
            raise RuntimeError("loss is nan at epoch 1")
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def validation_step(self, batch: list[torch.Tensor], batch_idx: int) -> None:
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y), sync_dist=True)

    def predict_step(self, batch: list[torch.Tensor], batch_idx: int) -> torch.Tensor:
        return self.layer(batch[0])

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.01)


def data() -> DataLoader[tuple[torch.Tensor, ...]]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=g)
    return DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=16)


def main() -> None:
    strategy, db, log_dir = sys.argv[1:4]
    fail = len(sys.argv) > 4 and sys.argv[4] == "fail"
    devices = 1 if strategy == "single" else 2
    callback = MlfootprintCallback(project="lightning", region="FR", db=db, interval_s=0.2)
    trainer = pl.Trainer(
        accelerator="cpu", devices=devices, strategy="auto" if strategy == "single" else strategy,
        max_epochs=2, logger=CSVLogger(log_dir, name="", version=""), callbacks=[callback],
        enable_progress_bar=False, enable_checkpointing=False, enable_model_summary=False,
        num_sanity_val_steps=0,
    )  # fmt: skip
    model = Tiny(fail=fail)
    try:
        trainer.fit(model, data(), data())
    except RuntimeError as exc:
        print(f"fit failed: {exc}", file=sys.stderr)
    if strategy == "single" and not fail:
        trainer.validate(model, data())
        trainer.predict(model, data())
    if trainer.global_rank == 0 and callback.result is not None:
        print(f"RUN {callback.result.id} {callback.result.status}")


if __name__ == "__main__":
    main()
